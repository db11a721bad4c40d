// SPDX-License-Identifier: GPL-2.0
/*
 * Long-term pin records: who pins what, on which file, under which lease.
 *
 * Every RDMA user memory registration goes through ib_umem_get() and ends
 * in ib_umem_release() (ib_uverbs).  For each registration whose range is
 * backed by file mappings, the module records one pin per (umem, file): the
 * registering process, the file range, the page count, the access flags
 * and the layout lease it is under.
 *
 * A pin under a lease holds a reference on the lease's open file, so the
 * lease outlives the registering process's descriptors (open, F_SETLEASE,
 * mmap, ibv_reg_mr, munmap, close): the kernel removes a lease only at the
 * last close of its file.  It goes when the MR is deregistered.  The
 * reference is to a regular file, which cannot carry descriptors in
 * flight, so no cycle hides from AF_UNIX garbage collection.
 *
 * Each record also knows the uverbs file the registration was made
 * through, without a reference: whoever has that file in its table holds
 * the MR, and ib_uverbs releases every MR of a file before freeing it.
 * Revocation kills those holders.  While records cover a DAX file's range,
 * dax_layout_busy_page_range() reports their pinned pages, so the
 * filesystem waits for the MR to go instead of freeing blocks under it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <rdma/ib_umem.h>
#include <rdma/ib_verbs.h>
#include <rdma/restrack.h>

#include "layoutlease.h"
#include "ll_hook.h"
#include "ll_param.h"
#include "ll_trace.h"

static bool require_lease;
module_param(require_lease, bool, 0644);
MODULE_PARM_DESC(require_lease,
		 "Refuse long-term pins of file mappings without a layout lease (default: off)");

static bool dax_pins = true;
module_param(dax_pins, bool, 0644);
MODULE_PARM_DESC(dax_pins,
		 "Allow long-term pins of fsdax files under a layout lease (default: on)");

/* Which registrations without a lease get an implicit one (parameter). */
enum ll_scope {
	LL_SCOPE_DAX,		/* shared mappings of fsdax files */
	LL_SCOPE_ALL,		/* shared mappings of any regular file */
};

static const char * const ll_scope_names[] = {
	[LL_SCOPE_DAX] = "dax",
	[LL_SCOPE_ALL] = "all",
};

static int ll_scope = LL_SCOPE_DAX;

static const struct ll_enum_param ll_implicit_scope_param = {
	ll_scope_names, ARRAY_SIZE(ll_scope_names), &ll_scope, NULL
};

module_param_cb(implicit_scope, &ll_enum_param_ops, (void *)&ll_implicit_scope_param, 0644);
MODULE_PARM_DESC(implicit_scope,
		 "Implicit leases for registrations over shared mappings of: dax (fsdax files, default) or all (any regular file)");

/*
 * One record per (umem, file).  Indexed four ways, so that every lookup
 * looks only at the records it is about: by umem (release, linking the
 * MR), by inode (the busy-page report and the layout-change checks), by
 * uverbs file (a fence), and on its lease's list (revocation).  Only
 * the /proc listing walks ll_pins.  At most 192 bytes, one kmalloc-192
 * object (Documentation/benchmarks.rst, P6's memory per pin).
 */
struct ll_pin {
	struct hlist_node hnode;	/* ll_pin_hash by umem; the build and
					 * release lists before and after
					 */
	struct hlist_node inode_node;	/* ll_pin_inodes, by inode */
	struct hlist_node uverbs_node;	/* ll_pin_files, by uverbs file */
	struct hlist_node lease_node;	/* @lease's pin_list */
	struct list_head node;		/* ll_pins, in registration order */
	u64 umem_id;
	struct ib_umem *umem;
	struct file *uverbs;		/* not counted: holders have it */
	struct ib_uobject *uobj;	/* the MR's, once known; not counted:
					 * the MR outlives the record
					 */
	struct page *busy;		/* a DAX page to report busy, or NULL */
	struct file *file;		/* counted: the mapped file, which is
					 * the leased one: keeps @lease in
					 * place; NULL: a /proc reader's cursor
					 */
	struct ll_lease *lease;		/* counted, or NULL */
	struct pid *tgid;		/* counted: the registering process */
	loff_t start, end;		/* file bytes [start, end) */
	unsigned long pages;
	int access;
	bool fenced;			/* @uverbs is being fenced */
	bool collected;			/* handed to the fence to destroy */
	bool releasing;			/* in ib_umem_release() */
	char comm[TASK_COMM_LEN];
};

/* The file a record pins: its device and inode number, for /proc and logs */
#define ll_pin_inode(pin)	file_inode((pin)->file)
#define ll_pin_dev(pin)		(ll_pin_inode(pin)->i_sb->s_dev)
/* i_ino is a u64 on 7.2: an unsigned long, as ll_lease.ino, on amd64 */
#define ll_pin_ino(pin)		((unsigned long)ll_pin_inode(pin)->i_ino)
/* The registering process, for logs */
#define ll_pin_pid(pin)		pid_nr((pin)->tgid)

/*
 * current enters ib_umem_get(): its long-term pins of fsdax pages may be
 * allowed (ll_pins_dax_allowed()) because ll_pins_record() will record them
 * before ib_umem_get() returns.
 */
static void ll_umem_get_begin(struct ll_cmd *c)
{
	c->umem_get = true;
	c->dax_allowed = false;
}

static void ll_umem_get_end(struct ll_cmd *c)
{
	c->umem_get = false;
	c->dax_allowed = false;
}

/*
 * The records, under ll_pin_lock.  Lock order: ll_pin_lock, then
 * task_lock() and a file table's file_lock (ll_task_holds()); never the
 * other way.  ll_lock (layout_lease.c) and a lease's inode's flc_lock are
 * never held when it is taken, nor taken under it.  A record is on ll_pins,
 * in the inode and uverbs hashes and on its lease's list from
 * ll_pins_record() to ll_pins_release_end(), and in the umem hash until
 * ll_pins_release_begin().
 */
static DEFINE_HASHTABLE(ll_pin_hash, 10);	/* by umem */
static DEFINE_HASHTABLE(ll_pin_inodes, 12);	/* by inode */
static DEFINE_HASHTABLE(ll_pin_files, 8);	/* by uverbs file */
static LIST_HEAD(ll_pins);			/* for /proc */
static DEFINE_SPINLOCK(ll_pin_lock);
static atomic64_t ll_next_umem;
static atomic64_t ll_pinned_pages;
static atomic_t ll_pin_count;			/* listed records */

/* Free a record; @counted: it was in the listings and the counters. */
static void ll_pin_free(struct ll_pin *pin, bool counted)
{
	if (counted) {
		atomic64_sub(pin->pages, &ll_pinned_pages);
		ll_hook_gate_close(LL_GATE_PINS);
		if (pin->lease)
			ll_lease_unpin(pin->lease, pin->pages);
		/* from a caller that entered a hook: not the module's last code */
		module_put(THIS_MODULE);
	}
	if (pin->lease)
		ll_lease_put(pin->lease);
	fput(pin->file);
	put_pid(pin->tgid);
	kfree(pin);
}

