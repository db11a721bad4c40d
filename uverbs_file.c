// SPDX-License-Identifier: GPL-2.0
/*
 * uverbs files: which command each task runs on which file, and fencing a
 * file, that is destroying its verbs context while its holders live on.
 *
 * Every command on a uverbs file (write(), ioctl(), mmap()) is recorded
 * while it runs (struct ll_cmd, keyed by task).  The pin records use that
 * to know the file an MR is registered through.
 *
 * A fence is the RDMA core's own hot-unplug path, for one file: the core
 * disassociates every file of a device that goes away with
 * uverbs_destroy_ufile_hw(file, RDMA_REMOVE_DRIVER_REMOVE), which destroys
 * each of the file's objects (QPs, CQs, MRs: the umems are released and
 * their pages unpinned), zaps the user mappings of the device, queues
 * IB_EVENT_DEVICE_FATAL on the file's async event queue and frees the
 * ucontext.  The core calls it only once no command can run on the file
 * (it waits for the device's SRCU readers).  The module gives the same
 * guarantee for one file: from the fence on, every command on the file
 * fails with EIO, and the destruction runs once the commands that had
 * started are over.  The file stays open, fenced, until its last close.
 * Documentation/layout-leases.rst, "Fencing", has why a single MR cannot
 * be destroyed alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>

#include "layoutlease.h"
#include "ll_hook.h"

/* A fenced uverbs file, from the fence to its last close. */
struct ll_fence {
	struct hlist_node node;		/* ll_fence_hash, by file */
	struct file *uverbs;		/* counted until the destruction */
	unsigned int cmds;		/* commands of before, still running */
	struct work_struct work;
};

static DEFINE_HASHTABLE(ll_cmd_hash, 6);
static DEFINE_HASHTABLE(ll_fence_hash, 4);
static DEFINE_SPINLOCK(ll_cmd_lock);	/* both hashes, ll_fence.cmds */
static unsigned int ll_fences;		/* fenced files open, under it */

static struct ll_fence *ll_fence_of(struct file *filp)
{
	struct ll_fence *f;

	lockdep_assert_held(&ll_cmd_lock);
	hash_for_each_possible(ll_fence_hash, f, node, (unsigned long)filp)
		if (f->uverbs == filp)
			return f;
	return NULL;
}

/*
 * The RDMA core's uverbs_destroy_ufile_hw(), reached through the CALL hook
 * below: the function has no ENDBR an indirect call could land on.
 */
static __noipa noinline void ll_destroy_ufile_hw(void *ufile,
						 enum rdma_remove_reason why)
{
	/* not reached while the hook is installed (ll_hook_ready()) */
	WARN_ONCE(1, "uverbs_destroy_ufile_hw() is not hooked\n");
}

static struct ll_hook ll_ufile_hooks[];
#define LL_DESTROY_HOOK	(&ll_ufile_hooks[0])

static void ll_fence_fn(struct work_struct *work)
{
	struct ll_fence *f = container_of(work, struct ll_fence, work);
	struct file *uverbs = f->uverbs;

	ll_destroy_ufile_hw(uverbs->private_data, RDMA_REMOVE_DRIVER_REMOVE);
	/* @f stays until the last close, which this may be */
	fput(uverbs);
}

/**
 * ll_cmd_enter() - current starts a command on a uverbs file
 * @c: its record, on current's stack until ll_cmd_leave()
 * @filp: the uverbs file
 *
 * Return: 0, or -EIO when @filp is fenced: the command must not run.
 */
static int ll_cmd_enter(struct ll_cmd *c, struct file *filp)
{
	c->task = current;
	c->uverbs = filp;
	c->umem_get = false;
	spin_lock(&ll_cmd_lock);
	if (ll_fences && ll_fence_of(filp)) {
		spin_unlock(&ll_cmd_lock);
		return -EIO;
	}
	hash_add(ll_cmd_hash, &c->node, (unsigned long)current);
	spin_unlock(&ll_cmd_lock);
	return 0;
}

/* The last command that ran when its file was fenced starts the fence. */
static void ll_cmd_leave(struct ll_cmd *c)
{
	struct ll_fence *f = NULL;

	spin_lock(&ll_cmd_lock);
	hash_del(&c->node);
	if (ll_fences) {
		f = ll_fence_of(c->uverbs);
		if (f && (!f->cmds || --f->cmds))
			f = NULL;
	}
	spin_unlock(&ll_cmd_lock);
	if (f)
		queue_work(system_unbound_wq, &f->work);
}

/**
 * ll_cmd_current() - the uverbs command current runs, if any
 *
 * Commands do not nest, and only current removes its own.
 *
 * Return: the command's record, or NULL.
 */
struct ll_cmd *ll_cmd_current(void)
{
	struct ll_cmd *c, *found = NULL;

	spin_lock(&ll_cmd_lock);
	hash_for_each_possible(ll_cmd_hash, c, node, (unsigned long)current) {
		if (c->task == current) {
			found = c;
			break;
		}
	}
	spin_unlock(&ll_cmd_lock);
	return found;
}

