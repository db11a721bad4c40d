/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the module absorbs lives here, so that
 * the rest of the code reads like code for one kernel.  The baseline is
 * Debian's 6.1; see ../shared/KERNEL-NOTES.md for the changes after it.
 */
#ifndef _LL_COMPAT_H
#define _LL_COMPAT_H

#include <linux/version.h>
#include <linux/cred.h>
#include <linux/sched/task.h>
#include <linux/fs.h>
#include <linux/ftrace.h>
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

/* The ftrace callback sees the traced function's arguments in pt_regs. */
static inline struct pt_regs *ll_ftrace_regs(struct ftrace_regs *fregs)
{
	return ftrace_get_regs(fregs);
}

#define ll_ftrace_arg(regs, n)	regs_get_kernel_argument(regs, n)

/* Is @ip, as an ftrace callback sees it, the entry of the function at @addr? */
static inline bool ll_ftrace_ip_is(unsigned long ip, unsigned long addr)
{
	/* with IBT, the fentry call follows a 4-byte ENDBR */
	return ip == addr || (IS_ENABLED(CONFIG_X86_KERNEL_IBT) && ip == addr + 4);
}

#endif /* _LL_COMPAT_H */
