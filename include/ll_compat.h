/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference the module absorbs lives here, so that
 * the rest of the code reads like code for one kernel.  The baseline is
 * Debian's 6.1; see ../shared/KERNEL-NOTES.md for the changes after it.
 */
#ifndef _LL_COMPAT_H
#define _LL_COMPAT_H

#include <linux/version.h>
#include <linux/fs.h>
#include <linux/ftrace.h>
#include <linux/ptrace.h>

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#include <linux/filelock.h>
#endif

/* 6.3: struct user_namespace *mnt_userns became struct mnt_idmap *. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
typedef struct mnt_idmap ll_idmap_t;
#define ll_file_idmap(f)	file_mnt_idmap(f)
#define ll_owner_ok(f, inode)						\
	vfsuid_eq_kuid(i_uid_into_vfsuid(ll_file_idmap(f), inode),	\
		       current_fsuid())
#else
typedef struct user_namespace ll_idmap_t;
#define ll_owner_ok(f, inode)						\
	vfsuid_eq_kuid(i_uid_into_vfsuid(file_mnt_user_ns(f), inode),	\
		       current_fsuid())
#endif

/* 6.12: file->f_owner is allocated on first use. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
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

/* 6.13: f_count became a file_ref_t. */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
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
#ifdef CONFIG_X86_KERNEL_IBT
#define ll_ftrace_ip_is(ip, addr)	((ip) == (addr) || (ip) == (addr) + 4)
#else
#define ll_ftrace_ip_is(ip, addr)	((ip) == (addr))
#endif

#endif /* _LL_COMPAT_H */