/* Into the indexes and the counters, under ll_pin_lock. */
static void ll_pin_list(struct ll_pin *pin)
{
	lockdep_assert_held(&ll_pin_lock);
	hash_add(ll_pin_hash, &pin->hnode, (unsigned long)pin->umem);
	hash_add(ll_pin_inodes, &pin->inode_node,
		 (unsigned long)ll_pin_inode(pin));
	if (pin->uverbs)
		hash_add(ll_pin_files, &pin->uverbs_node,
			 (unsigned long)pin->uverbs);
	if (pin->lease)
		hlist_add_head(&pin->lease_node, &pin->lease->pin_list);
	list_add_tail(&pin->node, &ll_pins);
	atomic_inc(&ll_pin_count);
	atomic64_add(pin->pages, &ll_pinned_pages);
	/* the DAX busy-page hooks have business while pages are counted */
	ll_hook_gate_open(LL_GATE_PINS);
}

/*
 * Out of the indexes but the umem hash (the caller moves ->hnode), under
 * ll_pin_lock; its pages are counted until ll_pin_free().
 */
static void ll_pin_unlist(struct ll_pin *pin)
{
	lockdep_assert_held(&ll_pin_lock);
	hash_del(&pin->inode_node);
	if (pin->uverbs)
		hash_del(&pin->uverbs_node);
	if (pin->lease)
		hlist_del(&pin->lease_node);
	list_del(&pin->node);
	atomic_dec(&ll_pin_count);
}

/* The record of @umem for @file in @list, or a new one. */
static struct ll_pin *ll_pin_for(struct hlist_head *list, struct ib_umem *umem,
				 u64 id, struct file *file, int access)
{
	struct ll_pin *pin;

	hlist_for_each_entry(pin, list, hnode)
		if (pin->file == file)
			return pin;
	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return NULL;
	pin->umem_id = id;
	pin->umem = umem;
	pin->file = get_file(file);
	pin->lease = ll_lease_of_file(file);
	pin->tgid = get_pid(task_tgid(current));
	/* the caller's own name, for logs: no lock for a copy of it */
	memcpy(pin->comm, current->comm, sizeof(pin->comm));
	pin->comm[sizeof(pin->comm) - 1] = '\0';
	pin->start = LLONG_MAX;
	pin->access = access;
	hlist_add_head(&pin->hnode, list);
	return pin;
}

/*
 * The first page from the @n-th of @umem's pages on, among @pages, that
 * holds file blocks: an fsdax page, as a filesystem waits on it
 * (ll_dax_page(): from 6.15 the head of a large folio), or NULL.  A
 * MAP_PRIVATE registration pins its copy-on-write copies, and from 6.2
 * one without write access pins the zero page over a hole: a filesystem
 * never waits for those, and would wait, or spin, if told to.
 */
static struct page *ll_umem_page(struct ib_umem *umem, unsigned long n,
				 unsigned long pages)
{
	struct sg_page_iter iter;
	struct page *page;

	for_each_sgtable_page(&umem->sgt_append.sgt, &iter, n) {
		page = ll_dax_page(sg_page_iter_page(&iter));
		if (page)
			return page;
		if (!--pages)
			break;
	}
	return NULL;
}

/* Add the file-backed part of @vma in [start, end) to the records. */
static int ll_pin_vma(struct hlist_head *list, struct ib_umem *umem, u64 id,
		      struct vm_area_struct *vma, unsigned long start,
		      unsigned long end, int access)
{
	unsigned long from = max(start, vma->vm_start) & PAGE_MASK;
	unsigned long to = min(end, vma->vm_end);
	unsigned long pages;
	struct ll_pin *pin;
	loff_t off;

	/*
	 * Only regular files: a reference to a device file (an MR over the
	 * uverbs file's own queue mapping, say) could be a cycle that
	 * nothing collects.
	 */
	if (!vma->vm_file || !S_ISREG(file_inode(vma->vm_file)->i_mode))
		return 0;
	pin = ll_pin_for(list, umem, id, vma->vm_file, access);
	if (!pin)
		return -ENOMEM;
	off = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) + (from - vma->vm_start);
	pages = PAGE_ALIGN(to - from) >> PAGE_SHIFT;
	pin->start = min(pin->start, off);
	pin->end = max(pin->end, off + (loff_t)(pages << PAGE_SHIFT));
	pin->pages += pages;
	/* this VMA's own pages of the umem: another VMA may map other pages */
	if (!pin->busy && vma_is_fsdax(vma))
		pin->busy = ll_umem_page(umem, (from - (start & PAGE_MASK)) >>
					 PAGE_SHIFT, pages);
	return 0;
}

static void ll_pins_free_list(struct hlist_head *list, bool counted)
{
	struct hlist_node *tmp;
	struct ll_pin *pin;

	hlist_for_each_entry_safe(pin, tmp, list, hnode) {
		hlist_del(&pin->hnode);
		ll_pin_free(pin, counted);
	}
}

/*
 * Is the fsdax @page, pinned at @addr, the page of the file @vma maps
 * there?  0, or -EAGAIN: it is not (the range was mapped again during the
 * registration); -EOPNOTSUPP: reflinked files share it.  A page that
 * names no file but may be one file's (LL_DAX_TAGGED: before 6.15, a copy
 * on write of a shared extent, say) must be what @addr maps now.
 *
 * A page that files share holds up a layout change of each of them, and
 * only the file it was pinned through would have the record to break:
 * the others' owners would wait for this registration, which is refused
 * (Documentation/layout-leases.rst, "Known limits").
 */
static int ll_dax_page_at(struct page *page, struct vm_area_struct *vma,
			  unsigned long addr)
{
	struct address_space *mapping;
	struct page *now;
	pgoff_t index;
	bool same;

	switch (ll_dax_page_file(page, &mapping, &index)) {
	case LL_DAX_FILE:
		return mapping == vma->vm_file->f_mapping &&
		       index == linear_page_index(vma, addr) ? 0 : -EAGAIN;
	case LL_DAX_SHARED:
		return -EOPNOTSUPP;
	case LL_DAX_TAGGED:
		break;
	}
	if (!vma_is_fsdax(vma) || ll_user_page_now(addr, &now) != 1)
		return -EAGAIN;
	same = now == page;
	put_page(now);
	return same ? 0 : -EAGAIN;
}

/*
 * Does each fsdax page of @umem hold the file page its address maps now?
 * ib_umem_get() pinned the pages under holds of mmap_lock it has dropped
 * since: between two chunks of 512 pages, and (from 6.3) in the middle of
 * one, to fault.  A thread of the caller that mapped something else over
 * the range in between would have the pages recorded as another file's
 * or none, and a filesystem waits for a pinned fsdax page: a layout change
 * of the file they are in would find no pin to break, and wait until the
 * MR goes.  Under mmap_lock, with the VMAs the records are built from.
 * A page that names no file (ll_dax_page_at()) costs a page table walk.
 * Return: 0, -EAGAIN or -EOPNOTSUPP, as ll_dax_page_at().
 */
