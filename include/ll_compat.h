/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the module absorbs lives here, so that
 * the rest of the code reads like code for one kernel.  The baseline is
 * Debian's 6.1; each block below names the kernel version that changed.
 */
#ifndef _LL_COMPAT_H
#define _LL_COMPAT_H

#include <linux/version.h>
#include <linux/cred.h>
#include <linux/dax.h>
#include <linux/sched/task.h>
#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/ftrace.h>
#include <linux/hrtimer.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/memremap.h>
#include <linux/ptrace.h>
#include <asm/ibt.h>
#include <rdma/ib_umem.h>
#include <rdma/ib_verbs.h>
#include <rdma/uverbs_ioctl.h>

#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
#include <linux/filelock.h>
#endif

/*
 * 6.3: struct user_namespace *mnt_userns became struct mnt_idmap *: the
 * type do_truncate() takes ("struct ll_idmap") and an open file's.
 */
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
#define ll_idmap			mnt_idmap
#define ll_file_idmap(filp)		file_mnt_idmap(filp)
#else
#define ll_idmap			user_namespace
#define ll_file_idmap(filp)		file_mnt_user_ns(filp)
#endif

static inline bool ll_owner_ok(struct file *filp)
{
	vfsuid_t vfsuid = i_uid_into_vfsuid(ll_file_idmap(filp),
					    file_inode(filp));

	return vfsuid_eq_kuid(vfsuid, current_fsuid());
}

/* May the caller write @filp's inode (inode_permission(), idmapped)? */
static inline bool ll_may_write(struct file *filp)
{
	return !inode_permission(ll_file_idmap(filp), file_inode(filp),
				 MAY_WRITE);
}

/* 6.2: prepare_kernel_cred() takes the task to copy, no longer NULL. */
static inline struct cred *ll_kernel_cred(void)
{
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
	return prepare_kernel_cred(&init_task);
#else
	return prepare_kernel_cred(NULL);
#endif
}

/*
 * 6.9: a lease is a struct file_lease, no longer a struct file_lock.  The
 * fields the two share moved into the embedded struct file_lock_core c
 * (c.flc_owner for fl_owner, ...), and a lease's callbacks are a struct
 * lease_manager_operations.  The module names the lease type
 * "struct ll_file_lease" and reads the shared fields through the helpers
 * below.
 */
#if KERNEL_VERSION(6, 9, 0) <= LINUX_VERSION_CODE
#define ll_file_lease			file_lease
#define ll_lease_manager_operations	lease_manager_operations
#define ll_alloc_lease()		locks_alloc_lease()
#define ll_free_lease(fl)		locks_free_lease(fl)

/* Walk the leases of a file_lock_context, under its flc_lock. */
#define ll_for_each_lease(fl, ctx)	\
	list_for_each_entry(fl, &(ctx)->flc_lease, c.flc_list)

static inline fl_owner_t ll_fl_lease(struct file_lease *fl)
{
	return fl->c.flc_owner;
}

static inline struct file *ll_fl_file(struct file_lease *fl)
{
	return fl->c.flc_file;
}

static inline unsigned int ll_fl_flags(struct file_lease *fl)
{
	return fl->c.flc_flags;
}

/*
 * Under flc_lock, without the kernel's file_rwsem, which /proc/locks holds
 * for writing while it prints the flags: it may print them old or new.
 */
static inline void ll_fl_add_flags(struct file_lease *fl, unsigned int flags)
{
	WRITE_ONCE(fl->c.flc_flags, fl->c.flc_flags | flags);
}

/* The pid /proc/locks shows, for a lease taken over by another process. */
static inline void ll_fl_set_pid(struct file_lease *fl, pid_t pid)
{
	fl->c.flc_pid = pid;
}

static inline int ll_fl_type(struct file_lease *fl)
{
	return fl->c.flc_type;
}

