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
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/mm.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <rdma/ib_umem.h>
#include <rdma/ib_verbs.h>

#include "layoutlease.h"

static bool require_lease;
module_param(require_lease, bool, 0644);
MODULE_PARM_DESC(require_lease,
		 "Refuse long-term pins of file mappings without a layout lease (default: off)");

struct ll_pin {
	struct hlist_node hnode;	/* ll_pin_hash, by umem */
	struct list_head node;		/* ll_pins, in registration order */
	u64 umem_id;
	struct ib_umem *umem;
	struct file *file;		/* counted: the mapped file */
	struct ll_lease *lease;		/* counted, or NULL */
	struct file *lease_file;	/* counted: keeps the lease in place */
	pid_t pid;
	char comm[TASK_COMM_LEN];
	dev_t dev;
	unsigned long ino;
	loff_t start, end;		/* file bytes [start, end) */
	unsigned long pages;
	int access;
};

static DEFINE_HASHTABLE(ll_pin_hash, 8);
static LIST_HEAD(ll_pins);
static DEFINE_SPINLOCK(ll_pin_lock);	/* ll_pin_hash, ll_pins */
static atomic64_t ll_next_umem;
static atomic64_t ll_pinned_pages;

/* Free a record; @counted: it was in the listings and the counters. */
static void ll_pin_free(struct ll_pin *pin, bool counted)
{
	if (counted) {
		atomic64_sub(pin->pages, &ll_pinned_pages);
		if (pin->lease)
			ll_lease_unpin(pin->lease, pin->pages);
	}
	if (pin->lease) {
		fput(pin->lease_file);
		ll_lease_put(pin->lease);
	}
	fput(pin->file);
	kfree(pin);
}

/* The record of @umem for @file in @list, or a new one. */
static struct ll_pin *ll_pin_for(struct list_head *list, struct ib_umem *umem,
				 u64 id, struct file *file, int access)
{
	struct inode *inode = file_inode(file);
	struct ll_pin *pin;

	list_for_each_entry(pin, list, node)
		if (pin->file == file)
			return pin;
	pin = kzalloc(sizeof(*pin), GFP_KERNEL);
	if (!pin)
		return NULL;
	pin->umem_id = id;
	pin->umem = umem;
	pin->file = get_file(file);
	pin->lease = ll_lease_of_current(inode, &pin->lease_file);
	pin->pid = task_tgid_nr(current);
	get_task_comm(pin->comm, current);
	pin->dev = inode->i_sb->s_dev;
	pin->ino = inode->i_ino;
	pin->start = LLONG_MAX;
	pin->access = access;
	list_add_tail(&pin->node, list);
	return pin;
}

/* Add the file-backed part of @vma in [start, end) to the records. */
static int ll_pin_vma(struct list_head *list, struct ib_umem *umem, u64 id,
		      struct vm_area_struct *vma, unsigned long start,
		      unsigned long end, int access)
{
	unsigned long from = max(start, vma->vm_start) & PAGE_MASK;
	unsigned long to = min(end, vma->vm_end);
	struct ll_pin *pin;
	loff_t off;

	if (!vma->vm_file)
		return 0;
	pin = ll_pin_for(list, umem, id, vma->vm_file, access);
	if (!pin)
		return -ENOMEM;
	off = ((loff_t)vma->vm_pgoff << PAGE_SHIFT) + (from - vma->vm_start);
	pin->start = min(pin->start, off);
	pin->end = max(pin->end, off + (loff_t)PAGE_ALIGN(to - from));
	pin->pages += PAGE_ALIGN(to - from) >> PAGE_SHIFT;
	return 0;
}

static void ll_pins_free_list(struct list_head *list, bool counted)
{
	struct ll_pin *pin, *tmp;

	list_for_each_entry_safe(pin, tmp, list, node)
		ll_pin_free(pin, counted);
}

/* The records of @umem, built from the caller's mappings. */
static int ll_pins_build(struct ib_umem *umem, int access,
			 struct list_head *list)
{
	unsigned long start = umem->address, end = start + umem->length;
	struct mm_struct *mm = current->mm;
	u64 id = atomic64_inc_return(&ll_next_umem);
	struct vm_area_struct *vma;
	int ret = 0;

