// SPDX-License-Identifier: GPL-2.0
/*
 * Redirection of kernel functions through ftrace, as livepatch does it:
 * an IPMODIFY ftrace_ops on the function's entry sends the call to the
 * module's replacement, which calls the original when it needs to.
 *
 *   fcntl_setlease, fcntl_getlease   F_LAYOUT / F_EXCLUSIVE in fcntl(2)
 *   __break_lease                    ETXTBSY for exclusive layout leases
 *   do_truncate, vfs_fallocate,      break layout leases before any
 *   do_clone_file_range,             filesystem waits for busy DAX pages,
 *   vfs_dedupe_file_range_one        and refuse new ones until the change
 *                                    is done
 *   check_vma_flags                  long-term pins of fsdax files under a
 *                                    layout lease
 *   dax_layout_busy_page_range       pinned DAX pages stay busy after munmap
 *   lease_modify                     only where the kernel frees a lease
 *                                    without a callback (6.9+): tells
 *                                    the module a lease of its was removed
 *   ib_umem_get, ib_umem_release     pin records (module ib_uverbs: hooked
 *   ib_uverbs_write, ib_uverbs_ioctl when it comes, unhooked when it goes);
 *                                    which uverbs file a command runs on
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
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate_wait.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/wait_bit.h>
#include <rdma/ib_umem.h>
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
	const char *module;		/* in this module, or in vmlinux */
	bool off;			/* not needed on this kernel */
	unsigned long addr;		/* 0 when not hooked */
};

static DEFINE_MUTEX(ll_hook_mutex);	/* ll_hooks[].addr */

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
				  ll_setlease_arg arg);
static int (*orig_fcntl_getlease)(struct file *filp);
static int (*orig_break_lease)(struct inode *inode, unsigned int mode,
			       unsigned int type);
/* idmap: the mount's idmap or user namespace, only passed through */
static int (*orig_do_truncate)(void *idmap, struct dentry *dentry,
			       loff_t length, unsigned int time_attrs,
			       struct file *filp);
static int (*orig_lease_modify)(struct ll_file_lease *fl, int arg,
				struct list_head *dispose);
static int (*orig_vfs_fallocate)(struct file *file, int mode, loff_t offset,
				 loff_t len);
/* reflink and dedupe: (src, src_pos, dst, dst_pos, len, remap_flags) */
typedef loff_t (*ll_remap_fn)(struct file *src, loff_t src_pos,
			      struct file *dst, loff_t dst_pos, loff_t len,
			      unsigned int flags);
static ll_remap_fn orig_clone_file_range, orig_dedupe_file_range_one;
static struct ib_umem *(*orig_umem_get)(struct ib_device *device,
					unsigned long addr, size_t size,
					int access);
static void (*orig_umem_release)(struct ib_umem *umem);
static ssize_t (*orig_uverbs_write)(struct file *filp, const char __user *buf,
				    size_t count, loff_t *pos);
static long (*orig_uverbs_ioctl)(struct file *filp, unsigned int cmd,
				 unsigned long arg);
static int (*orig_check_vma_flags)(struct vm_area_struct *vma,
				   unsigned long gup_flags);
static struct page *(*orig_dax_busy_page)(struct address_space *mapping,
					  loff_t start, loff_t end);

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

static int ll_fcntl_setlease(unsigned int fd, struct file *filp,
			     ll_setlease_arg arg)
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

/*
 * A layout break from inside a filesystem (XFS's write, say) is the only
 * sign of a layout change the module has no other hook for.  The change is
 * taken to last until the breaker returns to user space: without that, a
 * holder that leases again as soon as it has released would be broken
 * again by the same write, which might never get through.
 */
struct ll_break_change {
	struct ll_change change;
	struct callback_head work;
};

static void ll_break_change_done(struct callback_head *work)
{
	struct ll_break_change *bc;

	bc = container_of(work, struct ll_break_change, work);
	ll_change_end(&bc->change);
	kfree(bc);
	ll_leave();
}