/**
 * ll_lease_init() - fill in a lease not yet inserted, as lease_init() does
 * @fl: the lease, from ll_alloc_lease()
 * @filp: the leased file
 * @flags: FL_LAYOUT, ...
 * @type: F_RDLCK or F_WRLCK
 * @owner: the lease's owner, compared by generic_delete_lease()
 * @pid: the pid /proc/locks shows
 */
static inline void ll_lease_init(struct file_lease *fl, struct file *filp,
				 unsigned int flags, unsigned char type,
				 fl_owner_t owner, pid_t pid)
{
	fl->c.flc_flags = flags;
	fl->c.flc_type = type;
	fl->c.flc_owner = owner;
	fl->c.flc_pid = pid;
	fl->c.flc_file = filp;
}
#else
#define ll_file_lease			file_lock
#define ll_lease_manager_operations	lock_manager_operations
#define ll_alloc_lease()		locks_alloc_lock()
#define ll_free_lease(fl)		locks_free_lock(fl)

/* Walk the leases of a file_lock_context, under its flc_lock. */
#define ll_for_each_lease(fl, ctx)	\
	list_for_each_entry(fl, &(ctx)->flc_lease, fl_list)

static inline fl_owner_t ll_fl_lease(struct file_lock *fl)
{
	return fl->fl_owner;
}

static inline struct file *ll_fl_file(struct file_lock *fl)
{
	return fl->fl_file;
}

static inline unsigned int ll_fl_flags(struct file_lock *fl)
{
	return fl->fl_flags;
}

/* As above, for 6.1's struct file_lock */
static inline void ll_fl_add_flags(struct file_lock *fl, unsigned int flags)
{
	WRITE_ONCE(fl->fl_flags, fl->fl_flags | flags);
}

/* The pid /proc/locks shows, for a lease taken over by another process. */
static inline void ll_fl_set_pid(struct file_lock *fl, pid_t pid)
{
	fl->fl_pid = pid;
}

static inline int ll_fl_type(struct file_lock *fl)
{
	return fl->fl_type;
}

/**
 * ll_lease_init() - fill in a lease not yet inserted, as lease_init() does
 * @fl: the lease, from ll_alloc_lease()
 * @filp: the leased file
 * @flags: FL_LAYOUT, ...
 * @type: F_RDLCK or F_WRLCK
 * @owner: the lease's owner, compared by generic_delete_lease()
 * @pid: the pid /proc/locks shows
 */
static inline void ll_lease_init(struct file_lock *fl, struct file *filp,
				 unsigned int flags, unsigned char type,
				 fl_owner_t owner, pid_t pid)
{
	fl->fl_flags = flags;
	fl->fl_type = type;
	fl->fl_owner = owner;
	fl->fl_pid = pid;
	fl->fl_file = filp;
	fl->fl_start = 0;
	fl->fl_end = OFFSET_MAX;
}
#endif

/*
 * 6.10: XFS exchanges file ranges (XFS_IOC_EXCHANGE_RANGE,
 * XFS_IOC_COMMIT_RANGE) in xfs_exchange_range(), static in the xfs
 * module, out of line and traced on Debian's 6.12 and 7.2, and locks the
 * two files with xfs_ilock2_io_mmap().
 */
#define LL_XFS_EXCHANGE	(KERNEL_VERSION(6, 10, 0) <= LINUX_VERSION_CODE)

/*
 * generic_write_check_limits(), which the exchange's checks call (EFBIG
 * and SIGXFSZ past the file size limit), is exported from 6.10 for XFS;
 * before, there is no exchange to check.
 */
#if LL_XFS_EXCHANGE
static inline int ll_write_check_limits(struct file *file, loff_t pos,
					loff_t *count)
{
	return generic_write_check_limits(file, pos, count);
}
#else
static inline int ll_write_check_limits(struct file *file, loff_t pos,
					loff_t *count)
{
	return 0;
}
#endif

