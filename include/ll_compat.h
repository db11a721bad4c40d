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
#include <linux/sched/task.h>
#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/ftrace.h>
#include <linux/mm.h>
#include <linux/ptrace.h>

#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
#include <linux/filelock.h>
#endif

/* 6.3: struct user_namespace *mnt_userns became struct mnt_idmap *. */
static inline bool ll_owner_ok(struct file *filp)
{
#if KERNEL_VERSION(6, 3, 0) <= LINUX_VERSION_CODE
	vfsuid_t vfsuid = i_uid_into_vfsuid(file_mnt_idmap(filp),
					    file_inode(filp));
#else
	vfsuid_t vfsuid = i_uid_into_vfsuid(file_mnt_user_ns(filp),
					    file_inode(filp));
#endif
	return vfsuid_eq_kuid(vfsuid, current_fsuid());
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

static inline void ll_fl_add_flags(struct file_lease *fl, unsigned int flags)
{
	fl->c.flc_flags |= flags;
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

static inline void ll_fl_add_flags(struct file_lock *fl, unsigned int flags)
{
	fl->fl_flags |= flags;
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

/* The ftrace callback sees the traced function's arguments in pt_regs. */
static inline struct pt_regs *ll_ftrace_regs(struct ftrace_regs *fregs)
{
	return ftrace_get_regs(fregs);
}

/*
 * 6.6: register_ftrace_direct_multi() became register_ftrace_direct(), and
 * unregistering may free the filter (the module frees it itself).
 */
#if KERNEL_VERSION(6, 6, 0) <= LINUX_VERSION_CODE
#define ll_ftrace_direct_register(ops, addr)	register_ftrace_direct(ops, addr)
#define ll_ftrace_direct_unregister(ops, addr)	\
	unregister_ftrace_direct(ops, addr, false)
#else
#define ll_ftrace_direct_register(ops, addr)	\
	register_ftrace_direct_multi(ops, addr)
#define ll_ftrace_direct_unregister(ops, addr)	\
	unregister_ftrace_direct_multi(ops, addr)
#endif

#endif /* _LL_COMPAT_H */