static void ll_break_change_begin(struct inode *inode)
{
	struct ll_break_change *bc;

	/*
	 * Kernel threads never return to user space; a file with only
	 * classic leases (Samba's, on every XFS write) needs no change.
	 */
	if ((current->flags & PF_KTHREAD) || !ll_inode_has_ours(inode) ||
	    ll_change_of_current(inode))
		return;
	bc = kmalloc(sizeof(*bc), GFP_KERNEL);
	if (!bc)
		return;
	init_task_work(&bc->work, ll_break_change_done);
	ll_enter();
	ll_change_begin(&bc->change, inode);
	if (task_work_add(current, &bc->work, TWA_RESUME))
		ll_break_change_done(&bc->work);
}

static int ll_break_lease(struct inode *inode, unsigned int mode,
			  unsigned int type)
{
	int ret;

	ll_enter();
	ll_break_change_begin(inode);
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
	struct ll_change change;
	int ret;

	ll_enter();
	/* from the break on: __break_lease() never breaks a later lease */
	ll_change_begin(&change, d_inode(dentry));
	ret = ll_break_layout(d_inode(dentry), nonblock);
	if (!ret)
		ret = orig_do_truncate(idmap, dentry, length, time_attrs, filp);
	ll_change_end(&change);
	ll_leave();
	return ret;
}

static int ll_vfs_fallocate(struct file *file, int mode, loff_t offset,
			    loff_t len)
{
	struct ll_change change;
	int ret = 0;

	ll_enter();
	ll_change_begin(&change, file_inode(file));
	/* requests vfs_fallocate() refuses at once break nothing */
	if ((file->f_mode & FMODE_WRITE) && offset >= 0 && len > 0)
		ret = ll_break_layout(file_inode(file), false);
	if (!ret)
		ret = orig_vfs_fallocate(file, mode, offset, len);
	ll_change_end(&change);
	ll_leave();
	return ret;
}

/*
 * Would the kernel go as far as the filesystem with this remap?  Only then
 * does the module break leases: a reader must not break a holder's lease
 * with a clone or dedupe into the holder's file that is refused anyway.
 */
static bool ll_remap_permitted(struct file *src, struct file *dst,
			       loff_t len, bool dedupe)
{
	if (!S_ISREG(file_inode(src)->i_mode) ||
	    !S_ISREG(file_inode(dst)->i_mode))
		return false;
	if (dedupe)
		return len && ((dst->f_mode & FMODE_WRITE) ||
			       capable(CAP_SYS_ADMIN));
	return (src->f_mode & FMODE_READ) && (dst->f_mode & FMODE_WRITE) &&
	       !(dst->f_flags & O_APPEND);
}

/*
 * A reflink or dedupe changes the layout of both files: XFS breaks the
 * layout leases of both, and so does the module, before the filesystem's
 * busy-page wait.
 */
static loff_t ll_remap(ll_remap_fn orig, bool dedupe, struct file *src,
		       loff_t src_pos, struct file *dst, loff_t dst_pos,
		       loff_t len, unsigned int flags)
{
	struct inode *inodes[2] = { file_inode(dst), file_inode(src) };
	int i, n = inodes[0] == inodes[1] ? 1 : 2;
	struct ll_change changes[2];
	loff_t ret = 0;

	ll_enter();
	if (!ll_remap_permitted(src, dst, len, dedupe))
		n = 0;
	for (i = 0; i < n; i++)
		ll_change_begin(&changes[i], inodes[i]);
	for (i = 0; i < n && !ret; i++)
		ret = ll_break_layout(inodes[i], false);
	if (!ret)
		ret = orig(src, src_pos, dst, dst_pos, len, flags);
	while (n--)
		ll_change_end(&changes[n]);
	ll_leave();
	return ret;
}