/*
 * Reflink: 6.8 merged do_clone_file_range() into vfs_clone_file_range(),
 * with the same arguments.  The module hooks the one that calls
 * ->remap_file_range(), which overlayfs calls directly on 6.1.
 */
#if KERNEL_VERSION(6, 8, 0) <= LINUX_VERSION_CODE
#define LL_CLONE_FN	"vfs_clone_file_range"
#else
#define LL_CLONE_FN	"do_clone_file_range"
#endif

/*
 * Freeing a lease: 6.1 calls the lease's fl_ops->fl_release_private, the
 * module's only notice that the kernel dropped the lease, whatever removed
 * it.  A 6.9 file_lease has no fl_ops and is freed without a callback; the
 * module then learns of the removal from lease_modify(), the one function
 * every removal of one of its leases goes through (LL_LEASE_FREE_CALLBACK
 * is false).  ll_lock_lease() is fl_owner of the struct file_lock the
 * callback receives.
 */
#if KERNEL_VERSION(6, 9, 0) <= LINUX_VERSION_CODE
#define LL_LEASE_FREE_CALLBACK		false

static inline void ll_lease_on_free(struct file_lease *fl,
				    const struct file_lock_operations *ops)
{
}

static inline fl_owner_t ll_lock_lease(struct file_lock *fl)
{
	return fl->c.flc_owner;
}
#else
#define LL_LEASE_FREE_CALLBACK		true

static inline void ll_lease_on_free(struct file_lock *fl,
				    const struct file_lock_operations *ops)
{
	fl->fl_ops = ops;
}

static inline fl_owner_t ll_lock_lease(struct file_lock *fl)
{
	return fl->fl_owner;
}
#endif

/*
 * Dropping an inode reference that is not the last one where sleeping is
 * not allowed: 7.2's iput() begins with might_sleep(), and iput_not_last()
 * is the way (it is not in 6.12; 6.19 is taken as its first release).
 * Before it, iput() of a reference that is not the last is an atomic
 * decrement.
 */
#if KERNEL_VERSION(6, 19, 0) <= LINUX_VERSION_CODE
#define ll_iput_not_last(inode)		iput_not_last(inode)
#else
#define ll_iput_not_last(inode)		iput(inode)
#endif

/* 6.7: an inode's times are read through accessors. */
#if KERNEL_VERSION(6, 7, 0) <= LINUX_VERSION_CODE
#define ll_inode_ctime(inode)	inode_get_ctime(inode)
#define ll_inode_mtime(inode)	inode_get_mtime(inode)
#else
#define ll_inode_ctime(inode)	((inode)->i_ctime)
#define ll_inode_mtime(inode)	((inode)->i_mtime)
#endif

/*
 * 6.6: fcntl_setlease() takes the lease type as an int, no longer a long.
 * Its replacement must read the argument with the same type: do_fcntl()
 * need not clear the upper half of the register for an int.
 */
#if KERNEL_VERSION(6, 6, 0) <= LINUX_VERSION_CODE
#define ll_setlease_arg		int
#else
#define ll_setlease_arg		long
#endif

/* 6.12: file->f_owner is allocated on first use. */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
static inline struct fown_struct *ll_fown(struct file *filp)
{
	return file_f_owner(filp);
}

static inline int ll_fown_prepare(struct file *filp)
{
	return file_f_owner_allocate(filp);
}
#else
static inline struct fown_struct *ll_fown(struct file *filp)
{
	return &filp->f_owner;
}

static inline int ll_fown_prepare(struct file *filp)
{
	return 0;
}
#endif

/* 6.12: struct fd is one word, read through fd_file(). */
#if KERNEL_VERSION(6, 12, 0) <= LINUX_VERSION_CODE
#define ll_fd_file(f)	fd_file(f)
#else
#define ll_fd_file(f)	((f).file)
#endif

