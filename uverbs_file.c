// SPDX-License-Identifier: GPL-2.0
/*
 * uverbs files: which command each task runs on which file, and fencing a
 * file: destroying the MRs through which it pins under a lease being
 * revoked, while the processes that hold it live on.
 *
 * Every command on a uverbs file (write(), ioctl(), mmap()) is recorded
 * while it runs (struct ll_cmd, keyed by task).  The pin records use that
 * to know the file an MR is registered through.
 *
 * A fence destroys each such MR as the owner's own ibv_dereg_mr() would:
 * uobj_destroy(), the RDMA core's destroy of one object, which deregisters
 * the MR (its umem is released, its pages unpinned) and removes its handle.
 * From the fence on, every command on the file fails with EIO, so that no
 * new object can take a removed handle's number (the application's own
 * later destroy of its old MR would destroy the new object), and the
 * destruction runs once the commands that had started are over.  The file
 * stays open, fenced, until its last close.  Documentation/layout-leases.rst,
 * "Fencing", has why not the whole context, as a device removal does.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <rdma/ib_verbs.h>
#include <rdma/uverbs_ioctl.h>

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
 * The RDMA core's uobj_destroy() and uverbs_uobject_put(), called through
 * the CALL hooks below: uobj_destroy() is not exported, and a direct call
 * of the exported uverbs_uobject_put() would make layoutlease depend on
 * ib_uverbs.  Not called unless both hooks are installed
 * (ll_hook_ready()).
 */
static int (*call_uobj_destroy)(struct ib_uobject *uobj,
				struct uverbs_attr_bundle *attrs);
static void (*call_uobject_put)(struct ib_uobject *uobj);

static struct ll_hook ll_uobj_hooks[];
#define LL_DESTROY_HOOK	(&ll_uobj_hooks[0])
#define LL_PUT_HOOK	(&ll_uobj_hooks[1])

/* The MRs of a fenced file that pin under leases being revoked. */
static unsigned int (*ll_fence_mrs)(struct file *uverbs,
				    struct ib_uobject **uobjs,
				    unsigned int max);

/**
 * ll_uverbs_init() - set how a fence finds the MRs it destroys
 * @mrs: returns up to @max MR uobjects of @uverbs that pin under a lease
 *       being revoked and were not returned before, each with a reference
 *       for the caller
 */
void ll_uverbs_init(unsigned int (*mrs)(struct file *uverbs,
					struct ib_uobject **uobjs,
					unsigned int max))
{
	ll_fence_mrs = mrs;
}

/*
 * No command runs on the file, and none will: destroy each MR as its
 * owner's destroy command would, with a bundle like the one the core's
 * own cleanup uses.  A destroy that fails (the driver's, say, for an MR
 * with memory windows bound) leaves the MR and its pins.
 */
static void ll_fence_fn(struct work_struct *work)
{
	struct ll_fence *f = container_of(work, struct ll_fence, work);
	struct uverbs_attr_bundle attrs = { .ufile = f->uverbs->private_data };
	struct file *uverbs = f->uverbs;
	struct ib_uobject *uobjs[16];
	unsigned int i, n;
	int err;

	while ((n = ll_fence_mrs(uverbs, uobjs, ARRAY_SIZE(uobjs)))) {
		for (i = 0; i < n; i++) {
			attrs.context = uobjs[i]->context;
			err = call_uobj_destroy(uobjs[i], &attrs);
			if (err)
				pr_warn_ratelimited("fence: MR handle %u could not be destroyed (%d); its pins stay\n",
						    uobjs[i]->id, err);
			call_uobject_put(uobjs[i]);
		}
	}
	/* @f stays until the last close, which this may be */
	fput(uverbs);
}

/**
 * ll_cmd_enter() - current starts a command on a uverbs file
 * @c: its record, on current's stack until ll_cmd_leave()
 * @filp: the uverbs file
 *
 * A command holds the module, so that rmmod fails (EWOULDBLOCK) while one
 * runs rather than wait for it: a command can take as long as the memory
 * it reads or pins takes to fault in (a FUSE file's, say).  Once the
 * unload has begun, a command runs without the reference, counted as a
 * hook call, in the moment before the module's hooks are removed.
 *
 * Return: 0, or -EIO when @filp is fenced: the command must not run.
 */
static int ll_cmd_enter(struct ll_cmd *c, struct file *filp)
{
	c->task = current;
	c->uverbs = filp;
	c->umem_get = false;
	c->umem = NULL;
	c->held = try_module_get(THIS_MODULE);
	spin_lock(&ll_cmd_lock);
	if (ll_fences && ll_fence_of(filp)) {
		spin_unlock(&ll_cmd_lock);
		if (c->held)
			module_put(THIS_MODULE);
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
	/* the hook call this runs in keeps the module until its return */
	if (c->held)
		module_put(THIS_MODULE);
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
 * ll_uverbs_fence() - fence a uverbs file
 * @uverbs: the file; the caller's counted reference passes to the fence
 *
 * From now on every command on @uverbs fails with EIO; once the commands
 * already running are over, a work item destroys the file's MRs that pin
 * under a lease being revoked, which releases their pin records.
 *
 * A file fenced already is fenced again: the MRs of another lease that is
 * being revoked are destroyed as well.
 *
 * Return: 0, with the reference taken over; -EOPNOTSUPP when the RDMA
 * core's functions could not be hooked, -ENOMEM: then the reference stays
 * the caller's.
 */
int ll_uverbs_fence(struct file *uverbs)
{
	struct ll_fence *f, *old;
	struct ll_cmd *c;
	unsigned int bkt;
	bool now;

	if (!ll_hook_ready(LL_DESTROY_HOOK) || !ll_hook_ready(LL_PUT_HOOK))
		return -EOPNOTSUPP;
	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->uverbs = uverbs;
	INIT_WORK(&f->work, ll_fence_fn);
	spin_lock(&ll_cmd_lock);
	old = ll_fence_of(uverbs);
	if (old) {
		/* its work holds the file while queued: this one is not needed */
		now = !old->cmds && queue_work(system_unbound_wq, &old->work);
		spin_unlock(&ll_cmd_lock);
		kfree(f);
		if (!now)
			fput(uverbs);
		return 0;
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

/* the uverbs object code: in ib_uverbs, or ib_uverbs_support (ll_compat.h) */
static struct ll_hook ll_uobj_hooks[] = {
	LL_CALL("uobj_destroy", &call_uobj_destroy),
	LL_CALL("uverbs_uobject_put", &call_uobject_put),
};

struct ll_hook_table ll_uobj_hook_table = {
	.module = LL_UOBJ_MODULE,
	.hooks = ll_uobj_hooks,
	.count = ARRAY_SIZE(ll_uobj_hooks),
};

static struct ll_hook ll_ufile_hooks[] = {
	LL_WRAP_ALL("ib_uverbs_write", ll_uverbs_write, &orig_uverbs_write),
	LL_WRAP_ALL("ib_uverbs_ioctl", ll_uverbs_ioctl, &orig_uverbs_ioctl),
	LL_WRAP_ALL("ib_uverbs_mmap", ll_uverbs_mmap, &orig_uverbs_mmap),
	LL_WRAP_ALL("ib_uverbs_close", ll_uverbs_close, &orig_uverbs_close),
};

struct ll_hook_table ll_ufile_hook_table = {
	.module = "ib_uverbs",
	.hooks = ll_ufile_hooks,
	.count = ARRAY_SIZE(ll_ufile_hooks),
};