static loff_t ll_clone_file_range(struct file *src, loff_t src_pos,
				  struct file *dst, loff_t dst_pos,
				  loff_t len, unsigned int flags)
{
	return ll_remap(orig_clone_file_range, false, src, src_pos, dst,
			dst_pos, len, flags);
}

static loff_t ll_dedupe_file_range_one(struct file *src, loff_t src_pos,
				       struct file *dst, loff_t dst_pos,
				       loff_t len, unsigned int flags)
{
	return ll_remap(orig_dedupe_file_range_one, true, src, src_pos, dst,
			dst_pos, len, flags);
}

static struct ib_umem *ll_umem_get(struct ib_device *device,
				   unsigned long addr, size_t size, int access)
{
	struct ib_umem *umem;
	void *cmd;
	int ret;

	ll_enter();
	cmd = ll_umem_get_begin();
	umem = orig_umem_get(device, addr, size, access);
	ll_umem_get_end(cmd);
	if (!IS_ERR(umem)) {
		ret = ll_pins_record(umem, access);
		if (ret) {
			orig_umem_release(umem);
			umem = ERR_PTR(ret);
		}
	}
	ll_leave();
	return umem;
}

static void ll_umem_release(struct ib_umem *umem)
{
	HLIST_HEAD(released);

	ll_enter();
	if (umem)
		ll_pins_release_begin(umem, &released);
	orig_umem_release(umem);
	ll_pins_release_end(&released);
	ll_leave();
}

static ssize_t ll_uverbs_write(struct file *filp, const char __user *buf,
			       size_t count, loff_t *pos)
{
	struct ll_cmd_slot cmd;
	ssize_t ret;

	ll_enter();
	ll_cmd_enter(&cmd, filp);
	ret = orig_uverbs_write(filp, buf, count, pos);
	ll_cmd_leave(&cmd);
	ll_leave();
	return ret;
}

static long ll_uverbs_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	struct ll_cmd_slot slot;
	long ret;

	ll_enter();
	ll_cmd_enter(&slot, filp);
	ret = orig_uverbs_ioctl(filp, cmd, arg);
	ll_cmd_leave(&slot);
	ll_leave();
	return ret;
}

/* Long-term pins of fsdax pages, for a holder of a layout lease. */
static int ll_check_vma_flags(struct vm_area_struct *vma,
			      unsigned long gup_flags)
{
	int ret;

	ll_enter();
	if (ll_pins_dax_allowed(vma))
		gup_flags &= ~FOLL_LONGTERM;
	ret = orig_check_vma_flags(vma, gup_flags);
	ll_leave();
	return ret;
}

static struct page *ll_dax_busy_page(struct address_space *mapping,
				     loff_t start, loff_t end)
{
	struct page *page;

	ll_enter();
	page = orig_dax_busy_page(mapping, start, end);
	if (!page)
		page = ll_pins_busy_page(mapping->host, start, end);
	/*
	 * The filesystem will wait for this pin before it breaks leases: a
	 * lease taken since this layout change began (the holder leasing and
	 * registering again) must be told now, or nobody moves.
	 */
	if (page && ll_inode_has_leases(mapping->host) &&
	    !ll_exclusive_conflict(mapping->host))
		ll_orig_break_lease(mapping->host, O_WRONLY | O_NONBLOCK,
				    FL_LAYOUT);
	ll_leave();
	return page;
}

/* Under the caller's flc_lock, like the lease_modify() it wraps. */
static int ll_lease_modify(struct ll_file_lease *fl, int arg,
			   struct list_head *dispose)
{
	int ret;

	ll_enter();
	ret = orig_lease_modify(fl, arg, dispose);
	if (!ret && arg == F_UNLCK)
		ll_lease_unlinked(fl);
	ll_leave();
	return ret;
}

/*
 * Filters, run in the ftrace callback: redirect only the calls the module
 * has business with, so that everything else runs at full speed.
 */