/* 6.13: f_count became a file_ref_t. */
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
#define ll_get_file_unless_zero(f)	file_ref_get(&(f)->f_ref)
#else
#define ll_get_file_unless_zero(f)	atomic_long_inc_not_zero(&(f)->f_count)
#endif

/*
 * 6.12: FALLOC_FL_SUPPORTED_MASK left linux/falloc.h; vfs_fallocate()
 * refuses any mode outside FALLOC_FL_MODE_MASK and FALLOC_FL_KEEP_SIZE.
 */
#ifdef FALLOC_FL_SUPPORTED_MASK
#define LL_FALLOC_KNOWN		FALLOC_FL_SUPPORTED_MASK
#else
#define LL_FALLOC_KNOWN		(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE)
#endif

/*
 * 7.2: FALLOC_FL_WRITE_ZEROES, a mode of its own, writes zeroes over a
 * range, whose page cache the filesystem drops first (0 where the mode
 * does not exist).
 */
#ifdef FALLOC_FL_WRITE_ZEROES
#define LL_FALLOC_WRITE_ZEROES		FALLOC_FL_WRITE_ZEROES
#else
#define LL_FALLOC_WRITE_ZEROES		0
#endif

/* 6.13: hrtimer_setup() sets the callback too; hrtimer_init() went later */
#if KERNEL_VERSION(6, 13, 0) <= LINUX_VERSION_CODE
#define ll_hrtimer_setup(timer, fn, clock, mode)	\
	hrtimer_setup(timer, fn, clock, mode)
#else
static inline void
ll_hrtimer_setup(struct hrtimer *timer,
		 enum hrtimer_restart (*fn)(struct hrtimer *), clockid_t clock,
		 enum hrtimer_mode mode)
{
	hrtimer_init(timer, clock, mode);
	timer->function = fn;
}
#endif

/*
 * Every hook is an ftrace direct call (ftrace_tramp.S), and the module
 * calls kernel functions through thunks of its own, which carry no kCFI
 * type: Debian builds with gcc, which has no kCFI.
 */
#ifndef CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS
#error "layoutlease needs DYNAMIC_FTRACE_WITH_DIRECT_CALLS (x86-64 has it from 5.5)"
#endif
#if defined(CONFIG_CFI_CLANG) || defined(CONFIG_CFI)
#error "layoutlease's thunks (ftrace_tramp.S) carry no kCFI type"
#endif

/*
 * 6.2: call-depth tracking (a retbleed mitigation), for which a direct-call
 * trampoline counts the call that entered it (CALL_DEPTH_ACCOUNT, empty
 * when the kernel does not track).
 */
#if KERNEL_VERSION(6, 2, 0) <= LINUX_VERSION_CODE
#define LL_CALL_DEPTH_ACCOUNT	1
#else
#define LL_CALL_DEPTH_ACCOUNT	0
#endif

/*
 * 6.5: register_ftrace_direct_multi() became register_ftrace_direct(), and
 * unregistering may free the filter (the module empties it itself).
 */
#if KERNEL_VERSION(6, 5, 0) <= LINUX_VERSION_CODE
#define ll_ftrace_direct_register(ops, addr)	register_ftrace_direct(ops, addr)
#define ll_ftrace_direct_unregister(ops, addr)	\
	unregister_ftrace_direct(ops, addr, false)
#else
#define ll_ftrace_direct_register(ops, addr)	\
	register_ftrace_direct_multi(ops, addr)
#define ll_ftrace_direct_unregister(ops, addr)	\
	unregister_ftrace_direct_multi(ops, addr)
#endif

/*
 * Breaking leases: __break_lease(inode, mode, type) took an open mode
 * (O_NONBLOCK: do not wait) and a lease type (FL_LAYOUT: layout leases
 * only) until filelock.h gained LEASE_BREAK_* (7.x, with the directory
 * delegations): __break_lease(inode, flags), LEASE_BREAK_LAYOUT and
 * LEASE_BREAK_NONBLOCK.  The module's replacement of __break_lease()
 * keeps the old three parameters; on a kernel with the flags @type is not
 * an argument and is never read.
 */