/**
 * ll_uverbs_fence() - destroy the verbs context of a uverbs file
 * @uverbs: the file; the caller's counted reference passes to the fence
 *
 * From now on every command on @uverbs fails with EIO; the context is
 * destroyed, in a work item, once the commands already running are over.
 * Its MRs are deregistered then, which releases their pin records.
 *
 * Return: 0, with the reference taken over; -EALREADY when @uverbs is
 * fenced already, -EOPNOTSUPP when the RDMA core's function could not be
 * hooked, -ENOMEM: then the reference stays the caller's.
 */
int ll_uverbs_fence(struct file *uverbs)
{
	struct ll_fence *f;
	struct ll_cmd *c;
	unsigned int bkt;
	bool now;

	if (!ll_hook_ready(LL_DESTROY_HOOK))
		return -EOPNOTSUPP;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->uverbs = uverbs;
	INIT_WORK(&f->work, ll_fence_fn);
	spin_lock(&ll_cmd_lock);
	if (ll_fence_of(uverbs)) {
		spin_unlock(&ll_cmd_lock);
		kfree(f);
		return -EALREADY;
	}
	hash_for_each(ll_cmd_hash, bkt, c, node)
		if (c->uverbs == uverbs)
			f->cmds++;
	now = !f->cmds;
	hash_add(ll_fence_hash, &f->node, (unsigned long)uverbs);
	ll_fences++;
	/* until the file's last close, which may come after rmmod's try */
	__module_get(THIS_MODULE);
	spin_unlock(&ll_cmd_lock);
	if (now)
		queue_work(system_unbound_wq, &f->work);
	return 0;
}

/*
 * The RDMA core's file operations (module ib_uverbs), each called through
 * a pointer by the VFS, so each begins with an ENDBR on CET-IBT kernels.
 */
static ssize_t (*orig_uverbs_write)(struct file *filp, const char __user *buf,
				    size_t count, loff_t *pos);
static long (*orig_uverbs_ioctl)(struct file *filp, unsigned int cmd,
				 unsigned long arg);
static int (*orig_uverbs_mmap)(struct file *filp, struct vm_area_struct *vma);
static int (*orig_uverbs_close)(struct inode *inode, struct file *filp);

static ssize_t ll_uverbs_write(struct file *filp, const char __user *buf,
			       size_t count, loff_t *pos)
{
	struct ll_cmd cmd;
	ssize_t ret;

	ll_hook_enter();
	ret = ll_cmd_enter(&cmd, filp);
	if (!ret) {
		ret = orig_uverbs_write(filp, buf, count, pos);
		ll_cmd_leave(&cmd);
	}
	ll_hook_leave();
	return ret;
}

static long ll_uverbs_ioctl(struct file *filp, unsigned int cmd,
			    unsigned long arg)
{
	struct ll_cmd c;
	long ret;

	ll_hook_enter();
	ret = ll_cmd_enter(&c, filp);
	if (!ret) {
		ret = orig_uverbs_ioctl(filp, cmd, arg);
		ll_cmd_leave(&c);
	}
	ll_hook_leave();
	return ret;
}

/* The device's mmap() reads the ucontext, which a fence frees. */
static int ll_uverbs_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct ll_cmd c;
	int ret;

	ll_hook_enter();
	ret = ll_cmd_enter(&c, filp);
	if (!ret) {
		ret = orig_uverbs_mmap(filp, vma);
		ll_cmd_leave(&c);
	}
	ll_hook_leave();
	return ret;
}

/* The last close of a fenced file: nothing can reach it any more. */
static int ll_uverbs_close(struct inode *inode, struct file *filp)
{
	struct ll_fence *f = NULL;
	int ret;

	ll_hook_enter();
	ret = orig_uverbs_close(inode, filp);
	spin_lock(&ll_cmd_lock);
	if (ll_fences) {
		f = ll_fence_of(filp);
		if (f) {
			hash_del(&f->node);
			ll_fences--;
		}
	}
	spin_unlock(&ll_cmd_lock);
	kfree(f);
	/* from a caller that entered a hook: not the module's last code */
	if (f)
		module_put(THIS_MODULE);
	ll_hook_leave();
	return ret;
}

static bool ll_want_all(struct pt_regs *regs)
{
	return true;
}

static struct ll_hook ll_ufile_hooks[] = {
	LL_CALL("uverbs_destroy_ufile_hw", ll_destroy_ufile_hw),
	LL_WRAP("ib_uverbs_write", ll_want_all, ll_uverbs_write,
		&orig_uverbs_write),
	LL_WRAP("ib_uverbs_ioctl", ll_want_all, ll_uverbs_ioctl,
		&orig_uverbs_ioctl),
	LL_WRAP("ib_uverbs_mmap", ll_want_all, ll_uverbs_mmap,
		&orig_uverbs_mmap),
	LL_WRAP("ib_uverbs_close", ll_want_all, ll_uverbs_close,
		&orig_uverbs_close),
};

struct ll_hook_table ll_ufile_hook_table = {
	.module = "ib_uverbs",
	.hooks = ll_ufile_hooks,
	.count = ARRAY_SIZE(ll_ufile_hooks),
};