static bool ll_want_setlease(struct pt_regs *regs)
{
	ll_setlease_arg arg = (ll_setlease_arg)ll_ftrace_arg(regs, 2);

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

static bool ll_want_all(struct pt_regs *regs)
{
	return true;
}

static bool ll_want_truncate(struct pt_regs *regs)
{
	struct dentry *dentry = (struct dentry *)ll_ftrace_arg(regs, 1);

	return ll_inode_needs_break(d_inode(dentry));
}

static bool ll_want_fallocate(struct pt_regs *regs)
{
	struct file *filp = (struct file *)ll_ftrace_arg(regs, 0);

	return ll_inode_needs_break(file_inode(filp));
}

/* remaps the filesystem may do (same sb, ->remap_file_range) of leased files */
static bool ll_want_remap(struct pt_regs *regs)
{
	struct file *src = (struct file *)ll_ftrace_arg(regs, 0);
	struct file *dst = (struct file *)ll_ftrace_arg(regs, 2);

	return dst->f_op->remap_file_range &&
	       file_inode(src)->i_sb == file_inode(dst)->i_sb &&
	       (ll_inode_needs_break(file_inode(dst)) ||
		ll_inode_needs_break(file_inode(src)));
}

static bool ll_want_longterm_fsdax(struct pt_regs *regs)
{
	struct vm_area_struct *vma = (void *)ll_ftrace_arg(regs, 0);

	return (ll_ftrace_arg(regs, 1) & FOLL_LONGTERM) && vma_is_fsdax(vma);
}

static bool ll_want_dax_busy(struct pt_regs *regs)
{
	return ll_pins_any();
}

/* lease_modify(fl, F_UNLCK, ...) removing one of the module's leases */
static bool ll_want_lease_modify(struct pt_regs *regs)
{
	void *fl = (void *)ll_ftrace_arg(regs, 0);

	return (int)ll_ftrace_arg(regs, 1) == F_UNLCK && ll_is_ours(fl);
}

#define LL_HOOK(_name, _func, _orig, _wanted, _fcntl, _module)		\
	{ .name = _name, .func = _func, .orig = (void **)(_orig),	\
	  .wanted = _wanted, .fcntl = _fcntl, .module = _module }

static struct ll_hook ll_hooks[] = {
	LL_HOOK("fcntl_setlease", ll_fcntl_setlease, &orig_fcntl_setlease,
		ll_want_setlease, true, NULL),
	LL_HOOK("fcntl_getlease", ll_fcntl_getlease, &orig_fcntl_getlease,
		ll_want_filp, true, NULL),
	LL_HOOK("__break_lease", ll_break_lease, &orig_break_lease,
		ll_want_break, false, NULL),
	LL_HOOK("do_truncate", ll_do_truncate, &orig_do_truncate,
		ll_want_truncate, false, NULL),
	LL_HOOK("vfs_fallocate", ll_vfs_fallocate, &orig_vfs_fallocate,
		ll_want_fallocate, false, NULL),
	LL_HOOK(LL_CLONE_FN, ll_clone_file_range, &orig_clone_file_range,
		ll_want_remap, false, NULL),
	LL_HOOK("vfs_dedupe_file_range_one", ll_dedupe_file_range_one,
		&orig_dedupe_file_range_one, ll_want_remap, false, NULL),
	LL_HOOK("check_vma_flags", ll_check_vma_flags, &orig_check_vma_flags,
		ll_want_longterm_fsdax, false, NULL),
	LL_HOOK("dax_layout_busy_page_range", ll_dax_busy_page,
		&orig_dax_busy_page, ll_want_dax_busy, false, NULL),
	{ .name = "lease_modify", .func = ll_lease_modify,
	  .orig = (void **)&orig_lease_modify,
	  .wanted = ll_want_lease_modify, .off = LL_LEASE_FREE_CALLBACK },
	LL_HOOK("ib_umem_get", ll_umem_get, &orig_umem_get,
		ll_want_all, false, "ib_uverbs"),
	LL_HOOK("ib_umem_release", ll_umem_release, &orig_umem_release,
		ll_want_all, false, "ib_uverbs"),
	LL_HOOK("ib_uverbs_write", ll_uverbs_write, &orig_uverbs_write,
		ll_want_all, false, "ib_uverbs"),
	LL_HOOK("ib_uverbs_ioctl", ll_uverbs_ioctl, &orig_uverbs_ioctl,
		ll_want_all, false, "ib_uverbs"),
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

/* Unhook the functions of @module (NULL: vmlinux), or all when @all. */
static void ll_unhook(const char *module, bool all)
{
	int i;

	mutex_lock(&ll_hook_mutex);
	for (i = 0; i < ARRAY_SIZE(ll_hooks); i++) {
		struct ll_hook *hook = &ll_hooks[i];

		if (!hook->addr || (!all && hook->module != module))
			continue;
		ftrace_set_filter_ip(&ll_ftrace_ops, hook->addr, 1, 0);
		hook->addr = 0;
	}
	mutex_unlock(&ll_hook_mutex);
}

/* Hook the functions of the module called @name; all or none. */
static int ll_hook_module(const char *name)
{
	int i, ret = 0;
	const char *module = NULL;

	mutex_lock(&ll_hook_mutex);
	for (i = 0; i < ARRAY_SIZE(ll_hooks) && !ret; i++) {
		struct ll_hook *hook = &ll_hooks[i];

		if (!hook->module || strcmp(hook->module, name) || hook->addr)
			continue;
		module = hook->module;
		ret = ll_hook_one(hook);
	}
	mutex_unlock(&ll_hook_mutex);
	if (ret) {
		pr_err_ratelimited("cannot hook %s: %d; its pins are not recorded\n",
				   name, ret);
		ll_unhook(module, false);
	}
	return ret;
}

/*
 * ib_uverbs may come after layoutlease and go before it.  Hook it while it
 * is COMING: its init has not run, so no registration can be missed.
 */
static int ll_module_event(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct module *mod = data;
	int i;

	for (i = 0; i < ARRAY_SIZE(ll_hooks); i++) {
		if (!ll_hooks[i].module || strcmp(ll_hooks[i].module, mod->name))
			continue;
		if (action == MODULE_STATE_COMING)
			ll_hook_module(ll_hooks[i].module);
		else if (action == MODULE_STATE_GOING)
			ll_unhook(ll_hooks[i].module, false);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block ll_module_nb = {
	.notifier_call = ll_module_event,
};

/**
 * ll_hooks_install() - redirect the hooked kernel functions
 *
 * Hooks in modules are installed now if the module is loaded, and
 * whenever it is loaded later.
 *
 * Return: 0, or the error of the first hook that failed (none is left).
 */
int ll_hooks_install(void)
{
	int i, ret = 0;

	for (i = 0; i < ARRAY_SIZE(ll_hooks) && !ret; i++)
		if (!ll_hooks[i].module && !ll_hooks[i].off &&
		    (!ll_hooks[i].fcntl || hook_fcntl))
			ret = ll_hook_one(&ll_hooks[i]);
	if (!ret)
		ret = register_ftrace_function(&ll_ftrace_ops);
	if (ret) {
		pr_err("cannot hook: %d\n", ret);
		ll_unhook(NULL, true);
		return ret;
	}
	ret = register_module_notifier(&ll_module_nb);
	if (ret) {
		ll_hooks_remove();
		return ret;
	}
	/* already loaded?  The notifier covers a load from now on. */
	for (i = 0; i < ARRAY_SIZE(ll_hooks); i++)
		if (ll_hooks[i].module && ll_lookup_name(ll_hooks[i].name))
			ll_hook_module(ll_hooks[i].module);
	return 0;
}

/**
 * ll_hooks_remove() - stop redirecting; replacements may still be running
 */
void ll_hooks_remove(void)
{
	unregister_module_notifier(&ll_module_nb);
	unregister_ftrace_function(&ll_ftrace_ops);
	ll_unhook(NULL, true);
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