#ifdef LEASE_BREAK_LAYOUT
typedef int (*ll_break_lease_fn)(struct inode *inode, unsigned int flags);

/* Does a __break_lease() call with these arguments break layout leases? */
static inline bool ll_break_is_layout(unsigned long mode, unsigned long type)
{
	return mode & LEASE_BREAK_LAYOUT;
}

static inline bool ll_break_is_nonblock(unsigned int mode)
{
	return mode & LEASE_BREAK_NONBLOCK;
}

static inline int ll_break_lease_call(ll_break_lease_fn orig,
				      struct inode *inode, unsigned int mode,
				      unsigned int type)
{
	return orig(inode, mode);
}

/*
 * __break_lease() of the layout leases of @inode, as break_layout() does,
 * through @fn: the module calls it past its hook (ll_hook.h, LL_CALL)
 */
static inline int ll_break_layout_leases(ll_break_lease_fn fn,
					 struct inode *inode, bool nonblock)
{
	return fn(inode, LEASE_BREAK_LAYOUT |
		  (nonblock ? LEASE_BREAK_NONBLOCK : 0));
}
#else
typedef int (*ll_break_lease_fn)(struct inode *inode, unsigned int mode,
				 unsigned int type);

static inline bool ll_break_is_layout(unsigned long mode, unsigned long type)
{
	return type & FL_LAYOUT;
}

static inline bool ll_break_is_nonblock(unsigned int mode)
{
	return mode & O_NONBLOCK;
}

static inline int ll_break_lease_call(ll_break_lease_fn orig,
				      struct inode *inode, unsigned int mode,
				      unsigned int type)
{
	return orig(inode, mode, type);
}

static inline int ll_break_layout_leases(ll_break_lease_fn fn,
					 struct inode *inode, bool nonblock)
{
	return fn(inode, O_WRONLY | (nonblock ? O_NONBLOCK : 0), FL_LAYOUT);
}
#endif

/*
 * Setting a lease: with LEASE_BREAK_* came lm_open_conflict, which
 * generic_add_lease() calls without a NULL check.  Before, the kernel's
 * own check_conflicting_open() found no conflict for an FL_LAYOUT lease;
 * the module's lm_open_conflict says the same, as nfsd's layouts do.
 * LL_LM_OPEN_CONFLICT is the initializer of that member, with its comma,
 * or nothing on older kernels.  No kernel the module builds for
 * has one change without the other (6.1 and 6.12: neither, 7.2: both).
 */
#ifdef LEASE_BREAK_LAYOUT
static inline int ll_lm_open_conflict(struct file *filp, int arg)
{
	return 0;
}

#define LL_LM_OPEN_CONFLICT	.lm_open_conflict = ll_lm_open_conflict,
#else
#define LL_LM_OPEN_CONFLICT
#endif

/*
 * fsdax pages.  Until 6.15 an fsdax page is idle at refcount 1: the
 * filesystem's DAX entry holds that reference, a mapping or a pin adds
 * one, and dax_layout_busy_page_range() looks only while the file is
 * mapped (mapping_mapped()), so a pin that outlives munmap() is invisible
 * to it.  From 6.15 ("fs/dax: properly refcount fs dax pages") an fsdax
 * folio is refcounted like any other: idle at 0, each mapping and each pin
 * holds a reference, dax_layout_busy_page_range() reports a folio whose
 * count exceeds its mapcount whether or not the file is mapped, and a
 * large (PMD) DAX folio is a compound folio, waited for through its head
 * page.
 *
 * LL_DAX_PINS_SEEN: the kernel's busy check sees every long-term pin.
 * ll_dax_page(): the page a filesystem waits on for a pinned @page, or
 * NULL when @page holds no file blocks (not fsdax: a MAP_PRIVATE copy,
 * the zero page).
 * ll_dax_page_file(): the file page an fsdax @page holds, in @mapping
 * (NULL: none) and @index: LL_DAX_FILE; or the page names no file.  Until
 * 6.15 a page faulted through an extent that reflinked files share is
 * tagged 0x1 (6.12: any such fault, its copy on write included; 6.1: a
 * copy on write), whether or not another file maps it: LL_DAX_TAGGED.
 * From 6.15 a folio is shared, its ->mapping NULL and ->share (over
 * ->index) counting files, once a second file maps it: LL_DAX_SHARED.
 * The fields change under the filesystem's DAX entry lock, which is not
 * taken: a page that changes hands while it is read may be told apart
 * from its file.
 *
 * No header macro marks the change (the devmap PTE bit, whose removal it
 * allowed, went in a later release): the test is the version.
 */
