// SPDX-License-Identifier: GPL-2.0
/*
 * Redirection of kernel functions through ftrace, as livepatch does it:
 * an IPMODIFY ftrace_ops on the function's entry sends the call to the
 * module's replacement, which calls the original when it needs to.
 *
 *   fcntl_setlease, fcntl_getlease   F_LAYOUT / F_EXCLUSIVE in fcntl(2)
 *   __break_lease                    ETXTBSY for exclusive layout leases
 *   do_truncate, vfs_fallocate       break layout leases before any
 *                                    filesystem waits for busy DAX pages
 *
 * Recursion: a call from the module itself (the replacement calling the
 * original) is not redirected.  That test uses the caller's address, so
 * no replacement may end in a tail call to the original: each one calls
 * ll_leave() after it.
 *
 * Unload: after the ftrace_ops are gone and an RCU-tasks grace period has
 * passed, every task that was sent into a replacement is counted in
 * ll_inflight; ll_hooks_drain() waits for them to leave.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/rcupdate_wait.h>
#include <linux/wait_bit.h>
#include <uapi/linux/layout_lease.h>

#include "layoutlease.h"

static bool hook_fcntl = true;
module_param(hook_fcntl, bool, 0444);
MODULE_PARM_DESC(hook_fcntl,
		 "Take F_LAYOUT through fcntl(F_SETLEASE/F_GETLEASE) (default: on)");

struct ll_hook {
	const char *name;
	void *func;			/* the replacement */
	void **orig;			/* where the original is kept */
	bool (*wanted)(struct pt_regs *regs);
	bool fcntl;			/* part of the fcntl interface */
	unsigned long addr;		/* 0 when not hooked */
};

static atomic_t ll_inflight = ATOMIC_INIT(0);

static void ll_enter(void)
{
	atomic_inc(&ll_inflight);
}

static void ll_leave(void)
{
	if (atomic_dec_and_test(&ll_inflight))
		wake_up_var(&ll_inflight);
}

static int (*orig_fcntl_setlease)(unsigned int fd, struct file *filp,
				  long arg);
static int (*orig_fcntl_getlease)(struct file *filp);
static int (*orig_break_lease)(struct inode *inode, unsigned int mode,
			       unsigned int type);
/* idmap: the mount's idmap or user namespace, only passed through */
static int (*orig_do_truncate)(void *idmap, struct dentry *dentry,
			       loff_t length, unsigned int time_attrs,
			       struct file *filp);
static long (*orig_vfs_fallocate)(struct file *file, int mode, loff_t offset,
				  loff_t len);

/**
 * ll_orig_break_lease() - the kernel's own __break_lease()
 * @inode: as for __break_lease()
 * @mode: as for __break_lease()
 * @type: as for __break_lease()
 *
 * Return: what __break_lease() returns.
 */
int ll_orig_break_lease(struct inode *inode, unsigned int mode,
			unsigned int type)
{
	int ret = orig_break_lease(inode, mode, type);

	barrier();	/* a real call: the caller's address is checked */
	return ret;
}

static int ll_fcntl_setlease(unsigned int fd, struct file *filp, long arg)
{
	int ret;

	ll_enter();
	if (arg == F_UNLCK) {
		int layout = ll_lease_release(filp);

		ret = orig_fcntl_setlease(fd, filp, arg);
		if (!layout)
			ret = 0;
	} else {
		ret = ll_lease_set(filp, fd, arg);
	}
	ll_leave();
	return ret;
}

static int ll_fcntl_getlease(struct file *filp)
{
	int ret;

	ll_enter();
	ret = ll_lease_get(filp);
	if (ret < 0)
		ret = orig_fcntl_getlease(filp);
	ll_leave();
	return ret;
}

static int ll_break_lease(struct inode *inode, unsigned int mode,
			  unsigned int type)
{
	int ret;

	ll_enter();
	ret = ll_exclusive_conflict(inode);
	if (!ret)
		ret = orig_break_lease(inode, mode, type);
	ll_leave();
	return ret;
}

static int ll_do_truncate(void *idmap, struct dentry *dentry,
			  loff_t length, unsigned int time_attrs,
			  struct file *filp)
{
	/* only open(O_TRUNC | O_NONBLOCK) is a non-blocking breaker */
	bool nonblock = (time_attrs & ATTR_OPEN) && (filp->f_flags & O_NONBLOCK);
	int ret;

	ll_enter();
	ret = ll_break_layout(d_inode(dentry), nonblock);
	if (!ret)
		ret = orig_do_truncate(idmap, dentry, length, time_attrs, filp);
	ll_leave();
	return ret;
}

static long ll_vfs_fallocate(struct file *file, int mode, loff_t offset,
			     loff_t len)
{
	long ret = 0;

	ll_enter();
	/* requests vfs_fallocate() refuses at once break nothing */
	if ((file->f_mode & FMODE_WRITE) && offset >= 0 && len > 0)
		ret = ll_break_layout(file_inode(file), false);
	if (!ret)
		ret = orig_vfs_fallocate(file, mode, offset, len);
	ll_leave();
	return ret;
}

/*
 * Filters, run in the ftrace callback: redirect only the calls the module
 * has business with, so that everything else runs at full speed.
 */