static int ll_pins_dax_match(struct ib_umem *umem, struct mm_struct *mm)
{
	unsigned long addr = umem->address & PAGE_MASK;
	struct vm_area_struct *vma = NULL;
	struct scatterlist *sg;
	struct page *page;
	unsigned long n;
	unsigned int i;
	int ret;

	mmap_assert_locked(mm);
	/*
	 * The pages of each entry in turn, as for_each_sgtable_page() takes
	 * them, without its per-page call: this runs for every page of a
	 * DAX registration.
	 */
	for_each_sgtable_sg(&umem->sgt_append.sgt, sg, i) {
		page = sg_page(sg);
		n = PAGE_ALIGN(sg->offset + sg->length) >> PAGE_SHIFT;
		for (; n; n--, page = ll_sg_next_page(page),
		     addr += PAGE_SIZE) {
			/* a registration of many GiB: this may sleep */
			if (!(addr & (SZ_4M - 1)))
				cond_resched();
			if (!ll_dax_page(page))
				continue;
			/* as the gate let it through: a leased file's mapping */
			if (!vma || addr >= vma->vm_end) {
				vma = vma_lookup(mm, addr);
				if (!vma || !vma->vm_file ||
				    !ll_file_leased(vma->vm_file))
					return -EAGAIN;
			}
			ret = ll_dax_page_at(page, vma, addr);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * The records of @umem, built from the caller's mappings; @dax: the DAX
 * gate let fsdax pages be pinned, whose files are checked
 * (ll_pins_dax_match()): -EAGAIN when a page is not the file's its address
 * maps, -EOPNOTSUPP when files share it.
 */
static int ll_pins_build(struct ib_umem *umem, int access, bool dax,
			 struct hlist_head *list)
{
	unsigned long start = umem->address, end = start + umem->length;
	struct mm_struct *mm = current->mm;
	u64 id = atomic64_inc_return(&ll_next_umem);
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	int ret = 0;

	/*
	 * One descent of the VMA tree, then its leaves in order; the VMA
	 * that reaches @end is the last, without a look past it.
	 */
	vma_iter_init(&vmi, mm, start);
	mmap_read_lock(mm);
	if (dax)
		ret = ll_pins_dax_match(umem, mm);
	if (!ret)
		for_each_vma_range(vmi, vma, end) {
			ret = ll_pin_vma(list, umem, id, vma, start, end,
					 access);
			if (ret || vma->vm_end >= end)
				break;
		}
	mmap_read_unlock(mm);
	if (ret)
		ll_pins_free_list(list, false);
	return ret;
}

static bool ll_pins_unleased(struct hlist_head *list, struct ll_pin **which)
{
	struct ll_pin *pin;

	hlist_for_each_entry(pin, list, hnode) {
		if (!pin->lease) {
			*which = pin;
			return true;
		}
	}
	return false;
}

/**
 * ll_pins_record() - record the file-backed pins of a new registration
 * @umem: what ib_umem_get() returned
 * @access: the registration's IB_ACCESS_* flags
 * @dax: the DAX gate let fsdax pages of @umem be pinned
 * @uverbs: the uverbs file of the command that registers, or NULL
 *
 * Return: 0; -EPERM when require_lease is set and a file range is not
 * under a layout lease of the caller; -EAGAIN when its lease is broken,
 * or is implicit and a layout change of the file is under way, or when an
 * fsdax page is no longer the file's its address maps (the range was
 * mapped again during the registration); -EOPNOTSUPP when reflinked files
 * share an fsdax page; -ENOMEM.  On an error nothing is recorded and the
 * caller must release @umem.
 */
static int ll_pins_record(struct ib_umem *umem, int access, bool dax,
			  struct file *uverbs)
{
	struct hlist_node *tmp;
	struct ll_pin *pin, *undo;
	HLIST_HEAD(list);
	int ret;

	ret = ll_pins_build(umem, access, dax, &list);
	if (ret)
		return ret;
	if (READ_ONCE(require_lease) && ll_pins_unleased(&list, &pin)) {
		pr_warn_ratelimited("pid %d (%s): long-term pin of %u:%u:%lu without a layout lease refused (require_lease)\n",
				    ll_pin_pid(pin), pin->comm, MAJOR(ll_pin_dev(pin)),
				    MINOR(ll_pin_dev(pin)), ll_pin_ino(pin));
		ll_pins_free_list(&list, false);
		return -EPERM;
	}
	/* no new pin joins a broken lease */
	hlist_for_each_entry(pin, &list, hnode) {
		if (!pin->lease)
			continue;
		ret = ll_lease_pin(pin->lease, pin->pages);
		if (ret) {
			hlist_for_each_entry(undo, &list, hnode) {
				if (undo == pin)
					break;
				if (undo->lease)
					ll_lease_unpin(undo->lease, undo->pages);
			}
			ll_pins_free_list(&list, false);
			return ret;
		}
	}
	spin_lock(&ll_pin_lock);
	/*
	 * Nor a new pin under an implicit lease while a layout change of its
	 * file is under way, or of DAX pages a remap is sharing: that change
	 * was not refused for pins it did not see.  It begins before it looks
	 * for pins (ll_pins_implicit_deny(), ll_pins_in()), under this lock:
	 * either it sees these, or this sees it.
	 */
	hlist_for_each_entry(pin, &list, hnode) {
		if ((pin->lease && READ_ONCE(pin->lease->implicit) &&
		     ll_inode_changing(ll_pin_inode(pin))) ||
		    (pin->busy && ll_change_reads_over(ll_pin_inode(pin),
						       pin->start,
						       pin->end - 1))) {
			spin_unlock(&ll_pin_lock);
			hlist_for_each_entry(pin, &list, hnode)
				if (pin->lease)
					ll_lease_unpin(pin->lease, pin->pages);
			ll_pins_free_list(&list, false);
			return -EAGAIN;
		}
	}
	hlist_for_each_entry_safe(pin, tmp, &list, hnode) {
		/* no unload, so no unhooked unpinning, while pins exist */
		__module_get(THIS_MODULE);
		hlist_del(&pin->hnode);
		pin->uverbs = uverbs;	/* indexed by it from here on */
		ll_pin_list(pin);
	}
	spin_unlock(&ll_pin_lock);
	return 0;
}

/**
 * ll_pins_release_begin() - a registration is about to be released
 * @umem: what ib_umem_release() is given
 * @released: where its records go, for ll_pins_release_end()
 *
 * ib_umem_release() unpins the pages one by one.  The records stay listed,
 * and each one's busy page holds one more reference, until it is done: a
 * filesystem waiting for that page must not see the range free while later
 * pages are still pinned.  They leave the umem hash now, since @umem's
 * address may be reused as soon as it is freed.
 */
static void ll_pins_release_begin(struct ib_umem *umem, struct hlist_head *released)
{
	struct hlist_node *tmp;
	struct ll_pin *pin;

	/* a umem with records was recorded by an earlier ib_umem_get() */
	if (!atomic_read(&ll_pin_count))
		return;
	spin_lock(&ll_pin_lock);
	hash_for_each_possible_safe(ll_pin_hash, pin, tmp, hnode,
				    (unsigned long)umem) {
		if (pin->umem != umem)
			continue;
		hash_del(&pin->hnode);
		hlist_add_head(&pin->hnode, released);
		pin->releasing = true;
		/* from 6.15 the kernel sees every pinned page itself */
		if (pin->busy && !LL_DAX_PINS_SEEN)
			get_page(pin->busy);
	}
	spin_unlock(&ll_pin_lock);
}

/**
 * ll_pins_release_end() - ib_umem_release() has unpinned everything
 * @released: as given to ll_pins_release_begin()
 *
 * Drops the records and the busy pages' references, which wakes the
 * filesystems waiting for them.
 */
static void ll_pins_release_end(struct hlist_head *released)
{
	struct ll_pin *pin;

	/*
	 * Under the lock, so that no busy-page report falls between: one
	 * that no longer finds the record must find the page free.  For an
	 * fsdax page still counted by the filesystem's entry, put_page() only
	 * drops the count and wakes its waiters.
	 */
	if (hlist_empty(released))
		return;
	spin_lock(&ll_pin_lock);
	hlist_for_each_entry(pin, released, hnode) {
		ll_pin_unlist(pin);
		if (pin->busy && !LL_DAX_PINS_SEEN)
			put_page(pin->busy);
	}
	spin_unlock(&ll_pin_lock);
	ll_pins_free_list(released, true);
}

/**
 * ll_pins_shutdown() - drop every record, for module unload
 */
void ll_pins_shutdown(void)
{
	struct hlist_node *tmp;
	struct ll_pin *pin;
	HLIST_HEAD(list);
	unsigned int bkt;

	spin_lock(&ll_pin_lock);
	hash_for_each_safe(ll_pin_hash, bkt, tmp, pin, hnode) {
		hash_del(&pin->hnode);
		ll_pin_unlist(pin);
		hlist_add_head(&pin->hnode, &list);
	}
	spin_unlock(&ll_pin_lock);
	ll_pins_free_list(&list, true);
}

/**
 * ll_pins_busy_page() - a page pinned by a registration over a DAX range
 * @inode: a DAX inode whose blocks the filesystem is about to free
 * @start: first byte of the range
 * @end: last byte of the range, inclusive
 *
 * After munmap, dax_layout_busy_page_range() sees no mapping and reports
 * nothing, while an MR still pins the blocks.  This reports a page of
 * such a pin; the filesystem waits until its count drops, that is until
 * the MR is deregistered.
 *
 * Return: a pinned page, or NULL.
 */
struct page *ll_pins_busy_page(struct inode *inode, loff_t start, loff_t end)
{
	struct page *page = NULL;
	struct ll_pin *pin;

	if (!IS_DAX(inode))
		return NULL;
	spin_lock(&ll_pin_lock);
	hash_for_each_possible(ll_pin_inodes, pin, inode_node,
			       (unsigned long)inode) {
		if (pin->busy && ll_pin_inode(pin) == inode &&
		    pin->end > start && pin->start <= end) {
			page = pin->busy;
			break;
		}
	}
	spin_unlock(&ll_pin_lock);
	return page;
}

/**
 * ll_pins_dax_allowed() - may the caller pin this fsdax mapping long-term?
 * @vma: an fsdax VMA in a FOLL_LONGTERM range
 *
 * Other long-term pins (io_uring, AF_XDP, vfio) would not be recorded, so
 * would not keep the pages busy: only ib_umem_get() of a uverbs command
 * may pin.
 *
 * Called from the check_vma_flags() filter (a hook): must not sleep.
 *
 * Return: true when dax_pins is on, the caller is in ib_umem_get() and the
 * VMA maps an open file that carries one of the module's layout leases
 * (ll_pins_record() refuses it with -EAGAIN if that lease is broken).
 */
static bool ll_pins_dax_allowed(struct vm_area_struct *vma)
{
	struct ll_cmd *c = ll_cmd_current();

	if (!READ_ONCE(dax_pins) || !c || !c->umem_get)
		return false;
	return ll_file_leased(vma->vm_file);
}

static int ll_match_file(const void *filp, struct file *file, unsigned int fd)
{
	return file == filp;
}

/*
 * Does thread @t have @filp in its table?  Under RCU.  A table the walk
 * of @t's process looked at last (*@seen), which its threads share unless
 * they unshared it, is not looked at again.
 */
static bool ll_task_holds(struct task_struct *t, struct file *filp,
			  struct files_struct **seen)
{
	bool held = false;

	task_lock(t);
	if (t->files && t->files != *seen) {
		*seen = t->files;
		held = iterate_fd(t->files, 0, ll_match_file, filp);
	}
	task_unlock(t);
	return held;
}

/*
 * The next process after @p with a thread that has @uverbs in its table,
 * or NULL; under RCU.  Threads are looked at one by one: a thread that
 * unshared its table, or a process whose main thread exited, is found.
 */
static struct task_struct *ll_next_holder(struct task_struct *p,
					  struct file *uverbs)
{
	struct files_struct *seen;
	struct task_struct *t;

	while ((p = next_task(p)) != &init_task) {
		if (p->flags & PF_KTHREAD)
			continue;
		seen = NULL;
		for_each_thread(p, t)
			if (ll_task_holds(t, uverbs, &seen))
				return p;
	}
	return NULL;
}

/*
 * SIGKILL every process that holds @uverbs, if @cred (the lease's
 * setter's) may signal it: the kernel's rule for a signal sent with
 * another task's credentials, the LSM's task_kill hook included
 * (kill_pid_usb_asyncio(), the one exported way to send a signal as given
 * credentials).
 * Return: how many processes were killed.
 */
static int ll_kill_holders(struct file *uverbs, struct ll_pin *pin,
			   const struct cred *cred)
{
	sigval_t none = { .sival_int = 0 };
	struct task_struct *p;
	int n = 0, err;

	rcu_read_lock();
	for (p = ll_next_holder(&init_task, uverbs); p;
	     p = ll_next_holder(p, uverbs)) {
		/* counted first: whoever sees its effect sees it counted */
		atomic64_inc(&ll_stats.revocations);
		err = kill_pid_usb_asyncio(SIGKILL, 0, none, task_tgid(p), cred);
		if (err) {
			atomic64_dec(&ll_stats.revocations);
			pr_warn_ratelimited("revoking MR %llu: pid %d (%s) holds it, but the lease's owner may not kill it (%d); left alone\n",
					    pin->umem_id, task_tgid_nr(p),
					    p->comm, err);
			continue;
		}
		pr_warn_ratelimited("revoking MR %llu: killing pid %d (%s), which holds %lu pinned pages of %u:%u:%lu\n",
				    pin->umem_id, task_tgid_nr(p), p->comm,
				    pin->pages, MAJOR(ll_pin_dev(pin)),
				    MINOR(ll_pin_dev(pin)), ll_pin_ino(pin));
		n++;
	}
	rcu_read_unlock();
	return n;
}

/* A process, for a log line. */
struct ll_who {
	pid_t pid;
	char comm[TASK_COMM_LEN];
};

/*
 * May @cred (the lease's setter's) signal every process that holds
 * @uverbs?  Probed with signal 0 through the same check as
 * ll_kill_holders().  On a refusal, @who is the first process refused.
 */
static int ll_holders_signalable(struct file *uverbs, const struct cred *cred,
				 struct ll_who *who)
{
	sigval_t none = { .sival_int = 0 };
	struct task_struct *p;
	int err = 0;

	rcu_read_lock();
	for (p = ll_next_holder(&init_task, uverbs); p;
	     p = ll_next_holder(p, uverbs)) {
		err = kill_pid_usb_asyncio(0, 0, none, task_tgid(p), cred);
		if (err) {
			who->pid = task_tgid_nr(p);
			get_task_comm(who->comm, p);
			break;
		}
	}
	rcu_read_unlock();
	return err;
}

/* A record, for a log line written after ll_pin_lock is dropped. */
struct ll_pin_log {
	u64 umem_id;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	unsigned long pages;
	dev_t dev;
	unsigned long ino;
};

/*
 * The next uverbs file through which a not yet fenced registration pins
 * under @ll, with a counted reference, or NULL.  The file's records under
 * @ll are marked: the fence takes them all.  Its records under another
 * lease are not: that lease's revocation fences the file again.  *@log
 * describes the record found, for the log line.  Looks only at @ll's
 * records.
 */
static struct file *ll_pins_next_to_fence(struct ll_lease *ll,
					  struct ll_pin_log *log)
{
	struct file *uverbs = NULL;
	struct ll_pin *pin;

	spin_lock(&ll_pin_lock);
	hlist_for_each_entry(pin, &ll->pin_list, lease_node) {
		if (pin->uverbs && !pin->fenced) {
			uverbs = pin->uverbs;
			log->umem_id = pin->umem_id;
			log->pid = ll_pin_pid(pin);
			memcpy(log->comm, pin->comm, sizeof(log->comm));
			log->pages = pin->pages;
			log->dev = ll_pin_dev(pin);
			log->ino = ll_pin_ino(pin);
			break;
		}
	}
	if (uverbs) {
		hlist_for_each_entry(pin, &ll->pin_list, lease_node)
			if (pin->uverbs == uverbs)
				pin->fenced = true;
		/* a file in its last close is releasing its MRs anyway */
		if (!ll_get_file_unless_zero(uverbs))
			uverbs = ERR_PTR(-ENOENT);
	}
	spin_unlock(&ll_pin_lock);
	return uverbs;
}

/* Fence the uverbs files of the registrations under @ll; how many. */
static int ll_pins_fence(struct ll_lease *ll)
{
	struct ll_pin_log pin;
	struct file *uverbs;
	struct ll_who who;
	int n = 0, err;

	while ((uverbs = ll_pins_next_to_fence(ll, &pin))) {
		if (IS_ERR(uverbs))
			continue;
		err = ll_holders_signalable(uverbs, ll->cred, &who);
		if (err) {
			pr_warn_ratelimited("lease %llu: not fencing MR %llu of pid %d (%s): pid %d (%s) holds its verbs context, but the lease's owner may not signal it (%d)\n",
					    ll->id, pin.umem_id, pin.pid,
					    pin.comm, who.pid, who.comm, err);
			fput(uverbs);
			continue;
		}
		/* counted first: the fence's work may run at once */
		atomic64_inc(&ll_stats.fences);
		err = ll_uverbs_fence(uverbs);
		if (err) {
			atomic64_dec(&ll_stats.fences);
			pr_warn_ratelimited("lease %llu: cannot fence MR %llu of pid %d (%s): %d\n",
					    ll->id, pin.umem_id, pin.pid, pin.comm,
					    err);
			fput(uverbs);
			continue;
		}
		pr_warn_ratelimited("lease %llu: fencing MR %llu of pid %d (%s), which pins %lu pages of %u:%u:%lu: its MRs under the lease are destroyed, its verbs calls fail\n",
				    ll->id, pin.umem_id, pin.pid, pin.comm,
				    pin.pages, MAJOR(pin.dev), MINOR(pin.dev),
				    pin.ino);
		trace_layoutlease_fence(ll, pin.umem_id, pin.pid);
		n++;
	}
	return n;
}

/* Kill whoever holds the MRs that pin under @ll; how many processes. */
static int ll_pins_kill(struct ll_lease *ll)
{
	struct file *seen[8];
	struct ll_pin *pin;
	int i, n = 0, nseen = 0;

	spin_lock(&ll_pin_lock);
	hlist_for_each_entry(pin, &ll->pin_list, lease_node) {
		if (!pin->uverbs)
			continue;
		for (i = 0; i < nseen && seen[i] != pin->uverbs; i++)
			;
		if (i < nseen)
			continue;
		if (nseen < ARRAY_SIZE(seen))
			seen[nseen++] = pin->uverbs;
		n += ll_kill_holders(pin->uverbs, pin, ll->cred);
	}
	spin_unlock(&ll_pin_lock);
	return n;
}

/*
 * The MRs of a lease whose revocation fenced their file are destroyed
 * while it is being revoked, and also once its grace is over (refusing):
 * the fence waited for the commands running on the file, which may have
 * outlasted the grace.  Not once its owner released it meanwhile.
 */
static bool ll_fence_due(enum ll_state state)
{
	return state == LL_REVOKING || state == LL_REFUSING;
}

/**
 * ll_pins_fence_mrs() - the MRs a fence of a uverbs file destroys
 * @uverbs: a fenced uverbs file, on which no command runs
 * @uobjs: where to put them, each with a reference for the caller
 * @max: room in @uobjs
 *
 * The MRs made through @uverbs whose records pin under a lease whose
 * revocation fenced @uverbs (ll_fence_due()), and that were not handed
 * out before.  Under ll_pin_lock a
 * listed record's MR is alive: it is deregistered only by a command (none
 * runs on @uverbs), by the file's last close (the fence holds the file) or
 * by this fence.  Looks only at @uverbs's records.
 *
 * Return: how many were put in @uobjs.
 */
unsigned int ll_pins_fence_mrs(struct file *uverbs, struct ib_uobject **uobjs,
			       unsigned int max)
{
	struct ll_pin *pin, *other;
	unsigned int n = 0;

	spin_lock(&ll_pin_lock);
	hash_for_each_possible(ll_pin_files, pin, uverbs_node,
			       (unsigned long)uverbs) {
		if (n == max)
			break;
		if (pin->uverbs != uverbs || !pin->lease || !pin->uobj ||
		    !pin->fenced || pin->collected || pin->releasing ||
		    !ll_fence_due(READ_ONCE(pin->lease->state)))
			continue;
		/* the MR's records of its other files go with it */
		hash_for_each_possible(ll_pin_hash, other, hnode,
				       (unsigned long)pin->umem)
			if (other->umem == pin->umem)
				other->collected = true;
		kref_get(&pin->uobj->ref);
		uobjs[n++] = pin->uobj;
	}
	spin_unlock(&ll_pin_lock);
	return n;
}

/**
 * ll_pins_revoke() - revoke the registrations that pin under a lease
 * @ll: a lease whose break timed out
 * @how: LL_REVOKE_FENCE: fence each uverbs file they were made through
 *       (its MRs under the lease are destroyed, its commands fail);
 *       LL_REVOKE_KILL: kill the processes that hold those files.  Either
 *       only where the lease's owner may signal every process concerned.
 *
 * Return: how many files are being fenced, or processes were killed; 0
 * when none could be.
 */
int ll_pins_revoke(struct ll_lease *ll, enum ll_revoke how)
{
	return how == LL_REVOKE_FENCE ? ll_pins_fence(ll) : ll_pins_kill(ll);
}

/**
 * ll_pins_block_current() - would the caller wait for its own MR?
 * @inode: a DAX inode whose blocks the caller is about to free or move
 * @start: first byte of the range
 * @end: last byte of the range, inclusive
 *
 * Return: true when a pin record of @inode overlapping [@start, @end] was
 * made through a uverbs file in the caller's table: the filesystem would
 * wait for those pages for as long as the caller holds the MR.
 */
bool ll_pins_block_current(struct inode *inode, loff_t start, loff_t end)
{
	struct files_struct *seen;
	struct file *not_held = NULL;	/* the last file looked for */
	struct ll_pin *pin;
	bool held = false;

	spin_lock(&ll_pin_lock);
	hash_for_each_possible(ll_pin_inodes, pin, inode_node,
			       (unsigned long)inode) {
		if (ll_pin_inode(pin) != inode || !pin->uverbs ||
		    pin->uverbs == not_held ||
		    pin->end <= start || pin->start > end)
			continue;
		seen = NULL;
		if (ll_task_holds(current, pin->uverbs, &seen)) {
			held = true;
			break;
		}
		not_held = pin->uverbs;
	}
	spin_unlock(&ll_pin_lock);
	return held;
}

/**
 * ll_pins_in() - does any registration pin DAX pages of @inode in a range?
 * @inode: a DAX inode
 * @start: first byte of the range
 * @end: last byte of the range, inclusive
 *
 * Return: true when a pin record of @inode overlaps [@start, @end].
 */
bool ll_pins_in(struct inode *inode, loff_t start, loff_t end)
{
	struct ll_pin *pin;
	bool in = false;

	spin_lock(&ll_pin_lock);
	hash_for_each_possible(ll_pin_inodes, pin, inode_node,
			       (unsigned long)inode) {
		if (ll_pin_inode(pin) == inode && pin->busy &&
		    pin->end > start && pin->start <= end) {
			in = true;
			break;
		}
	}
	spin_unlock(&ll_pin_lock);
	return in;
}

static bool ll_pin_implicit_in(struct ll_pin *pin, struct inode *inode,
			       loff_t start, loff_t end)
{
	return ll_pin_inode(pin) == inode && pin->lease &&
	       READ_ONCE(pin->lease->implicit) &&
	       pin->end > start && pin->start <= end;
}

/**
 * ll_pins_implicit_deny() - refuse a layout change over implicit pins
 * @inode: the inode whose blocks the caller is about to free or move
 * @start: first byte of the range
 * @end: last byte of the range, inclusive
 *
 * For implicit=deny.  Call after the change began (ll_change_begin()), so
 * that no pin is recorded under an implicit lease of @inode from then on
 * without this seeing it.
 *
 * Return: -ETXTBSY, logged with the registration that holds the range,
 * when a pin under an implicit lease overlaps [@start, @end]; else 0.
 */
int ll_pins_implicit_deny(struct inode *inode, loff_t start, loff_t end)
{
	char comm[TASK_COMM_LEN];
	loff_t from = 0, to = 0;
	struct ll_pin *pin;
	u64 umem = 0;		/* ids start at 1 */
	pid_t pid = 0;

	spin_lock(&ll_pin_lock);
	hash_for_each_possible(ll_pin_inodes, pin, inode_node,
			       (unsigned long)inode) {
		if (ll_pin_implicit_in(pin, inode, start, end)) {
			umem = pin->umem_id;
			pid = ll_pin_pid(pin);
			memcpy(comm, pin->comm, sizeof(comm));
			from = pin->start;
			to = pin->end;
			break;
		}
	}
	spin_unlock(&ll_pin_lock);
	if (!umem)
		return 0;
	pr_info_ratelimited("pid %d (%s): layout change of %u:%u:%llu refused: bytes %lld-%lld pinned by MR %llu of pid %d (%s) under an implicit lease (implicit=deny)\n",
			    task_tgid_nr(current), current->comm,
			    MAJOR(inode->i_sb->s_dev), MINOR(inode->i_sb->s_dev),
			    (unsigned long long)inode->i_ino, from, to, umem,
			    pid, comm);
	return -ETXTBSY;
}

/**
 * ll_pins_break_implicit() - break the implicit leases a change concerns
 * @inode: the inode whose blocks the caller is about to free or move
 * @start: first byte of the range
 * @end: last byte of the range, inclusive
 *
 * For implicit=fence: each active implicit lease with a pin overlapping
 * [@start, @end] is broken (ll_lease_break_implicit()); the caller then
 * waits for it as for any broken lease.
 */
void ll_pins_break_implicit(struct inode *inode, loff_t start, loff_t end)
{
	struct ll_lease *ll;
	struct ll_pin *pin;

	do {
		ll = NULL;
		spin_lock(&ll_pin_lock);
		hash_for_each_possible(ll_pin_inodes, pin, inode_node,
				       (unsigned long)inode) {
			if (ll_pin_implicit_in(pin, inode, start, end) &&
			    READ_ONCE(pin->lease->state) == LL_ACTIVE) {
				ll = pin->lease;
				kref_get(&ll->ref);
				break;
			}
		}
		spin_unlock(&ll_pin_lock);
		if (ll) {
			/* not active afterwards, whatever it was meanwhile */
			ll_lease_break_implicit(ll);
			ll_lease_put(ll);
		}
	} while (ll);
}

/* Are any pages pinned?  Lockless, for the rdma_restrack_add() filter. */
static bool ll_pins_any(void)
{
	return atomic64_read(&ll_pinned_pages) > 0;
}

/*
 * /proc/fs/layoutlease/pins, in registration order.  Each reader has a
 * cursor on ll_pins (a record without a file), before the next record it
 * shows.  Each record is found and shown under ll_pin_lock, which is
 * dropped between two records: a read costs what it prints and holds up
 * nobody for longer than one line.
 */
static struct ll_pin *ll_pins_after(struct ll_pin *cursor)
{
	struct ll_pin *pin = cursor;

	lockdep_assert_held(&ll_pin_lock);
	list_for_each_entry_continue(pin, &ll_pins, node)
		if (pin->file)
			return pin;
	return NULL;
}

static void *ll_pins_start(struct seq_file *m, loff_t *pos)
	__acquires(&ll_pin_lock)
{
	struct ll_pin *cursor = m->private;

	spin_lock(&ll_pin_lock);
	if (!*pos || list_empty(&cursor->node))
		list_move(&cursor->node, &ll_pins);
	return ll_pins_after(cursor);
}

static void *ll_pins_next(struct seq_file *m, void *v, loff_t *pos)
	__must_hold(&ll_pin_lock)
{
	struct ll_pin *cursor = m->private, *pin = v;

	list_move(&cursor->node, &pin->node);
	++*pos;
	spin_unlock(&ll_pin_lock);
	cond_resched();
	spin_lock(&ll_pin_lock);
	return ll_pins_after(cursor);
}

static void ll_pins_stop(struct seq_file *m, void *v)
	__releases(&ll_pin_lock)
{
	spin_unlock(&ll_pin_lock);
}

/*
 * umem pid (comm) maj:min:ino start-end pages lease|- access, for the pins
 * of processes in the reader's pid namespace (as /proc/locks does)
 */
static int ll_pins_show(struct seq_file *m, void *v)
{
	struct pid_namespace *ns = proc_pid_ns(file_inode(m->file)->i_sb);
	struct ll_pin *pin = v;
	pid_t pid;

	pid = pid_nr_ns(pin->tgid, ns);
	if (!pid)
		return 0;
	seq_printf(m, "%llu %d (%s) %u:%u:%lu %lld-%lld %lu ",
		   pin->umem_id, pid, pin->comm, MAJOR(ll_pin_dev(pin)),
		   MINOR(ll_pin_dev(pin)), ll_pin_ino(pin), pin->start,
		   pin->end, pin->pages);
	if (pin->lease)
		seq_printf(m, "%llu", pin->lease->id);
	else
		seq_puts(m, "-");
	seq_printf(m, " 0x%x\n", pin->access);
	return 0;
}

static const struct seq_operations ll_pins_seq_ops = {
	.start = ll_pins_start,
	.next = ll_pins_next,
	.stop = ll_pins_stop,
	.show = ll_pins_show,
};

static int ll_pins_open(struct inode *inode, struct file *file)
{
	struct ll_pin *cursor;

	cursor = __seq_open_private(file, &ll_pins_seq_ops, sizeof(*cursor));
	if (!cursor)
		return -ENOMEM;
	INIT_LIST_HEAD(&cursor->node);
	return 0;
}

static int ll_pins_release(struct inode *inode, struct file *file)
{
	struct ll_pin *cursor = ((struct seq_file *)file->private_data)->private;

	spin_lock(&ll_pin_lock);
	list_del(&cursor->node);
	spin_unlock(&ll_pin_lock);
	return seq_release_private(inode, file);
}

static const struct proc_ops ll_pins_proc_ops = {
	.proc_open = ll_pins_open,
	.proc_read_iter = seq_read_iter,
	.proc_lseek = seq_lseek,
	.proc_release = ll_pins_release,
};

/**
 * ll_pins_stats() - the pin counters, for /proc/fs/layoutlease/stats
 * @m: the seq_file being shown
 */
void ll_pins_stats(struct seq_file *m)
{
	seq_printf(m, "pins %d\n", atomic_read(&ll_pin_count));
	seq_printf(m, "pinned_pages %lld\n", atomic64_read(&ll_pinned_pages));
}

/**
 * ll_pins_procfs_init() - create /proc/fs/layoutlease/pins
 * @dir: /proc/fs/layoutlease
 *
 * Return: 0 or -ENOMEM.
 */
int ll_pins_procfs_init(struct proc_dir_entry *dir)
{
	BUILD_BUG_ON(sizeof(struct ll_pin) > 192);
	return proc_create("pins", 0444, dir, &ll_pins_proc_ops) ?
	       0 : -ENOMEM;
}

/*
 * The RDMA core's umem entry points (ib_umem_get() of ib_uverbs, or
 * ib_umem_get_desc() of ib_core: ll_compat.h), exported, so they begin
 * with an ENDBR on CET-IBT kernels, and check_vma_flags(), which has none
 * and is filtered in its hook instead.
 */
static ll_umem_get_fn orig_umem_get;
static void (*orig_umem_release)(struct ib_umem *umem);

/* The implicit leases one registration pins under, at most this many files. */
#define LL_IMPLICIT_FILES	8

struct ll_implicit_set {
	unsigned int n;
	struct ll_lease *leases[LL_IMPLICIT_FILES];
};

/*
 * Does a registration over @vma get an implicit lease if it has none?
 * MAP_SHARED (VM_MAYSHARE: a read-only file's shared mapping has no
 * VM_SHARED, and pins the file's own pages all the same) of a regular file
 * that has a name to change it by (not SysV shm or a shared anonymous
 * mapping, whose shmem files are S_PRIVATE).
 */
static bool ll_vma_implicit(struct vm_area_struct *vma)
{
	struct inode *inode;

	if (!(vma->vm_flags & VM_MAYSHARE) || !vma->vm_file)
		return false;
	inode = file_inode(vma->vm_file);
	if (!S_ISREG(inode->i_mode) || IS_PRIVATE(inode))
		return false;
	return vma_is_fsdax(vma) || READ_ONCE(ll_scope) == LL_SCOPE_ALL;
}

static void ll_pins_implicit_end(struct ll_implicit_set *set)
{
	while (set->n) {
		set->n--;
		ll_lease_unpin(set->leases[set->n], 0);
		ll_lease_put(set->leases[set->n]);
	}
}

/*
 * A registration of [addr, addr + size) begins: each file the caller maps
 * shared there (ll_vma_implicit()) that carries no explicit lease gets an
 * implicit one, or pins the one it has, until ll_pins_implicit_end(), so
 * that the DAX gate lets its pages be pinned and ll_pins_record() finds
 * it.  A file the caller may not lease is left as without the module.
 */
static int ll_pins_implicit_begin(unsigned long addr, size_t size,
				  struct ll_implicit_set *set)
{
	struct file *files[LL_IMPLICIT_FILES];
	struct mm_struct *mm = current->mm;
	unsigned long end = addr + size;
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	struct inode *inode;
	unsigned int i, n = 0;
	struct ll_lease *ll;
	int ret = 0;

	set->n = 0;
	if (ll_implicit_mode() == LL_IMPLICIT_OFF || !mm || !size ||
	    end < addr)
		return 0;
	vma_iter_init(&vmi, mm, addr);
	mmap_read_lock(mm);
	/* as ll_pins_build(): no look past the VMA that reaches @end */
	for_each_vma_range(vmi, vma, end) {
		if (ll_vma_implicit(vma)) {
			for (i = 0; i < n && files[i] != vma->vm_file; i++)
				;
			if (i == n)
				files[n++] = get_file(vma->vm_file);
		}
		if (n == LL_IMPLICIT_FILES || vma->vm_end >= end)
			break;
	}
	mmap_read_unlock(mm);
	for (i = 0; i < n; i++) {
		ll = ret ? NULL : ll_lease_implicit(files[i]);
		if (IS_ERR(ll) && PTR_ERR(ll) == -EACCES) {
			inode = file_inode(files[i]);
			pr_info_ratelimited("pid %d (%s): no implicit lease on %u:%u:%llu for its registration: not the file's owner, no CAP_LEASE\n",
					    task_tgid_nr(current),
					    current->comm,
					    MAJOR(inode->i_sb->s_dev),
					    MINOR(inode->i_sb->s_dev),
					    (unsigned long long)inode->i_ino);
		} else if (IS_ERR(ll) && PTR_ERR(ll) != -ENODEV) {
			ret = PTR_ERR(ll);
		} else if (!IS_ERR_OR_NULL(ll)) {
			set->leases[set->n++] = ll;
		}
		fput(files[i]);
	}
	if (ret)
		ll_pins_implicit_end(set);
	return ret;
}

/*
 * The replacement of LL_UMEM_GET: its arguments after @device, whatever
 * they are on this kernel, go back to it unchanged (ll_umem_get_call()).
 * Only a registration of user virtual memory pins pages; a dma-buf one is
 * not recorded.
 */
static struct ib_umem *ll_umem_get(struct ib_device *device,
				   unsigned long a1, unsigned long a2,
				   unsigned long a3)
{
	struct ll_umem_req req = ll_umem_req(a1, a2, a3);
	struct ll_implicit_set set = { 0 };
	struct ll_cmd *c = NULL;
	struct ib_umem *umem;
	bool dax;
	int ret;

	ll_hook_enter();
	/* only registrations of user memory, through a uverbs command */
	if (req.va)
		c = ll_cmd_current();
	ret = c ? ll_pins_implicit_begin(req.addr, req.size, &set) : 0;
	if (ret) {
		ll_hook_leave();
		return ERR_PTR(ret);
	}
	if (c)
		ll_umem_get_begin(c);
	umem = ll_umem_get_call(orig_umem_get, device, a1, a2, a3);
	dax = c && c->dax_allowed;
	if (c)
		ll_umem_get_end(c);
	if (!IS_ERR(umem) && req.va) {
		ret = ll_pins_record(umem, req.access, dax,
				     c ? c->uverbs : NULL);
		if (ret) {
			orig_umem_release(umem);
			umem = ERR_PTR(ret);
		} else if (c) {
			c->umem = umem;		/* its MR comes next */
		}
	}
	ll_pins_implicit_end(&set);
	ll_hook_leave();
	return umem;
}

static void ll_umem_release(struct ib_umem *umem)
{
	HLIST_HEAD(released);

	ll_hook_enter();
	if (umem)
		ll_pins_release_begin(umem, &released);
	orig_umem_release(umem);
	ll_pins_release_end(&released);
	ll_hook_leave();
}

/*
 * rdma_restrack_add(&mr->res): the RDMA core adds a new MR to its resource
 * tracking once mr->uobject is set, in every registration command (write
 * and ioctl), before or as it sets uobject->object to the MR.  The
 * records of the umem this command made learn their MR's uobject, which a
 * fence destroys.
 *
 * A rereg whose driver makes a new hardware MR (mlx5's, for a new
 * translation or access it cannot change in place) adds that MR with the
 * uobject of the old one, which is then destroyed and freed, though the
 * driver may have moved the old umem, and its records, to the new MR: no
 * record may keep pointing to that uobject.  Those of this uverbs file are
 * unlinked, and the new MR's are not linked: a fence cannot destroy it,
 * and its pins refuse breakers at the deadline (revoke=kill still kills
 * their holders).
 */
static void ll_pins_link_mr(struct ib_mr *mr)
{
	struct ib_uobject *uobj = mr->uobject;
	struct ll_cmd *c = ll_cmd_current();
	struct ll_pin *pin;

	if (!c || !uobj)
		return;
	spin_lock(&ll_pin_lock);
	if (uobj->object && uobj->object != mr) {
		hash_for_each_possible(ll_pin_files, pin, uverbs_node,
				       (unsigned long)c->uverbs)
			if (pin->uobj == uobj)
				pin->uobj = NULL;
	} else if (c->umem) {
		hash_for_each_possible(ll_pin_hash, pin, hnode,
				       (unsigned long)c->umem)
			if (pin->umem == c->umem)
				pin->uobj = uobj;
	}
	spin_unlock(&ll_pin_lock);
	c->umem = NULL;
}

static void (*orig_restrack_add)(struct rdma_restrack_entry *res);

static void ll_restrack_add(struct rdma_restrack_entry *res)
{
	ll_hook_enter();
	orig_restrack_add(res);
	ll_pins_link_mr(container_of(res, struct ib_mr, res));
	ll_hook_leave();
}

/* Only MRs, and only while some pin exists. */
static bool ll_want_mr(unsigned long *args)
{
	struct rdma_restrack_entry *res = (void *)ll_hook_arg(args, 0);

	return res->type == RDMA_RESTRACK_MR && ll_pins_any();
}

static struct ll_hook ll_core_hooks[] = {
	LL_WRAP("rdma_restrack_add", ll_want_mr, ll_restrack_add,
		&orig_restrack_add),
};

struct ll_hook_table ll_core_hook_table = {
	.module = "ib_core",
	.hooks = ll_core_hooks,
	.count = ARRAY_SIZE(ll_core_hooks),
};

/*
 * check_vma_flags(vma, gup_flags): long-term pins of fsdax pages, for a
 * holder of a layout lease, by dropping FOLL_LONGTERM from the check.
 * This is the DAX gate on every kernel: a VMA it does not let through
 * fails the whole pin with -EOPNOTSUPP.
 */
static bool ll_filter_longterm_fsdax(unsigned long *args)
{
	struct vm_area_struct *vma = (void *)ll_hook_arg(args, 0);
	unsigned long gup_flags = ll_hook_arg(args, 1);

	if ((gup_flags & FOLL_LONGTERM) && vma_is_fsdax(vma) &&
	    ll_pins_dax_allowed(vma)) {
		ll_hook_set_arg(args, 1, gup_flags & ~FOLL_LONGTERM);
		ll_cmd_current()->dax_allowed = true;
	}
	return false;
}

/*
 * From 6.15, collect_longterm_unpinnable_folios(movable, pofs)
 * (LL_GUP_KEEP_FN) would collect fsdax folios as not pinnable long-term,
 * and the kernel would unpin the range and pin it again without end, as
 * they cannot move.  When the caller's ib_umem_get() went through the
 * gate, and the only folios to collect are fsdax ones, it reports none: 0,
 * and the pins are kept, as when everything is pinnable.  Those fsdax
 * folios are of VMAs the gate let through, as any other fsdax VMA in the
 * range failed check_vma_flags(), and GUP-fast never pins an fsdax folio
 * long-term.  Other folios to move: the kernel collects and moves them,
 * with the fsdax ones unpinned and pinned again, and the next round comes
 * here again.
 */
static bool ll_gup_keep_fsdax(const unsigned long *args, long *ret)
{
	struct ll_cmd *c = ll_cmd_current();

	if (!c || !c->umem_get || !c->dax_allowed ||
	    !ll_gup_unpinnable_only_fsdax((void *)args[1]))
		return false;
	*ret = 0;
	return true;
}

static struct ll_hook ll_gup_hooks[] = {
	LL_FILTER("check_vma_flags", ll_filter_longterm_fsdax),
	LL_PRE_ON(LL_GUP_KEEP_FN, LL_GUP_KEEP_FN, ll_gup_keep_fsdax),
};

struct ll_hook_table ll_gup_hook_table = {
	.module = NULL,
	.hooks = ll_gup_hooks,
	.count = ARRAY_SIZE(ll_gup_hooks),
};

static struct ll_hook ll_uverbs_hooks[] = {
	LL_WRAP_ALL(LL_UMEM_GET, ll_umem_get, &orig_umem_get),
	LL_WRAP_ALL("ib_umem_release", ll_umem_release, &orig_umem_release),
};

struct ll_hook_table ll_uverbs_hook_table = {
	.module = LL_UMEM_MODULE,
	.hooks = ll_uverbs_hooks,
	.count = ARRAY_SIZE(ll_uverbs_hooks),
};