enum ll_dax_owner {
	LL_DAX_FILE,		/* the page names its file */
	LL_DAX_TAGGED,		/* names none, may be one file's */
	LL_DAX_SHARED,		/* files share it */
};

#if KERNEL_VERSION(6, 15, 0) <= LINUX_VERSION_CODE
#define LL_DAX_PINS_SEEN	true

static inline struct page *ll_dax_page(struct page *page)
{
	return is_fsdax_page(page) ? &page_folio(page)->page : NULL;
}

static inline enum ll_dax_owner
ll_dax_page_file(struct page *page, struct address_space **mapping,
		 pgoff_t *index)
{
	struct folio *folio = page_folio(page);

	*mapping = READ_ONCE(folio->mapping);
	/* NULL: shared (->share counts files), or in no file any more */
	if (!*mapping)
		return READ_ONCE(folio->share) ? LL_DAX_SHARED : LL_DAX_FILE;
	*index = READ_ONCE(folio->index) + folio_page_idx(folio, page);
	return LL_DAX_FILE;
}
#else
#define LL_DAX_PINS_SEEN	false

static inline struct page *ll_dax_page(struct page *page)
{
	return is_zone_device_page(page) &&
	       page->pgmap->type == MEMORY_DEVICE_FS_DAX ? page : NULL;
}

#ifdef PAGE_MAPPING_DAX_SHARED		/* 6.12 */
#define LL_DAX_MAPPING_SHARED	PAGE_MAPPING_DAX_SHARED
#else					/* 6.1 */
#define LL_DAX_MAPPING_SHARED	((void *)PAGE_MAPPING_DAX_COW)
#endif

static inline enum ll_dax_owner
ll_dax_page_file(struct page *page, struct address_space **mapping,
		 pgoff_t *index)
{
	*mapping = READ_ONCE(page->mapping);
	if (*mapping == LL_DAX_MAPPING_SHARED)
		return LL_DAX_TAGGED;
	*index = READ_ONCE(page->index);
	return LL_DAX_FILE;
}
#endif

/*
 * ll_dax_break_nowait() - what a filesystem does to the DAX mapping of
 * @inode's bytes [@start, @end] before it frees or moves their blocks,
 * without waiting: fails (-EBUSY) when a page is busy, and from 6.15
 * removes the DAX entries, which truncate_pagecache() then expects gone
 * (it warns about one left), once their dirty data is written back (the
 * entries carry the dirty tags: the filesystem's own writeback that
 * follows would find none).  Before 6.15 truncate_pagecache() removes
 * them itself.  The caller holds the inode's invalidate lock.
 *
 * Return: 0, -EBUSY, or the writeback's error.
 */
#if KERNEL_VERSION(6, 15, 0) <= LINUX_VERSION_CODE
static inline int ll_dax_break_nowait(struct inode *inode, loff_t start,
				      loff_t end)
{
	int ret = filemap_write_and_wait_range(inode->i_mapping, start, end);

	if (ret)
		return ret;
	return dax_break_layout(inode, start, end, NULL) ? -EBUSY : 0;
}
#else
static inline int ll_dax_break_nowait(struct inode *inode, loff_t start,
				      loff_t end)
{
	return dax_layout_busy_page_range(inode->i_mapping, start, end) ?
	       -EBUSY : 0;
}
#endif