static bool ll_want_setlease(struct pt_regs *regs)
{
	long arg = ll_ftrace_arg(regs, 2);

	return arg == F_UNLCK || (arg & ~(long)(F_RDLCK | F_WRLCK | F_UNLCK));
}

static bool ll_want_filp(struct pt_regs *regs)
{
	struct file *filp = (struct file *)ll_ftrace_arg(regs, 0);

	return ll_inode_has_leases(file_inode(filp));
}

static bool ll_want_break(struct pt_regs *regs)
{
	return ll_ftrace_arg(regs, 2) & FL_LAYOUT;
}

static bool ll_want_truncate(struct pt_regs *regs)
{
	struct dentry *dentry = (struct dentry *)ll_ftrace_arg(regs, 1);

	return ll_inode_has_leases(d_inode(dentry));
}

#define LL_HOOK(_name, _func, _orig, _wanted, _fcntl)			\
	{ .name = _name, .func = _func, .orig = (void **)(_orig),	\
	  .wanted = _wanted, .fcntl = _fcntl }

static struct ll_hook ll_hooks[] = {
	LL_HOOK("fcntl_setlease", ll_fcntl_setlease, &orig_fcntl_setlease,
		ll_want_setlease, true),
	LL_HOOK("fcntl_getlease", ll_fcntl_getlease, &orig_fcntl_getlease,
		ll_want_filp, true),
	LL_HOOK("__break_lease", ll_break_lease, &orig_break_lease,
		ll_want_break, false),
	LL_HOOK("do_truncate", ll_do_truncate, &orig_do_truncate,
		ll_want_truncate, false),
	LL_HOOK("vfs_fallocate", ll_vfs_fallocate, &orig_vfs_fallocate,
		ll_want_filp, false),
};

static void notrace ll_ftrace_thunk(unsigned long ip, unsigned long parent_ip,
				    struct ftrace_ops *ops,
				    struct ftrace_regs *fregs)
{
	struct pt_regs *regs = ll_ftrace_regs(fregs);
	int i;

	if (within_module(parent_ip, THIS_MODULE))
		return;
	for (i = 0; i < ARRAY_SIZE(ll_hooks); i++) {
		if (!ll_ftrace_ip_is(ip, ll_hooks[i].addr))
			continue;
		if (ll_hooks[i].wanted(regs))
			instruction_pointer_set(regs,
						(unsigned long)ll_hooks[i].func);
		return;
	}
}

/* One ftrace_ops for every hook: one RCU-tasks grace period to remove. */
static struct ftrace_ops ll_ftrace_ops = {
	.func = ll_ftrace_thunk,
	.flags = FTRACE_OPS_FL_SAVE_REGS | FTRACE_OPS_FL_IPMODIFY |
		 FTRACE_OPS_FL_RECURSION,
};

/**
 * ll_lookup_name() - the address of a kernel symbol
 * @name: the symbol
 *
 * kallsyms_lookup_name() is not exported; a kprobe resolves it once.
 *
 * Return: the address, or 0.
 */
unsigned long ll_lookup_name(const char *name)
{
	static unsigned long (*lookup)(const char *name);

	if (!lookup) {
		struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };

		if (register_kprobe(&kp))
			return 0;
		lookup = (void *)kp.addr;
		unregister_kprobe(&kp);
	}
	return lookup(name);
}

static int ll_hook_one(struct ll_hook *hook)
{
	unsigned long addr = ll_lookup_name(hook->name);
	int ret;

	if (!addr) {
		pr_err("cannot find %s\n", hook->name);
		return -ENOENT;
	}
	*hook->orig = (void *)addr;
	ret = ftrace_set_filter_ip(&ll_ftrace_ops, addr, 0, 0);
	if (ret)
		pr_err("cannot trace %s: %d\n", hook->name, ret);
	else
		hook->addr = addr;
	return ret;
}

static void ll_unhook_all(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(ll_hooks); i++) {
		if (!ll_hooks[i].addr)
			continue;
		ftrace_set_filter_ip(&ll_ftrace_ops, ll_hooks[i].addr, 1, 0);
		ll_hooks[i].addr = 0;
	}
}

/**
 * ll_hooks_install() - redirect the hooked kernel functions
 *
 * Return: 0, or the error of the first hook that failed (none is left).
 */
int ll_hooks_install(void)
{
	int i, ret = 0;

	for (i = 0; i < ARRAY_SIZE(ll_hooks) && !ret; i++)
		if (!ll_hooks[i].fcntl || hook_fcntl)
			ret = ll_hook_one(&ll_hooks[i]);
	if (!ret)
		ret = register_ftrace_function(&ll_ftrace_ops);
	if (ret) {
		pr_err("cannot hook: %d\n", ret);
		ll_unhook_all();
	}
	return ret;
}

/**
 * ll_hooks_remove() - stop redirecting; replacements may still be running
 */
void ll_hooks_remove(void)
{
	unregister_ftrace_function(&ll_ftrace_ops);
	ll_unhook_all();
	/* tasks sent to a replacement have now passed ll_enter() */
	synchronize_rcu_tasks();
}

/**
 * ll_hooks_drain() - wait until no task runs in a replacement
 */
void ll_hooks_drain(void)
{
	wait_var_event(&ll_inflight, !atomic_read(&ll_inflight));
	/* and is past the instructions after ll_leave() */
	synchronize_rcu_tasks();
}