	mmap_read_lock(mm);
	for (vma = find_vma(mm, start); vma && vma->vm_start < end && !ret;
	     vma = find_vma(mm, vma->vm_end))
		ret = ll_pin_vma(list, umem, id, vma, start, end, access);
	mmap_read_unlock(mm);
	if (ret)
		ll_pins_free_list(list, false);
	return ret;
}

static bool ll_pins_unleased(struct list_head *list, struct ll_pin **which)
{
	struct ll_pin *pin;

	list_for_each_entry(pin, list, node) {
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
 *
 * Return: 0; -EPERM when require_lease is set and a file range is not
 * under a layout lease of the caller; -ENOMEM.  On an error nothing is
 * recorded and the caller must release @umem.
 */
int ll_pins_record(struct ib_umem *umem, int access)
{
	struct ll_pin *pin, *tmp;
	LIST_HEAD(list);
	int ret;

	ret = ll_pins_build(umem, access, &list);
	if (ret)
		return ret;
	if (READ_ONCE(require_lease) && ll_pins_unleased(&list, &pin)) {
		pr_warn_ratelimited("pid %d (%s): long-term pin of %u:%u:%lu without a layout lease refused (require_lease)\n",
				    pin->pid, pin->comm, MAJOR(pin->dev),
				    MINOR(pin->dev), pin->ino);
		ll_pins_free_list(&list, false);
		return -EPERM;
	}
	spin_lock(&ll_pin_lock);
	list_for_each_entry_safe(pin, tmp, &list, node) {
		list_move_tail(&pin->node, &ll_pins);
		hash_add(ll_pin_hash, &pin->hnode, (unsigned long)umem);
		atomic64_add(pin->pages, &ll_pinned_pages);
		if (pin->lease)
			ll_lease_pin(pin->lease, pin->pages);
	}
	spin_unlock(&ll_pin_lock);
	return 0;
}

/**
 * ll_pins_forget() - drop the records of a registration being released
 * @umem: what ib_umem_release() is given
 */
void ll_pins_forget(struct ib_umem *umem)
{
	struct hlist_node *tmp;
	struct ll_pin *pin;
	LIST_HEAD(list);

	spin_lock(&ll_pin_lock);
	hash_for_each_possible_safe(ll_pin_hash, pin, tmp, hnode,
				    (unsigned long)umem) {
		if (pin->umem != umem)
			continue;
		hash_del(&pin->hnode);
		list_move(&pin->node, &list);
	}
	spin_unlock(&ll_pin_lock);
	ll_pins_free_list(&list, true);
}

/**
 * ll_pins_shutdown() - drop every record, for module unload
 */
void ll_pins_shutdown(void)
{
	struct ll_pin *pin, *tmp;
	LIST_HEAD(list);

	spin_lock(&ll_pin_lock);
	list_for_each_entry_safe(pin, tmp, &ll_pins, node) {
		hash_del(&pin->hnode);
		list_move(&pin->node, &list);
	}
	spin_unlock(&ll_pin_lock);
	ll_pins_free_list(&list, true);
}

/* umem pid (comm) maj:min:ino start-end pages lease|- access */
static int ll_pins_show(struct seq_file *m, void *v)
{
	struct ll_pin *pin;

	spin_lock(&ll_pin_lock);
	list_for_each_entry(pin, &ll_pins, node) {
		seq_printf(m, "%llu %d (%s) %u:%u:%lu %lld-%lld %lu ",
			   pin->umem_id, pin->pid, pin->comm, MAJOR(pin->dev),
			   MINOR(pin->dev), pin->ino, pin->start, pin->end,
			   pin->pages);
		if (pin->lease)
			seq_printf(m, "%llu", pin->lease->id);
		else
			seq_puts(m, "-");
		seq_printf(m, " 0x%x\n", pin->access);
	}
	spin_unlock(&ll_pin_lock);
	return 0;
}

/**
 * ll_pins_stats() - the pin counters, for /proc/fs/layoutlease/stats
 * @m: the seq_file being shown
 */
void ll_pins_stats(struct seq_file *m)
{
	struct ll_pin *pin;
	unsigned int n = 0;

	spin_lock(&ll_pin_lock);
	list_for_each_entry(pin, &ll_pins, node)
		n++;
	spin_unlock(&ll_pin_lock);
	seq_printf(m, "pins %u\n", n);
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
	return proc_create_single("pins", 0444, dir, ll_pins_show) ?
	       0 : -ENOMEM;
}