/*
 * Long-term pins of fsdax pages.  check_vma_flags() refuses FOLL_LONGTERM
 * on an fsdax VMA (-EOPNOTSUPP), on every kernel: the module's filter lets
 * an allowed VMA through there.  Until 6.15 that is all.  From 6.15,
 * folio_is_longterm_pinnable() is false for an fsdax folio as well, so
 * __gup_longterm_locked() collects the pinned fsdax folios as unpinnable
 * (collect_longterm_unpinnable_folios()) and hands them to
 * migrate_longterm_unpinnable_folios(), which unpins the whole range and
 * returns -EAGAIN to have it pinned again: for fsdax folios, which cannot
 * move, without end.  LL_GUP_KEEP_FN is the collecting function, which the
 * module's PRE hook makes report nothing to collect when the folios it
 * would collect are fsdax folios of VMAs the gate allowed (NULL: no such
 * step).  Not the migrating one: gcc knows that it never returns 0, and
 * its caller returns its result as is.  The second argument is mm/gup.c's
 * private struct pages_or_folios, mirrored by struct ll_pages_or_folios.
 * Same version test as LL_DAX_PINS_SEEN: the same change.
 */
#if KERNEL_VERSION(6, 15, 0) <= LINUX_VERSION_CODE
#define LL_GUP_KEEP_FN		"collect_longterm_unpinnable_folios"

struct ll_pages_or_folios {
	union {
		struct page **pages;
		struct folio **folios;
		void **entries;
	};
	bool has_folios;
	long nr_entries;
};

/*
 * Are the folios of @pofs that the kernel would refuse to pin long-term
 * fsdax folios, and some are?  The kernel's own test,
 * folio_is_longterm_pinnable(), reads the pageblock's migrate type through
 * a function it does not export: the other folios it would move are
 * recognised here by their zone (ZONE_MOVABLE) and by device-coherent
 * memory, not a folio of a CMA pageblock in a normal zone
 * (Documentation/layout-leases.rst, "Known limits").
 */
static inline bool ll_gup_unpinnable_only_fsdax(void *pofs)
{
	struct ll_pages_or_folios *p = pofs;
	struct folio *folio;
	bool fsdax = false;
	long i;

	for (i = 0; i < p->nr_entries; i++) {
		folio = p->has_folios ? p->folios[i] : page_folio(p->pages[i]);
		if (folio_is_fsdax(folio))
			fsdax = true;
		else if (folio_is_device_coherent(folio) ||
			 folio_is_zone_movable(folio))
			return false;
	}
	return fsdax;
}
#else
#define LL_GUP_KEEP_FN		NULL

static inline bool ll_gup_unpinnable_only_fsdax(void *pofs)
{
	return false;
}
#endif

/*
 * ll_user_page_now(): the page @addr maps now, with a reference, or no
 * page (-EFAULT) if none is mapped: nothing is faulted in, and FOLL_FORCE
 * reads a mapping without PROT_READ.  The caller holds mmap_lock, which
 * get_user_pages() keeps (GUP-fast would take it again where it fails).
 * 6.1's get_user_pages() has a vmas argument (gone in 6.5).
 */
#if KERNEL_VERSION(6, 5, 0) <= LINUX_VERSION_CODE
#define ll_user_page_now(addr, pagep) \
	get_user_pages(addr, 1, FOLL_NOFAULT | FOLL_FORCE, pagep)
#else
#define ll_user_page_now(addr, pagep) \
	get_user_pages(addr, 1, FOLL_NOFAULT | FOLL_FORCE, pagep, NULL)
#endif

/*
 * The page after @page in a scatterlist entry, as sg_page_iter_page()
 * steps: nth_page() until it went, once the struct pages of an entry were
 * guaranteed contiguous.
 */
#ifdef nth_page
#define ll_sg_next_page(page)	nth_page(page, 1)
#else
#define ll_sg_next_page(page)	((page) + 1)
#endif

/*
 * RDMA user memory: ib_umem_get(device, addr, size, access) of ib_uverbs,
 * until the buffer descriptors (7.x; uverbs_ioctl.h defines
 * IB_UVERBS_BUFFER_DESC_FLAGS_KNOWN_MASK): umem.o moved to ib_core, and
 * every registration goes through the exported ib_umem_get_desc(device,
 * desc, access), which pins user memory for a desc of type
 * IB_UVERBS_BUFFER_TYPE_VA and imports a dma-buf for the others.
 * struct ll_umem_req is what the module needs of the request.
 * In the same kernels, the uverbs object code (rdma_core.o: uobj_destroy(),
 * uverbs_uobject_put()) left ib_uverbs for ib_uverbs_support:
 * LL_UOBJ_MODULE.
 */
struct ll_umem_req {
	bool va;		/* pins user virtual memory */
	int access;		/* IB_ACCESS_* */
	unsigned long addr;	/* the user memory, when @va */
	size_t size;
};

#ifdef IB_UVERBS_BUFFER_DESC_FLAGS_KNOWN_MASK
#define LL_UMEM_MODULE		"ib_core"
#define LL_UMEM_GET		"ib_umem_get_desc"
#define LL_UOBJ_MODULE		"ib_uverbs_support"

typedef struct ib_umem *(*ll_umem_get_fn)(struct ib_device *device,
					  const struct ib_uverbs_buffer_desc *desc,
					  int access);

/* The arguments of ib_umem_get_desc(), in the order of its registers */
static inline struct ll_umem_req ll_umem_req(unsigned long a1,
					     unsigned long a2,
					     unsigned long a3)
{
	const struct ib_uverbs_buffer_desc *desc = (void *)a1;

	return (struct ll_umem_req){
		.va = desc->type == IB_UVERBS_BUFFER_TYPE_VA,
		.access = (int)a2,
		.addr = desc->addr,
		.size = desc->length,
	};
}

static inline struct ib_umem *ll_umem_get_call(ll_umem_get_fn orig,
					       struct ib_device *device,
					       unsigned long a1,
					       unsigned long a2,
					       unsigned long a3)
{
	return orig(device, (void *)a1, (int)a2);
}
#else
#define LL_UMEM_MODULE		"ib_uverbs"
#define LL_UMEM_GET		"ib_umem_get"
#define LL_UOBJ_MODULE		"ib_uverbs"

typedef struct ib_umem *(*ll_umem_get_fn)(struct ib_device *device,
					  unsigned long addr, size_t size,
					  int access);

static inline struct ll_umem_req ll_umem_req(unsigned long a1,
					     unsigned long a2,
					     unsigned long a3)
{
	return (struct ll_umem_req){
		.va = true, .access = (int)a3, .addr = a1, .size = a2,
	};
}

static inline struct ib_umem *ll_umem_get_call(ll_umem_get_fn orig,
					       struct ib_device *device,
					       unsigned long a1,
					       unsigned long a2,
					       unsigned long a3)
{
	return orig(device, a1, a2, (int)a3);
}
#endif

/*
 * Is @insn, a function's first four bytes, an ENDBR, sealed (the kernel's
 * poison) or not?  is_endbr() answered that until its argument became the
 * address to read (7.x), and that one is not exported; the test is made
 * here from gen_endbr() and gen_endbr_poison(), as both do.
 */
static inline bool ll_is_endbr(u32 insn)
{
#if HAS_KERNEL_IBT
	return insn == gen_endbr_poison() ||
	       (insn & ~0x01000000U) == gen_endbr();	/* ENDBR32 too */
#else
	return false;
#endif
}

#endif /* _LL_COMPAT_H */
