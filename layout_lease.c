// SPDX-License-Identifier: GPL-2.0
/*
 * Layout leases: real FL_LAYOUT leases on the inode's lease list, set with
 * vfs_setlease() and driven by the module's lease-manager callbacks.
 *
 * The kernel does the lease bookkeeping: /proc/locks, removal on the last
 * close, waking breakers, timing out a lease whose fl_break_time passed.
 * The module adds the exclusive mode, the notification rules, its own
 * break timeout, and a record of every lease for /proc and for rmmod.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <uapi/linux/layout_lease.h>

#include "layoutlease.h"
#include "ll_hook.h"
#include "ll_param.h"
#include "ll_trace.h"

struct ll_stats ll_stats;
DEFINE_SPINLOCK(ll_lock);
/*
 * Every lease from its creation until it is gone, by id, under ll_lock:
 * /proc, an administrator's break, unload.  A lease in it holds its
 * file_lock's reference, so a lookup under ll_lock may take one more.
 * Ids only grow: an insertion goes to the right end.
 */
static struct rb_root ll_lease_ids = RB_ROOT;
/* Leases from their break until they are gone, under ll_lock: the expiry */
static LIST_HEAD(ll_broken);
static atomic_t ll_listed_count;	/* leases in ll_state_listed() states */
/*
 * struct ll_lease, 152 bytes: in kmalloc-192 each would take 192
 * (Documentation/benchmarks.rst, P6's memory per lease).
 */
static struct kmem_cache *ll_lease_cache;
static DEFINE_MUTEX(ll_set_mutex);
static DECLARE_WAIT_QUEUE_HEAD(ll_gone_wq);
static atomic64_t ll_next_id;
static bool ll_unloading;		/* under ll_set_mutex */
/* under ll_lock: no expiry work (before init and from unload on) */
static bool ll_work_stopped = true;

static DEFINE_HASHTABLE(ll_changes, 6);	/* struct ll_change, by inode */
static DEFINE_SPINLOCK(ll_change_lock);
/* Changes with @reads under way: remaps' sources, nearly always none */
static atomic_t ll_changes_reading;

/*
 * lease_modify() and __break_lease(): the WRAP's original, and the
 * module's own calls, past any hook (LL_CALL)
 */
static int (*orig_lease_modify)(struct ll_file_lease *fl, int arg,
				struct list_head *dispose);
static int (*call_lease_modify)(struct ll_file_lease *fl, int arg,
				struct list_head *dispose);
static ll_break_lease_fn call_break_lease;

/*
 * The expiry work runs when the hrtimer reaches the nearest deadline, or
 * at once when a lease's last pin goes or the policy changes.
 */
static void ll_expire_fn(struct work_struct *work);
static DECLARE_WORK(ll_expire_work, ll_expire_fn);
static struct hrtimer ll_expire_timer;	/* armed under ll_lock */

/* Run the expiry work now: queued again if it is running. */
static void ll_expire_now(void)
{
	queue_work(system_wq, &ll_expire_work);
}

/*
 * Wake the waiters for a lease's change (ll_break_wait(), unload): most
 * changes have none, and then cost no lock.  Their wait_event() puts them
 * on the queue before testing their condition; wq_has_sleeper() orders
 * the change before the test of the queue.
 */
static void ll_wake_gone(void)
{
	if (wq_has_sleeper(&ll_gone_wq))
		wake_up_all(&ll_gone_wq);
}

#define LL_SET_FLAGS	(F_LAYOUT | F_EXCLUSIVE)

/*
 * fl_break_time for the kernel, which must never time a layout lease out:
 * the module does (revoking pins first).  __break_lease() keeps the time
 * left of its wait in an int, so "never" must fit one: about 49 days.
 */
#define LL_NEVER	(INT_MAX >> 1)

static const char * const ll_revoke_names[] = {
	[LL_REVOKE_FENCE] = "fence",
	[LL_REVOKE_KILL] = "kill",
	[LL_REVOKE_WAIT] = "wait",
	[LL_REVOKE_UNLOCK] = "unlock",
};

static int ll_revoke = LL_REVOKE_FENCE;

/* leases past their deadline follow the new policy now */
static void ll_revoke_changed(void)
{
	spin_lock(&ll_lock);
	if (!ll_work_stopped)
		ll_expire_now();
	spin_unlock(&ll_lock);
}

static const struct ll_enum_param ll_revoke_param = {
	ll_revoke_names, ARRAY_SIZE(ll_revoke_names), &ll_revoke, ll_revoke_changed
};

module_param_cb(revoke, &ll_enum_param_ops, (void *)&ll_revoke_param, 0644);
MODULE_PARM_DESC(revoke,
		 "At the break timeout, for a lease with pins: fence (default), kill, wait or unlock");

static const char * const ll_implicit_names[] = {
	[LL_IMPLICIT_DENY] = "deny",
	[LL_IMPLICIT_FENCE] = "fence",
	[LL_IMPLICIT_OFF] = "off",
};

static int ll_implicit = LL_IMPLICIT_DENY;

static const struct ll_enum_param ll_implicit_param = {
	ll_implicit_names, ARRAY_SIZE(ll_implicit_names), &ll_implicit, NULL
};

module_param_cb(implicit, &ll_enum_param_ops, (void *)&ll_implicit_param, 0644);
MODULE_PARM_DESC(implicit,
		 "Registrations without a layout lease get an implicit one; layout changes over their pins: deny (default), fence, or off (no implicit leases)");

/**
 * ll_implicit_mode() - the implicit parameter, now
 *
 * Return: what a layout change meets over an implicit lease's pins, or
 * LL_IMPLICIT_OFF when no implicit lease is to be made.
 */
enum ll_implicit ll_implicit_mode(void)
{
	return READ_ONCE(ll_implicit);
}

/* How @ll's pins are revoked at its deadline: an implicit lease's fenced. */
static enum ll_revoke ll_how(struct ll_lease *ll)
{
	return ll->implicit ? LL_REVOKE_FENCE : READ_ONCE(ll_revoke);
}

static const struct ll_lease_manager_operations ll_lm_ops;
static const struct file_lock_operations ll_fl_ops;
static void ll_lease_gone(struct ll_lease *ll);
static void ll_lease_unlisted(struct ll_lease *ll);
static bool ll_lm_break(struct ll_file_lease *fl);
static bool ll_lm_breaker_owns_lease(struct ll_file_lease *fl);

/* Removes leases on the module's own authority: expiry and unload. */
static const struct cred *ll_cred;

/* Fences or kills the holders of a lease's pins (ll_pins_revoke()). */
static int (*ll_revoke_pins)(struct ll_lease *ll, enum ll_revoke how);

static void ll_lease_destroy(struct ll_lease *ll)
{
	put_cred(ll->cred);
	put_pid(ll->tgid);
	kmem_cache_free(ll_lease_cache, ll);
}

/* May sleep: the lease's reference may be its inode's last. */
static void ll_lease_free(struct kref *ref)
{
	struct ll_lease *ll = container_of(ref, struct ll_lease, ref);

	iput(ll->inode);
	ll_lease_destroy(ll);
}

/*
 * Under flc_lock, as the kernel takes the lease off its inode's list (6.9
 * on): the lease's file is open until then, and holds the inode, so the
 * lease's reference is not its inode's last.
 */
static void ll_lease_free_unlisted(struct kref *ref)
{
	struct ll_lease *ll = container_of(ref, struct ll_lease, ref);

	ll_iput_not_last(ll->inode);
	ll_lease_destroy(ll);
}

/**
 * ll_lease_put() - drop a reference on a lease
 * @ll: the lease
 *
 * May sleep: the last reference's iput() may be the inode's last.
 */
void ll_lease_put(struct ll_lease *ll)
{
	kref_put(&ll->ref, ll_lease_free);
}

static bool ll_id_less(struct rb_node *a, const struct rb_node *b)
{
	return rb_entry(a, struct ll_lease, id_node)->id <
	       rb_entry(b, struct ll_lease, id_node)->id;
}

/* The lease with the lowest id from @id on, or NULL; under ll_lock. */
static struct ll_lease *ll_find_id(u64 id)
{
	struct rb_node *n = ll_lease_ids.rb_node;
	struct ll_lease *found = NULL, *ll;

	lockdep_assert_held(&ll_lock);
	while (n) {
		ll = rb_entry(n, struct ll_lease, id_node);
		if (ll->id < id) {
			n = n->rb_right;
		} else {
			found = ll;
			if (ll->id == id)
				break;
			n = n->rb_left;
		}
	}
	return found;
}

static void ll_expire_arm(ktime_t deadline, ktime_t now);

/*
 * A deadline @ms from now on the monotonic clock, the clock user space
 * times the owner's grace with (CLOCK_MONOTONIC).  Jiffies are not: under
 * a late tick they lag it, and a deadline counted in them comes early.
 */
static ktime_t ll_deadline_after(unsigned int ms)
{
	return ktime_add_ms(ktime_get(), ms);
}

/* The states each state may move to (Documentation: "State machine"). */
static const unsigned int ll_next_states[] = {
	[LL_SETTING] = BIT(LL_ACTIVE) | BIT(LL_GONE),
	[LL_ACTIVE] = BIT(LL_BREAKING) | BIT(LL_RELEASED) | BIT(LL_UNLOADING) |
		      BIT(LL_GONE),
	[LL_BREAKING] = BIT(LL_REVOKING) | BIT(LL_REFUSING) | BIT(LL_EXPIRING) |
			BIT(LL_RELEASED) | BIT(LL_UNLOADING) | BIT(LL_GONE),
	[LL_REVOKING] = BIT(LL_REFUSING) | BIT(LL_EXPIRING) | BIT(LL_RELEASED) |
			BIT(LL_UNLOADING) | BIT(LL_GONE),
	[LL_REFUSING] = BIT(LL_EXPIRING) | BIT(LL_RELEASED) |
			BIT(LL_UNLOADING) | BIT(LL_GONE),
	[LL_EXPIRING] = BIT(LL_UNLOADING) | BIT(LL_GONE),
	[LL_RELEASED] = BIT(LL_GONE),
	[LL_UNLOADING] = BIT(LL_GONE),
	[LL_GONE] = 0,
};

/*
 * ll_set_state() - the one place a lease changes state, under ll_lock
 *
 * Refuses a move the state machine does not have (a lease being removed
 * by the module is not "released" by the F_UNLCK the module itself sends,
 * a broken lease does not become active again), and does what entering a
 * state means: a break starts the deadline, a revocation the grace for
 * the killed to exit (one more break timeout).
 *
 * Return: whether @ll is now in @to.
 */
static bool ll_set_state(struct ll_lease *ll, enum ll_state to)
{
	lockdep_assert_held(&ll_lock);
	if (!(ll_next_states[ll->state] & BIT(to)))
		return false;
	if (ll_state_listed(ll->state) != ll_state_listed(to))
		atomic_add(ll_state_listed(to) ? 1 : -1, &ll_listed_count);
	ll->state = to;
	if (to == LL_BREAKING) {
		list_add_tail(&ll->node, &ll_broken);
		ll->break_ms = READ_ONCE(break_timeout_ms);
		ll->break_start = ktime_get();
		ll->deadline = ktime_add_ms(ll->break_start, ll->break_ms);
		ll_expire_arm(ll->deadline, ll->break_start);
	} else if (to == LL_REVOKING) {
		ll->revoke_end = ll_deadline_after(READ_ONCE(break_timeout_ms));
	} else if (to == LL_GONE) {
		list_del_init(&ll->node);
		/* not there if never inserted (ll_lm_setup()) */
		if (!RB_EMPTY_NODE(&ll->id_node))
			rb_erase(&ll->id_node, &ll_lease_ids);
	}
	return true;
}

/**
 * ll_is_ours() - is @fl a lease of this module?
 * @fl: a lease on some inode's list, or being removed from it
 *
 * Return: true when @fl was set by the module, so that its owner is a
 * struct ll_lease.
 */
bool ll_is_ours(struct ll_file_lease *fl)
{
	return fl->fl_lmops == &ll_lm_ops;
}

/**
 * ll_listed() - the file_lock of @ll, if it is still on its inode's list
 * @ll: a lease the caller holds a reference on
 *
 * Call under the inode's flc_lock.  The file of a listed file_lock is
 * alive: __fput() takes flc_lock to remove it before freeing the file.
 *
 * Return: the file_lock, or NULL once the lease was removed.
 */
struct ll_file_lease *ll_listed(struct ll_lease *ll)
{
	struct file_lock_context *ctx = locks_inode_context(ll->inode);
	struct ll_file_lease *fl;

	lockdep_assert_held(&ctx->flc_lock);
	ll_for_each_lease(fl, ctx)
		if (ll_fl_lease(fl) == ll && ll_is_ours(fl))
			return fl;
	return NULL;
}

/*
 * Find the module's lease on @filp and take a reference on it.  Also
 * report whether another layout lease (ours or anyone's, such as nfsd's)
 * is on the inode, and whether one of ours is exclusive.
 */
static struct ll_lease *ll_lookup(struct file *filp, bool *other,
				  bool *other_excl)
{
	struct file_lock_context *ctx = locks_inode_context(file_inode(filp));
	struct ll_lease *found = NULL;
	struct ll_file_lease *fl;

	*other = false;
	*other_excl = false;
	/* no lease at all, as break_lease() looks: no lock to say so */
	if (!ctx || list_empty_careful(&ctx->flc_lease))
		return NULL;
	spin_lock(&ctx->flc_lock);
	ll_for_each_lease(fl, ctx) {
		struct ll_lease *ll = ll_fl_lease(fl);

		if (!(ll_fl_flags(fl) & FL_LAYOUT))
			continue;
		if (ll_is_ours(fl) && ll_fl_file(fl) == filp) {
			if (!found) {
				found = ll;
				kref_get(&found->ref);
			}
			continue;
		}
		*other = true;
		if (ll_is_ours(fl) && READ_ONCE(ll->exclusive))
			*other_excl = true;
	}
	spin_unlock(&ctx->flc_lock);
	return found;
}

/**
 * ll_lease_of_file() - the module's layout lease on an open file
 * @filp: the file a pinned VMA maps
 *
 * A registration is under a lease when it pins the leased open file
 * description itself, whoever registers it.
 *
 * Return: the lease, with a reference, or NULL.
 */
struct ll_lease *ll_lease_of_file(struct file *filp)
{
	bool other, other_excl;

	if (!S_ISREG(file_inode(filp)->i_mode))
		return NULL;
	return ll_lookup(filp, &other, &other_excl);
}

/**
 * ll_file_leased() - does @filp carry one of the module's layout leases?
 * @filp: the file a VMA maps
 *
 * Like ll_lease_of_file(), without taking references: for callers that
 * may not sleep.
 *
 * Return: true when one of the module's leases is on @filp.
 */
bool ll_file_leased(struct file *filp)
{
	struct file_lock_context *ctx = locks_inode_context(file_inode(filp));
	struct ll_file_lease *fl;
	bool leased = false;

	if (!ctx)
		return false;
	spin_lock(&ctx->flc_lock);
	ll_for_each_lease(fl, ctx) {
		if (ll_is_ours(fl) && ll_fl_file(fl) == filp) {
			leased = true;
			break;
		}
	}
	spin_unlock(&ctx->flc_lock);
	return leased;
}

/**
 * ll_lease_pin() - count pins taken under a lease
 * @ll: the lease
 * @pages: how many pages they pin
 *
 * Return: 0, or -EAGAIN when the lease is broken or gone: no new pin joins
 * a lease that is breaking or being revoked.
 */
int ll_lease_pin(struct ll_lease *ll, unsigned long pages)
{
	int ret = 0;

	spin_lock(&ll_lock);
	if (ll->state == LL_ACTIVE) {
		atomic_inc(&ll->pins);
		atomic_long_add(pages, &ll->pages);
	} else {
		ret = -EAGAIN;
	}
	spin_unlock(&ll_lock);
	return ret;
}

static struct file *ll_get_file(struct ll_lease *ll);
static int ll_lease_unlock(struct ll_lease *ll, struct file *filp);

/*
 * The last pin of implicit lease @ll went: remove it now, as the kernel,
 * so that it is gone when the deregistration returns.
 */
static void ll_implicit_release(struct ll_lease *ll)
{
	const struct cred *old;
	struct file *filp;
	bool release;

	spin_lock(&ll_lock);
	release = ll->implicit && !atomic_read(&ll->pins) &&
		  ll_state_listed(ll->state) && ll_set_state(ll, LL_RELEASED);
	spin_unlock(&ll_lock);
	if (!release)
		return;
	/* none: its file is being closed, which removes it */
	filp = ll_get_file(ll);
	if (!filp)
		return;
	old = override_creds(ll_cred);
	ll_lease_unlock(ll, filp);
	revert_creds(old);
	fput(filp);
}

/**
 * ll_lease_unpin() - count pins released under a lease
 * @ll: the lease
 * @pages: how many pages they pinned
 *
 * Process context: the last pin of an implicit lease removes it.
 */
void ll_lease_unpin(struct ll_lease *ll, unsigned long pages)
{
	atomic_long_sub(pages, &ll->pages);
	if (!atomic_dec_and_test(&ll->pins))
		return;
	/* a broken lease kept for its pins goes once the last is gone */
	if (READ_ONCE(ll->implicit))
		ll_implicit_release(ll);
	else if (ll_state_broken(READ_ONCE(ll->state)))
		ll_expire_now();
}

/*
 * F_SETLEASE on a file that has a layout lease: its mode changes.
 * -ENOENT when the lease left the inode's list since ll_lookup() found it
 * (it timed out, say): the caller looks again, and finds it no more.
 */
static int ll_lease_set_mode(struct ll_lease *ll, bool exclusive, bool other)
{
	struct file_lock_context *ctx = locks_inode_context(ll->inode);
	int ret = 0;

	spin_lock(&ctx->flc_lock);
	spin_lock(&ll_lock);
	if (!ll_listed(ll))
		ret = -ENOENT;
	else if (exclusive && !ll->exclusive &&
		 (other || ll->state != LL_ACTIVE))
		ret = -EAGAIN;
	else
		ll->exclusive = exclusive;
	spin_unlock(&ll_lock);
	spin_unlock(&ctx->flc_lock);
	return ret;
}

static struct ll_lease *ll_lease_alloc(struct file *filp, int fd,
				       bool exclusive, bool implicit,
				       struct ll_file_lease **flp)
{
	struct inode *inode = file_inode(filp);
	struct ll_file_lease *fl;
	struct ll_lease *ll;

	ll = kmem_cache_zalloc(ll_lease_cache, GFP_KERNEL);
	fl = ll_alloc_lease();
	if (!ll || !fl) {
		if (ll)
			kmem_cache_free(ll_lease_cache, ll);
		if (fl)
			ll_free_lease(fl);
		return NULL;
	}
	kref_init(&ll->ref);		/* the file_lock's reference */
	RB_CLEAR_NODE(&ll->id_node);
	INIT_LIST_HEAD(&ll->node);
	ll->id = atomic64_inc_return(&ll_next_id);
	ihold(inode);
	ll->inode = inode;
	ll->dev = inode->i_sb->s_dev;
	ll->ino = inode->i_ino;
	ll->fd = fd;
	ll->pid = task_tgid_nr(current);
	ll->tgid = get_pid(task_tgid(current));
	ll->cred = get_current_cred();
	ll->exclusive = exclusive;
	ll->implicit = implicit;
	/* an implicit lease's first pin: its registration, in progress */
	atomic_set(&ll->pins, implicit);
	ll->state = LL_SETTING;

	ll_lease_init(fl, filp, FL_LAYOUT, F_RDLCK, ll, ll->pid);
	fl->fl_lmops = &ll_lm_ops;
	*flp = fl;
	return ll;
}

/*
 * Insert a new lease on @filp.  An implicit one has no fasync entry and no
 * owner: it is returned with a reference and its registration's pin.
 */
static int ll_lease_create(struct file *filp, int fd, bool exclusive,
			   bool implicit, struct ll_lease **implicitp)
{
	struct ll_file_lease *fl;
	struct ll_lease *ll;
	int ret;

	ret = implicit ? 0 : ll_fown_prepare(filp);
	if (ret)
		return ret;
	ll = ll_lease_alloc(filp, fd, exclusive, implicit, &fl);
	if (!ll)
		return -ENOMEM;
	ret = implicit ? 0 : ll_owner_attach(fl, fd);
	if (ret) {
		ll_free_lease(fl);
		ll_lease_put(ll);
		return ret;
	}
	/* From here on, freeing fl goes through ll_lease_freed(). */
	ll_lease_on_free(fl, &ll_fl_ops);
	kref_get(&ll->ref);

	/* active once inserted (ll_lm_setup()) */
	ret = vfs_setlease(filp, F_RDLCK, &fl, NULL);
	if (ret && !fl) {
		/* consumed, then failed (NFSv4's nfs4_add_lease()): freed */
		ll_lease_unlisted(ll);
	} else if (ret) {
		if (!implicit)
			ll_owner_detach(fl);
		ll_free_lease(fl);
		ll_lease_unlisted(ll);
	} else {
		/* a breaker waiting for other leases must break this one too */
		ll_wake_gone();
		trace_layoutlease_set(ll);
		if (implicit) {
			kref_get(&ll->ref);
			*implicitp = ll;
		}
	}
	ll_lease_put(ll);
	return ret;
}

/*
 * An explicit lease set on a file that carries an implicit one takes it
 * over: the same lease, from now on the setter's, told of breaks through
 * @fd.  Only an active one: a broken implicit lease is being fenced.
 */
static int ll_lease_adopt(struct ll_lease *ll, struct file *filp, int fd,
			  bool exclusive, bool other)
{
	struct file_lock_context *ctx = locks_inode_context(ll->inode);
	const struct cred *cred = get_current_cred(), *old_cred = NULL;
	struct pid *tgid = get_pid(task_tgid(current)), *old_tgid = NULL;
	struct ll_file_lease *fl;
	bool changing;
	int ret;

	/* its registration's pin keeps it in place meanwhile */
	ret = exclusive && other ? -EAGAIN : ll_lease_pin(ll, 0);
	if (ret)
		goto out;
	ret = ll_fown_prepare(filp);
	if (ret)
		goto unpin;
	spin_lock(&ctx->flc_lock);
	fl = ll_listed(ll);
	spin_unlock(&ctx->flc_lock);
	ret = fl ? ll_owner_attach(fl, fd) : -EAGAIN;
	if (ret)
		goto unpin;
	spin_lock(&ctx->flc_lock);
	/*
	 * Nor while a layout change is under way, as no new lease is set
	 * then (ll_lease_set()): the change took this lease for implicit,
	 * and would not be told of what its new owner pins.  Under flc_lock,
	 * which orders it against the change's walk of the leases.
	 */
	changing = ll_inode_changing(ll->inode);
	spin_lock(&ll_lock);
	if (changing || ll->state != LL_ACTIVE || ll_listed(ll) != fl) {
		ret = -EAGAIN;
	} else {
		WRITE_ONCE(ll->implicit, false);
		ll->exclusive = exclusive;
		ll->fd = fd;
		ll->pid = task_tgid_nr(current);
		old_tgid = ll->tgid;
		ll->tgid = tgid;
		old_cred = ll->cred;
		ll->cred = cred;
		ll_fl_set_pid(fl, ll->pid);
	}
	spin_unlock(&ll_lock);
	if (!ret)
		ll_owner_default(fl);
	spin_unlock(&ctx->flc_lock);
	if (ret) {
		ll_owner_detach(fl);
	} else {
		tgid = old_tgid;
		cred = old_cred;
		trace_layoutlease_set(ll);
	}
unpin:
	ll_lease_unpin(ll, 0);
out:
	put_pid(tgid);
	put_cred(cred);
	return ret;
}

/**
 * ll_lease_implicit() - the layout lease a registration pins under
 * @filp: a regular file, mapped shared over the registration's range
 *
 * For a registration by a process that took no layout lease: the lease
 * of @filp, or a new implicit one, made as the caller (which must own the
 * file or have CAP_LEASE, as for F_SETLEASE).  It carries one more pin,
 * the registration's, until ll_lease_unpin(ll, 0): an implicit lease goes
 * with its last pin.
 *
 * Return: the lease with a reference, NULL when @filp carries an explicit
 * lease already, or ERR_PTR(): -EACCES, -EAGAIN (a layout change is under
 * way, the lease is broken, or an exclusive lease of another file),
 * -ENODEV (unloading), -ENOMEM.
 */
struct ll_lease *ll_lease_implicit(struct file *filp)
{
	struct ll_lease *ll = NULL;
	bool other, other_excl;
	int ret;

	if (!ll_owner_ok(filp) && !capable(CAP_LEASE))
		return ERR_PTR(-EACCES);
	mutex_lock(&ll_set_mutex);
again:
	ll = ll_lookup(filp, &other, &other_excl);
	if (ll && !ll->implicit) {
		ll_lease_put(ll);
		ll = NULL;
		ret = 0;
	} else if (ll) {
		ret = ll_lease_pin(ll, 0);
		/*
		 * Its last pin went a moment ago: it is being removed, at
		 * once (ll_implicit_release()), and a new one takes its
		 * place.  Bounded: a lease that is still there after a
		 * second gets EAGAIN.
		 */
		if (ret && READ_ONCE(ll->state) == LL_RELEASED &&
		    wait_event_timeout(ll_gone_wq,
				       READ_ONCE(ll->state) == LL_GONE, HZ)) {
			ll_lease_put(ll);
			goto again;
		}
	} else if (ll_unloading) {
		ret = -ENODEV;
	} else if (other_excl || ll_inode_changing(file_inode(filp))) {
		ret = -EAGAIN;
	} else {
		ret = ll_lease_create(filp, -1, false, true, &ll);
		if (!ret && ll_inode_changing(file_inode(filp))) {
			ll_lease_unpin(ll, 0);
			ret = -EAGAIN;
		}
	}
	mutex_unlock(&ll_set_mutex);
	if (ret && ll)
		ll_lease_put(ll);
	return ret ? ERR_PTR(ret) : ll;
}

/**
 * ll_lease_break_implicit() - break an implicit lease, for implicit=fence
 * @ll: an implicit lease whose pins a layout change would free or move
 *
 * Nobody is told (the registering program knows nothing of leases): the
 * deadline runs, and the lease's MRs are fenced at it.
 *
 * Return: whether @ll was active and is now broken.
 */
bool ll_lease_break_implicit(struct ll_lease *ll)
{
	bool broken;

	spin_lock(&ll_lock);
	broken = ll->implicit && ll->state == LL_ACTIVE &&
		 ll_set_state(ll, LL_BREAKING);
	spin_unlock(&ll_lock);
	if (broken) {
		atomic64_inc(&ll_stats.breaks);
		trace_layoutlease_break(ll);
	}
	return broken;
}

/**
 * ll_lease_set() - take or change a layout lease on an open file
 * @filp: the open file description
 * @fd: the caller's descriptor of @filp, reported as si_fd on a break
 * @arg: F_LAYOUT | F_RDLCK, optionally with F_EXCLUSIVE;
 *       F_LAYOUT | F_UNLCK releases the layout lease
 *
 * Return: 0, or -EINVAL for a bad @arg or a file that is not regular,
 * -EACCES when the caller neither owns the file nor has CAP_LEASE,
 * -EAGAIN when another layout lease conflicts or a layout change of the
 * file is under way, -ENODEV while unloading.
 */
int ll_lease_set(struct file *filp, int fd, long arg)
{
	struct inode *inode = file_inode(filp);
	bool exclusive = arg & F_EXCLUSIVE;
	bool other, other_excl;
	struct ll_lease *ll;
	int ret;

	if ((arg & ~(long)(LL_SET_FLAGS | F_RDLCK | F_WRLCK | F_UNLCK)) ||
	    !(arg & F_LAYOUT))
		return -EINVAL;
	if ((arg & ~LL_SET_FLAGS) == F_UNLCK)
		return ll_lease_release(filp);
	if ((arg & ~LL_SET_FLAGS) != F_RDLCK)
		return -EINVAL;
	if (!ll_owner_ok(filp) && !capable(CAP_LEASE))
		return -EACCES;
	if (!S_ISREG(inode->i_mode))
		return -EINVAL;

	mutex_lock(&ll_set_mutex);
again:
	ll = ll_lookup(filp, &other, &other_excl);
	if (ll && ll->implicit) {
		ret = ll_lease_adopt(ll, filp, fd, exclusive, other);
		ll_lease_put(ll);
	} else if (ll) {
		ret = ll_lease_set_mode(ll, exclusive, other);
		ll_lease_put(ll);
		/* off the list now: not found again */
		if (ret == -ENOENT)
			goto again;
	} else if (ll_unloading) {
		ret = -ENODEV;
	} else if (other_excl || (exclusive && other) ||
		   ll_inode_changing(inode)) {
		ret = -EAGAIN;
	} else {
		ret = ll_lease_create(filp, fd, exclusive, false, NULL);
		/*
		 * A layout change that began between the check above and the
		 * insertion may have looked for leases to break before this
		 * one was there: withdraw it.
		 */
		if (!ret && ll_inode_changing(inode)) {
			ll_lease_release(filp);
			ret = -EAGAIN;
		}
	}
	mutex_unlock(&ll_set_mutex);
	return ret;
}

static int ll_lease_unlock(struct ll_lease *ll, struct file *filp)
{
	void *owner = ll;

	return vfs_setlease(filp, F_UNLCK, NULL, &owner);
}

/**
 * ll_lease_release() - release the layout lease of an open file
 * @filp: the open file description
 *
 * Return: 0; -EAGAIN when @filp holds no layout lease, or an implicit one
 * (it goes with its registrations); -EACCES, as for
 * classic leases, when the caller neither owns the file nor has CAP_LEASE.
 */
int ll_lease_release(struct file *filp)
{
	bool other, other_excl;
	struct ll_lease *ll;
	int ret = -EAGAIN;

	ll = ll_lookup(filp, &other, &other_excl);
	if (!ll)
		return -EAGAIN;
	/* an implicit lease is its registrations', not the file's */
	if (!READ_ONCE(ll->implicit))
		ret = ll_lease_unlock(ll, filp);
	ll_lease_put(ll);
	return ret;
}

/*
 * What F_GETLEASE says of @fl, the first lease of the open file that is not
 * the module's, as the kernel's fcntl_getlease() would (target_leasetype()):
 * F_UNLCK for a delegation (7.2's F_SETDELEG), which F_GETLEASE does not
 * report.  On 6.1 and 6.12 every lease of a user's open file that is not
 * the module's is a classic lease.
 */
static int ll_target_type(struct ll_file_lease *fl)
{
	if (!(ll_fl_flags(fl) & FL_LEASE))
		return F_UNLCK;
	if (ll_fl_flags(fl) & FL_UNLOCK_PENDING)
		return F_UNLCK;
	if (ll_fl_flags(fl) & FL_DOWNGRADE_PENDING)
		return F_RDLCK;
	return ll_fl_type(fl);
}

/**
 * ll_lease_get() - the F_GETLEASE value of an open file's layout lease
 * @filp: the open file description
 *
 * One look at the inode's list, under its flc_lock, as fcntl_getlease()
 * takes: the answer is what the list held at one moment.  (A lease looked
 * up first and read afterwards could have timed out in between, and a
 * removed lease read as held.)  While a lease is listed it is not
 * LL_GONE: the kernel unlinks a lease before it frees it.
 *
 * Return: F_LAYOUT with F_RDLCK, or with F_UNLCK once the lease is broken
 * or being removed, and F_EXCLUSIVE for an exclusive lease; for an
 * implicit lease (a registration's, not the caller's), what F_GETLEASE
 * says without it; -ENOENT when @filp holds no layout lease.
 */
int ll_lease_get(struct file *filp)
{
	struct file_lock_context *ctx = locks_inode_context(file_inode(filp));
	struct ll_file_lease *fl, *ours = NULL, *classic = NULL;
	struct ll_lease *ll;
	enum ll_state state;
	int ret = -ENOENT;

	if (!ctx)
		return -ENOENT;
	spin_lock(&ctx->flc_lock);
	ll_for_each_lease(fl, ctx) {
		if (ll_fl_file(fl) != filp)
			continue;
		if (!ll_is_ours(fl))
			classic = classic ?: fl;
		else if (ll_fl_flags(fl) & FL_LAYOUT)
			ours = ours ?: fl;
	}
	ll = ours ? ll_fl_lease(ours) : NULL;
	/* ll_lease_adopt() clears implicit under flc_lock */
	if (ll && READ_ONCE(ll->implicit)) {
		ret = classic ? ll_target_type(classic) : F_UNLCK;
	} else if (ll) {
		spin_lock(&ll_lock);
		state = ll->state;
		ret = F_LAYOUT | (ll->exclusive ? F_EXCLUSIVE : 0) |
		      (state == LL_ACTIVE ? F_RDLCK : F_UNLCK);
		spin_unlock(&ll_lock);
	}
	spin_unlock(&ctx->flc_lock);
	return ret;
}

/* ll_exclusive_conflict() under the inode's flc_lock */
static int ll_exclusive_conflict_locked(struct file_lock_context *ctx)
{
	struct ll_file_lease *fl;

	lockdep_assert_held(&ctx->flc_lock);
	ll_for_each_lease(fl, ctx) {
		struct ll_lease *ll = ll_fl_lease(fl);

		if (ll_is_ours(fl) && READ_ONCE(ll->exclusive) &&
		    !ll_current_owns(ll_fl_file(fl), ll->tgid))
			return -ETXTBSY;
	}
	return 0;
}

/**
 * ll_exclusive_conflict() - does an exclusive lease forbid the caller's
 *			     layout change?
 * @inode: the inode whose layout the caller is about to change
 *
 * Return: -ETXTBSY when an exclusive layout lease on @inode is not the
 * caller's (ll_current_owns()), else 0.
 */
int ll_exclusive_conflict(struct inode *inode)
{
	struct file_lock_context *ctx = locks_inode_context(inode);
	int ret;

	if (!ctx)
		return 0;
	spin_lock(&ctx->flc_lock);
	ret = ll_exclusive_conflict_locked(ctx);
	spin_unlock(&ctx->flc_lock);
	return ret;
}

/* What ll_inode_leases() found on an inode's list */
#define LL_OURS		BIT(0)	/* a lease of the module's */
#define LL_OURS_SET	BIT(1)	/* one of them set with F_SETLEASE */
#define LL_NOT_OURS	BIT(2)	/* a lease that is not the module's */

static unsigned int ll_inode_leases(struct inode *inode)
{
	struct file_lock_context *ctx = locks_inode_context(inode);
	struct ll_file_lease *fl;
	unsigned int found = 0;

	if (!ctx)
		return 0;
	spin_lock(&ctx->flc_lock);
	ll_for_each_lease(fl, ctx) {
		struct ll_lease *ll = ll_fl_lease(fl);

		if (!ll_is_ours(fl))
			found |= LL_NOT_OURS;
		else if (READ_ONCE(ll->implicit))
			found |= LL_OURS;
		else
			found |= LL_OURS | LL_OURS_SET;
	}
	spin_unlock(&ctx->flc_lock);
	return found;
}

/**
 * ll_inode_has_ours() - does @inode carry an explicit lease of the module?
 * @inode: the inode
 *
 * Implicit leases do not count: a filesystem's own layout break (XFS's
 * write) never conflicts with them.
 *
 * Return: true when one of the module's leases set with F_SETLEASE is on
 * @inode's list.
 */
bool ll_inode_has_ours(struct inode *inode)
{
	return ll_inode_leases(inode) & LL_OURS_SET;
}

/**
 * ll_inode_only_ours() - are all the leases of @inode the module's?
 * @inode: an inode a classic lease break (open for writing, truncate(2))
 *	   is about to look at
 *
 * The module's leases are layout leases, which no classic breaker
 * conflicts with: __break_lease() would allocate a lock, time out nothing
 * and find no conflict.
 *
 * Return: true when @inode carries leases and every one is the module's.
 */
bool ll_inode_only_ours(struct inode *inode)
{
	return (ll_inode_leases(inode) & (LL_OURS | LL_NOT_OURS)) == LL_OURS;
}

/*
 * Break @fl as __break_lease() breaks a lease, once: marked, then told.
 * Under flc_lock.  Return: whether it was not broken before.
 */
static bool ll_fl_break(struct ll_file_lease *fl)
{
	if (ll_fl_flags(fl) & (FL_UNLOCK_PENDING | FL_DOWNGRADE_PENDING))
		return false;
	ll_fl_add_flags(fl, FL_UNLOCK_PENDING);
	ll_lm_break(fl);	/* false: the lease stays, broken */
	return true;
}

/*
 * One walk of @inode's leases for a breaker, under flc_lock.  With @brk,
 * an exclusive lease of the module's that is not the caller's ends the
 * walk at once with -ETXTBSY, before it breaks anything: an exclusive
 * lease is never broken.  Otherwise the module's leases that conflict
 * with the caller are broken first, as
 * __break_lease() breaks a layout breaker's: each that the caller does
 * not own (ll_lm_breaker_owns_lease()) is marked FL_UNLOCK_PENDING and
 * broken, once.  The kernel's __break_lease() would allocate and free a
 * lock, and ask each lease twice, to do this.  Other managers' layout
 * leases (nfsd's) are the kernel's to break: *@others says whether there
 * are any.
 *
 * Return: where the break of the module's leases stands for the caller:
 * 0 when none conflicts, 1 while a broken one does, 2 when one conflicts
 * that nobody broke yet (set since, or not @brk), -ETXTBSY for an
 * exclusive lease that is not the caller's (@brk) or when one with pins
 * is refusing (its deadline passed and its pins could not be revoked).
 * An implicit lease conflicts only once broken
 * (ll_lease_break_implicit()), whoever the caller is.
 */
static int ll_break_walk(struct inode *inode, bool brk, bool *others)
{
	struct file_lock_context *ctx = locks_inode_context(inode);
	struct ll_file_lease *fl;
	int state = 0;

	*others = false;
	if (!ctx)
		return 0;
	spin_lock(&ctx->flc_lock);
	if (brk && ll_exclusive_conflict_locked(ctx)) {
		spin_unlock(&ctx->flc_lock);
		return -ETXTBSY;
	}
	ll_for_each_lease(fl, ctx) {
		struct ll_lease *ll = ll_fl_lease(fl);
		enum ll_state st;
		int one;

		if (!ll_is_ours(fl)) {
			*others |= ll_fl_flags(fl) & FL_LAYOUT;
			continue;
		}
		if (READ_ONCE(ll->implicit)) {
			st = READ_ONCE(ll->state);
			one = ll_state_broken(st) ? 1 : 0;
		} else if (ll_lm_breaker_owns_lease(fl)) {
			continue;
		} else {
			if (brk)
				ll_fl_break(fl);
			st = READ_ONCE(ll->state);
			one = st <= LL_ACTIVE ? 2 : 1;
		}
		if (st == LL_REFUSING && atomic_read(&ll->pins))
			one = -ETXTBSY;
		/* -ETXTBSY over 2 over 1 over 0 */
		state = state < 0 || one < 0 ? min(state, one) :
			max(state, one);
		/* a breaker breaks them all, and counts the others' */
		if (state < 0 && !brk)
			break;
	}
	spin_unlock(&ctx->flc_lock);
	return state;
}

/*
 * Where the break of @inode stands once no broken lease conflicts with the
 * caller any more: ll_break_walk()'s 0 or 2, or -ETXTBSY; -EWOULDBLOCK
 * (@nonblock) or -ERESTARTSYS (a signal) while one does.  The caller is on
 * ll_gone_wq from its first look on, as in wait_event_interruptible(), so
 * that the look right after the break is also the one it sleeps after;
 * *@slept says whether it did.  With @brk, the first look breaks
 * (ll_break_walk()); when it finds other managers' layout leases it
 * returns at once with *@others set, for the caller to break those
 * (awake: __break_lease() allocates) and to settle again without @brk.
 * Bounded by the lease's deadline, whose expiry wakes ll_gone_wq.
 */
static int ll_break_settle(struct inode *inode, bool nonblock, bool brk,
			   bool *others, bool *slept)
{
	DEFINE_WAIT(wait);
	int state;

	for (;;) {
		if (!nonblock)
			prepare_to_wait(&ll_gone_wq, &wait, TASK_INTERRUPTIBLE);
		state = ll_break_walk(inode, brk, others);
		if ((brk && *others) || state != 1)
			break;
		brk = false;
		if (nonblock) {
			state = -EWOULDBLOCK;
			break;
		}
		if (signal_pending(current)) {
			state = -ERESTARTSYS;
			break;
		}
		schedule();
		*slept = true;
	}
	finish_wait(&ll_gone_wq, &wait);
	return state;
}

/**
 * ll_break_wait() - break the layout leases of @inode and wait, bounded
 * @inode: the inode whose layout is about to change
 * @nonblock: start the break, do not wait
 *
 * Breaks every layout lease of @inode the caller does not own, unless an
 * exclusive lease of the module's is not the caller's: then -ETXTBSY.
 * Each walk that breaks looks for one first (ll_break_walk()): at the
 * first, nothing is broken yet; one that appears during the wait (set
 * meanwhile by a breaker that records no change, such as a kernel thread,
 * or whose owner changed) ends the wait with -ETXTBSY, and is not broken,
 * as no exclusive lease is.  The wait
 * for the module's own leases is the module's, so that it ends by the
 * lease's deadline whatever the lease's pins do: when the lease goes, or
 * with -ETXTBSY when its pins cannot be revoked (revoke=wait, or holders
 * that the owner may not kill or that did not exit within the grace).
 * Other layout leases (nfsd's) are waited for as the kernel does.
 *
 * Return: 0, -ETXTBSY, -EWOULDBLOCK (@nonblock) or -ERESTARTSYS.
 */
int ll_break_wait(struct inode *inode, bool nonblock)
{
	bool others, slept;
	int ret, state;

	for (;;) {
		/*
		 * The module's own break and wait, for its broken leases,
		 * implicit ones too, which no breaker's conflict test counts
		 */
		ret = 0;
		slept = false;
		state = ll_break_settle(inode, nonblock, true, &others, &slept);
		if (others) {
			/* others' through the kernel, past its hook (back here) */
			ret = ll_break_layout_leases(call_break_lease, inode,
						     true);
			if (ret && ret != -EWOULDBLOCK)
				return ret;
			state = ll_break_settle(inode, nonblock, false, &others,
						&slept);
		}
		if (state < 0)
			return state;
		if (state == 2 && nonblock)
			return -EWOULDBLOCK;
		/*
		 * 2: one set since the break (or whose owner changed since),
		 * to be broken too; after a sleep, other managers' leases may
		 * have come meanwhile
		 */
		if (state == 2)
			cond_resched();
		if (state == 2 || slept)
			continue;
		/*
		 * None of the module's conflicts: the kernel waits for the
		 * others' (nfsd's); a non-blocking breaker has its answer.
		 */
		return ret && !nonblock ?
		       ll_break_layout_leases(call_break_lease, inode, false) :
		       ret;
	}
}

/**
 * ll_break_layout_nowait() - start breaking the layout leases of an inode
 * @inode: the inode whose layout is about to change
 *
 * For a filesystem that is about to wait for busy DAX pages: the holders
 * are told, nobody waits here.  Nothing is broken when an exclusive lease
 * is not the caller's (ll_exclusive_conflict()).
 */
void ll_break_layout_nowait(struct inode *inode)
{
	bool others;

	ll_break_walk(inode, true, &others);
	if (others)
		ll_break_layout_leases(call_break_lease, inode, true);
}

/**
 * ll_change_begin() - a layout change of @inode starts, with its break
 * @change: the caller's record, alive until ll_change_end()
 * @inode: the inode
 * @start: first byte whose blocks the change may free or move
 * @end: last such byte, inclusive; @start > @end when it frees none
 * @reads: a remap's source, whose blocks in the range become shared: it
 *	   breaks none of the module's leases (ll_change_reads())
 *
 * Until it ends, new layout leases on @inode are refused.  A lease taken
 * meanwhile would never be told: __break_lease() breaks leases on its
 * first pass only and then waits for any conflicting one, and a
 * filesystem may wait for pinned DAX pages before it breaks again.
 */
void ll_change_begin(struct ll_change *change, struct inode *inode,
		     loff_t start, loff_t end, bool reads)
{
	change->inode = inode;
	change->task = current;
	change->start = start;
	change->end = end;
	change->reads = reads;
	if (reads)
		atomic_inc(&ll_changes_reading);
	spin_lock(&ll_change_lock);
	hash_add(ll_changes, &change->node, (unsigned long)inode);
	spin_unlock(&ll_change_lock);
	/*
	 * Before the caller looks for leases to break, which it may do
	 * without a lock (ll_inode_has_leases()): pairs with the barrier of
	 * ll_inode_changing(), which a lease's setter calls once its lease is
	 * on the list.  Of the two, one sees the other.
	 */
	smp_mb();
}

/**
 * ll_change_end() - the layout change of ll_change_begin() is done
 * @change: as given to ll_change_begin()
 */
void ll_change_end(struct ll_change *change)
{
	spin_lock(&ll_change_lock);
	hash_del(&change->node);
	spin_unlock(&ll_change_lock);
	if (change->reads)
		atomic_dec(&ll_changes_reading);
}

/*
 * The bucket of ll_changes that holds @inode's changes, or NULL when it is
 * empty, as for most inodes: read without ll_change_lock, which the
 * caller takes to walk a bucket it got (other inodes' changes too).  A
 * caller that asks about other tasks' changes is ordered against their
 * ll_change_begin() by a barrier of its own (ll_inode_changing()) or by a
 * lock that both sides take (ll_pin_lock, lease_pin.c); current's own
 * changes it sees in program order.
 */
static struct hlist_head *ll_changes_of(struct inode *inode)
{
	struct hlist_head *bucket;

	bucket = &ll_changes[hash_min((unsigned long)inode,
				      HASH_BITS(ll_changes))];
	return hlist_empty(bucket) ? NULL : bucket;
}

/**
 * ll_change_of_current() - is current changing the layout of @inode?
 * @inode: the inode
 * @start: set to the first byte the change may free or move
 * @end: set to the last such byte (@start > @end: none)
 *
 * Return: true when current has begun a layout change of @inode; the range
 * is then the smallest that covers all of current's changes of @inode.
 */
bool ll_change_of_current(struct inode *inode, loff_t *start, loff_t *end)
{
	struct hlist_head *bucket = ll_changes_of(inode);
	struct ll_change *change;
	bool found = false;

	*start = LLONG_MAX;	/* empty until a change frees something */
	*end = -1;
	if (!bucket)
		return false;
	spin_lock(&ll_change_lock);
	hlist_for_each_entry(change, bucket, node) {
		if (change->inode != inode || change->task != current)
			continue;
		found = true;
		if (change->start <= change->end) {
			*start = min(*start, change->start);
			*end = max(*end, change->end);
		}
	}
	spin_unlock(&ll_change_lock);
	return found;
}

/**
 * ll_change_reads() - is current only sharing the blocks of @inode?
 * @inode: the inode
 *
 * A remap's source (ll_change_begin() with @reads) breaks none of the
 * module's leases of @inode: reading a file is all a reflink from it
 * needs, and its pins in the shared range refuse the remap instead.
 *
 * Return: true when current has begun changes of @inode, each of them a
 * remap's source.
 */
bool ll_change_reads(struct inode *inode)
{
	struct hlist_head *bucket;
	struct ll_change *change;
	bool found = false, reads = true;

	/* asked of every lease a break meets: current's would be counted */
	if (!atomic_read(&ll_changes_reading))
		return false;
	bucket = ll_changes_of(inode);
	if (!bucket)
		return false;
	spin_lock(&ll_change_lock);
	hlist_for_each_entry(change, bucket, node) {
		if (change->inode != inode || change->task != current)
			continue;
		found = true;
		reads &= change->reads;
	}
	spin_unlock(&ll_change_lock);
	return found && reads;
}

/**
 * ll_inode_changing() - is a layout change of @inode under way?
 * @inode: the inode
 *
 * A remap's source (ll_change_reads()) does not count: it breaks no lease
 * of the module's, so a lease taken meanwhile misses nothing, and its
 * range's pins refuse it (ll_change_reads_over()).
 *
 * Return: true between ll_change_begin() and ll_change_end() of anyone.
 */
bool ll_inode_changing(struct inode *inode)
{
	struct ll_change *change;
	struct hlist_head *bucket;
	bool changing = false;

	/* the caller's lease on the list before the look: ll_change_begin() */
	smp_mb();
	bucket = ll_changes_of(inode);
	if (!bucket)
		return false;
	spin_lock(&ll_change_lock);
	hlist_for_each_entry(change, bucket, node)
		changing |= change->inode == inode && !change->reads;
	spin_unlock(&ll_change_lock);
	return changing;
}

/**
 * ll_change_reads_over() - is a remap sharing blocks of @inode in a range?
 * @inode: the inode
 * @start: first byte of the range
 * @end: last byte of the range, inclusive
 *
 * For a new pin of DAX pages, under ll_pin_lock: the remap checked for
 * pins when it began, and would otherwise share, or wait for, one that
 * came after.
 *
 * Return: true while anyone's remap has @inode for its source, over bytes
 * of [@start, @end].
 */
bool ll_change_reads_over(struct inode *inode, loff_t start, loff_t end)
{
	struct hlist_head *bucket = ll_changes_of(inode);
	struct ll_change *change;
	bool over = false;

	if (!bucket)
		return false;
	spin_lock(&ll_change_lock);
	hlist_for_each_entry(change, bucket, node)
		over |= change->inode == inode && change->reads &&
			change->start <= end && start <= change->end;
	spin_unlock(&ll_change_lock);
	return over;
}

/*
 * Arm the hrtimer that queues the expiry work for @deadline, unless it is
 * set for no later.  Under ll_lock, so that two arms do not race; the
 * timer does not fire early, and its slack is LL_EXPIRE_SLACK: it fires
 * between its soft expiry and LL_EXPIRE_SLACK after it.  One whose soft
 * expiry is no later than @deadline fires by @deadline + LL_EXPIRE_SLACK
 * too, and stays: breaks that follow each other within the slack arm it
 * once (if it fires before @deadline, the work arms it again for the
 * nearest deadline left).  A deadline already past at @now, the caller's
 * reading of the monotonic clock (a lease the last run could not move
 * on), is retried a tick later, not in a busy loop.
 */
#define LL_EXPIRE_SLACK		NSEC_PER_MSEC

static void ll_expire_arm(ktime_t deadline, ktime_t now)
{
	lockdep_assert_held(&ll_lock);
	if (ll_work_stopped)
		return;
	if (!ktime_after(deadline, now))
		deadline = ktime_add_ns(now, TICK_NSEC);
	if (hrtimer_is_queued(&ll_expire_timer) &&
	    !ktime_before(deadline,
			  hrtimer_get_softexpires(&ll_expire_timer)))
		return;
	hrtimer_start_range_ns(&ll_expire_timer, deadline, LL_EXPIRE_SLACK,
			       HRTIMER_MODE_ABS);
}

static enum hrtimer_restart ll_expire_timer_fn(struct hrtimer *timer)
{
	ll_expire_now();
	return HRTIMER_NORESTART;
}

/* lm_break: called under flc_lock when a breaker conflicts with @fl. */
static bool ll_lm_break(struct ll_file_lease *fl)
{
	struct ll_lease *ll = ll_fl_lease(fl);
	bool broken;

	spin_lock(&ll_lock);
	broken = ll_set_state(ll, LL_BREAKING);
	spin_unlock(&ll_lock);
	fl->fl_break_time = jiffies + LL_NEVER;
	if (!broken)
		return false;	/* being removed already */

	/*
	 * The signal first: whoever sees the break counted or traced may
	 * count on the owner's signal being queued already.  An implicit
	 * lease (broken by an administrator) has nobody to tell.
	 */
	if (!READ_ONCE(ll->implicit))
		ll_owner_notify(fl);
	atomic64_inc(&ll_stats.breaks);
	trace_layoutlease_break(ll);
	return false;		/* keep the lease until released or expired */
}

/*
 * The owner's own layout changes do not break its own lease.  An implicit
 * lease conflicts with no breaker of the kernel's: the module breaks it
 * for the changes that free or move its pins (ll_lease_break_implicit()).
 * Nor does a remap's source break any (ll_change_reads()); other lease
 * managers' layouts of it break as the kernel has it.  Under flc_lock,
 * which ll_change_lock nests in.
 */
static bool ll_lm_breaker_owns_lease(struct ll_file_lease *fl)
{
	struct ll_lease *ll = ll_fl_lease(fl);

	return READ_ONCE(ll->implicit) ||
	       ll_current_owns(ll_fl_file(fl), ll->tgid) ||
	       ll_change_reads(ll->inode);
}

/*
 * lm_setup: the kernel inserted the lease, under the flc_lock it still
 * holds, so that nobody saw it before it is active and listed by id.  An
 * implicit lease leaves the file's owner (F_SETOWN) alone.
 */
static void ll_lm_setup(struct ll_file_lease *fl, void **priv)
{
	struct ll_lease *ll = ll_fl_lease(fl);

	spin_lock(&ll_lock);
	rb_add(&ll->id_node, &ll_lease_ids, ll_id_less);
	ll_set_state(ll, LL_ACTIVE);
	spin_unlock(&ll_lock);
	if (!ll->implicit)
		ll_owner_default(fl);
}

/*
 * lm_change: generic_delete_lease() found the lease an F_UNLCK names.
 * Without a free callback, this lease_modify() is not redirected (the
 * call comes from the module): the removal is noted here.
 */
static int ll_lm_change(struct ll_file_lease *fl, int arg,
			struct list_head *dispose)
{
	struct ll_lease *ll = ll_fl_lease(fl);
	int ret;

	/* the owner's F_UNLCK; the module's own is refused by the states */
	if (arg == F_UNLCK) {
		spin_lock(&ll_lock);
		ll_set_state(ll, LL_RELEASED);
		spin_unlock(&ll_lock);
	}
	ret = call_lease_modify(fl, arg, dispose);
	if (!ret && arg == F_UNLCK)
		ll_lease_unlisted(ll);
	return ret;
}

static void ll_report_end(struct ll_lease *ll, bool timed_out)
{
	if (!timed_out) {
		trace_layoutlease_release(ll);
		return;
	}
	atomic64_inc(&ll_stats.timeouts);
	trace_layoutlease_timeout(ll);
	pr_warn_ratelimited("lease %llu of pid %d on %u:%u:%lu not released within %u ms of the break; removed\n",
			    ll->id, ll->pid, MAJOR(ll->dev), MINOR(ll->dev),
			    ll->ino, ll->break_ms);
	if (atomic_read(&ll->pins))
		pr_warn_ratelimited("lease %llu: %d pins of %ld pages left in place (revoke=unlock)\n",
				    ll->id, atomic_read(&ll->pins),
				    atomic_long_read(&ll->pages));
}

/*
 * The kernel dropped the lease of @ll: drop the reference its file_lock
 * held.  With a free callback (6.1) this runs once, when the file_lock is
 * freed, outside flc_lock.  Without one (6.9+) it runs under the inode's
 * flc_lock when the lease leaves the inode's list, and may run again for
 * the same lease; where the reference it drops is the last one (the
 * lease_modify() hook, at the file's last close), the lease's file still
 * holds the inode (ll_lease_free_unlisted()).
 */
static void ll_lease_gone(struct ll_lease *ll)
{
	enum ll_state was;
	bool timed_out;

	spin_lock(&ll_lock);
	was = ll->state;
	if (was == LL_GONE) {
		spin_unlock(&ll_lock);
		return;
	}
	timed_out = was == LL_EXPIRING;
	ll_set_state(ll, LL_GONE);
	spin_unlock(&ll_lock);

	if (was != LL_SETTING)
		ll_report_end(ll, timed_out);
	ll_wake_gone();
	kref_put(&ll->ref, LL_LEASE_FREE_CALLBACK ? ll_lease_free :
						    ll_lease_free_unlisted);
}

/*
 * The kernel took @ll's lease off its inode's list.  Where it frees a lease
 * with a callback (6.1's fl_release_private, LL_LEASE_FREE_CALLBACK), the
 * callback says the lease is gone; elsewhere (6.9+) this does.  The one
 * place the lease code tells the two apart.
 */
static void ll_lease_unlisted(struct ll_lease *ll)
{
	if (!LL_LEASE_FREE_CALLBACK)
		ll_lease_gone(ll);
}

/* fl_release_private (6.1): the kernel frees the file_lock of a lease. */
static void ll_lease_freed(struct file_lock *fl)
{
	ll_lease_gone(ll_lock_lease(fl));
}

/**
 * ll_lease_unlinked() - lease_modify() removed a lease of the module
 * @fl: the lease, off its inode's list, not yet freed
 *
 * For kernels that free a lease without a callback (LL_LEASE_FREE_CALLBACK
 * is false): called under the inode's flc_lock by the lease_modify() hook
 * for every removal the module did not ask for itself, such as the last
 * close of the file or a breaker's timeout.
 */
static void ll_lease_unlinked(struct ll_file_lease *fl)
{
	ll_lease_gone(ll_fl_lease(fl));
}

static const struct file_lock_operations ll_fl_ops = {
	.fl_release_private = ll_lease_freed,
};

static const struct ll_lease_manager_operations ll_lm_ops = {
	.lm_break = ll_lm_break,
	.lm_change = ll_lm_change,
	.lm_setup = ll_lm_setup,
	.lm_breaker_owns_lease = ll_lm_breaker_owns_lease,
	LL_LM_OPEN_CONFLICT
};

/**
 * ll_lease_admin_break() - break a lease on an administrator's word
 * @id: the lease's id, as /proc/fs/layoutlease/leases shows it
 *
 * The owner is told as for any break, and the lease goes at its deadline
 * as revoke says: an exclusive lease becomes shared, so that a file's
 * owner cannot deny root's layout changes for ever.
 *
 * Return: 0 (also for a lease already broken), or -ENOENT when no lease
 * has that id.
 */
int ll_lease_admin_break(u64 id)
{
	struct file_lock_context *ctx;
	struct ll_lease *ll;
	struct ll_file_lease *fl;
	int ret = -ENOENT;

	spin_lock(&ll_lock);
	ll = ll_find_id(id);
	if (ll && ll->id != id)
		ll = NULL;
	if (ll)
		kref_get(&ll->ref);
	spin_unlock(&ll_lock);
	if (!ll)
		return -ENOENT;
	ctx = locks_inode_context(ll->inode);
	spin_lock(&ctx->flc_lock);
	fl = ll_listed(ll);
	if (fl) {
		ret = 0;
		spin_lock(&ll_lock);
		ll->exclusive = false;
		spin_unlock(&ll_lock);
		if (ll_fl_break(fl))
			pr_info("lease %llu of pid %d on %u:%u:%lu broken by pid %d\n",
				ll->id, ll->pid, MAJOR(ll->dev), MINOR(ll->dev),
				ll->ino, task_tgid_nr(current));
	}
	spin_unlock(&ctx->flc_lock);
	ll_lease_put(ll);
	return ret;
}

/*
 * The fcntl(2) entry points, hooked before they run (LL_HOOK_PRE: both are
 * sealed on CET-IBT kernels, so the module never calls them): F_LAYOUT
 * requests are answered here, every other request runs as without the
 * module.
 */
static bool hook_fcntl = true;
module_param(hook_fcntl, bool, 0444);
MODULE_PARM_DESC(hook_fcntl,
		 "Take F_LAYOUT through fcntl(F_SETLEASE/F_GETLEASE) (default: on)");

/* fcntl_setlease(fd, filp, arg) */
static bool ll_setlease_pre(const unsigned long *args, long *ret)
{
	struct file *filp = (struct file *)args[1];
	ll_setlease_arg arg = (ll_setlease_arg)args[2];
	int err;

	/* the common case, a classic release of a file with no lease at all */
	if (arg == F_UNLCK && !ll_inode_has_leases(file_inode(filp)))
		return false;
	if (arg == F_UNLCK) {
		err = ll_lease_release(filp);
		if (err == -EAGAIN)
			return false;	/* no layout lease: the kernel's F_UNLCK */
		/* a classic lease of the same file goes too, as it would */
		if (!err && ll_inode_has_leases(file_inode(filp)))
			vfs_setlease(filp, F_UNLCK, NULL, (void **)&filp);
		*ret = err;
		return true;
	}
	if (!(arg & ~(long)(F_RDLCK | F_WRLCK | F_UNLCK)))
		return false;
	*ret = ll_lease_set(filp, (int)args[0], arg);
	return true;
}

/*
 * fcntl_setlease()'s filter: a classic request, or a release on a file
 * without any lease, costs a lockless look at the inode's lease list.
 */
static bool ll_setlease_wanted(const unsigned long *args)
{
	struct file *filp = (struct file *)args[1];
	ll_setlease_arg arg = (ll_setlease_arg)args[2];

	if (arg == F_UNLCK)
		return ll_inode_has_leases(file_inode(filp));
	return arg & ~(long)(F_RDLCK | F_WRLCK | F_UNLCK);
}

/* fcntl_getlease(filp) */
static bool ll_getlease_pre(const unsigned long *args, long *ret)
{
	struct file *filp = (struct file *)args[0];
	int type;

	/* lockless: no lease on the file, nothing for the module to say */
	if (!ll_inode_has_leases(file_inode(filp)))
		return false;
	type = ll_lease_get(filp);
	if (type < 0)
		return false;
	*ret = type;
	return true;
}

/* Under the caller's flc_lock, like the lease_modify() it wraps. */
static int ll_lease_modify(struct ll_file_lease *fl, int arg,
			   struct list_head *dispose)
{
	int ret;

	ll_hook_enter();
	ret = orig_lease_modify(fl, arg, dispose);
	if (!ret && arg == F_UNLCK)
		ll_lease_unlinked(fl);
	ll_hook_leave();
	return ret;
}

/* lease_modify(fl, F_UNLCK, ...) removing one of the module's leases */
static bool ll_want_lease_modify(unsigned long *args)
{
	void *fl = (void *)ll_hook_arg(args, 0);

	return (int)ll_hook_arg(args, 1) == F_UNLCK && ll_is_ours(fl);
}

static struct ll_hook ll_lease_hooks[] = {
	LL_PRE_IF("fcntl_setlease", ll_setlease_wanted, ll_setlease_pre),
	/* its trampoline lets a file without leases by at once */
	LL_PRE_LEASED("fcntl_getlease", ll_getlease_pre),
	/* only where the kernel frees a lease without a callback (6.9+) */
	LL_WRAP("lease_modify", ll_want_lease_modify, ll_lease_modify,
		&orig_lease_modify),
	/* the module's own calls, past the WRAPs */
	LL_CALL("lease_modify", &call_lease_modify),
	LL_CALL("__break_lease", &call_break_lease),
};

static struct ll_hook_table ll_lease_hook_table = {
	.module = NULL,
	.hooks = ll_lease_hooks,
	.count = ARRAY_SIZE(ll_lease_hooks),
};

/**
 * ll_lease_hooks_init() - choose the lease hooks this kernel needs
 *
 * Return: the table to install.
 */
struct ll_hook_table *ll_lease_hooks_init(void)
{
	ll_lease_hooks[0].off = !hook_fcntl;
	ll_lease_hooks[1].off = !hook_fcntl;
	ll_lease_hooks[2].off = LL_LEASE_FREE_CALLBACK;
	return &ll_lease_hook_table;
}

/*
 * The next broken lease @match selects, moved to state @to (so that it is
 * not selected again), with a reference.
 */
static struct ll_lease *ll_next(bool (*match)(struct ll_lease *),
				enum ll_state to)
{
	struct ll_lease *ll;

	spin_lock(&ll_lock);
	list_for_each_entry(ll, &ll_broken, node) {
		if (!match(ll) || !ll_set_state(ll, to))
			continue;
		kref_get(&ll->ref);
		spin_unlock(&ll_lock);
		return ll;
	}
	spin_unlock(&ll_lock);
	return NULL;
}

/*
 * A reference on the file of @ll, or NULL once the lease is gone.  Without
 * a free callback, a lease that left the list unseen (removed after the
 * hooks were, at unload) is noted gone here.
 */
static struct file *ll_get_file(struct ll_lease *ll)
{
	struct file_lock_context *ctx = locks_inode_context(ll->inode);
	struct file *filp = NULL;
	struct ll_file_lease *fl;

	spin_lock(&ctx->flc_lock);
	fl = ll_listed(ll);
	if (fl && ll_get_file_unless_zero(ll_fl_file(fl)))
		filp = ll_fl_file(fl);
	else if (!fl)
		ll_lease_unlisted(ll);
	spin_unlock(&ctx->flc_lock);
	return filp;
}

/* Remove @ll as the kernel: not its owner.  Drops the caller's reference. */
static void ll_unlock_put(struct ll_lease *ll)
{
	const struct cred *old;
	struct file *filp;

	filp = ll_get_file(ll);
	if (filp) {
		old = override_creds(ll_cred);
		ll_lease_unlock(ll, filp);
		revert_creds(old);
		fput(filp);
	}
	ll_lease_put(ll);
}

/*
 * Remove every broken lease @match selects, as the kernel: not its owner.
 * Each moves to @to first (LL_EXPIRING).
 */
static void ll_unlock_matching(bool (*match)(struct ll_lease *),
			       enum ll_state to)
{
	struct ll_lease *ll;

	while ((ll = ll_next(match, to)))
		ll_unlock_put(ll);
}

static bool ll_past(struct ll_lease *ll)
{
	return ll->state == LL_BREAKING &&
	       !ktime_before(ktime_get(), ll->deadline);
}

/*
 * Past its deadline with no pins, or with pins that revoke=unlock leaves;
 * or revoked or refusing, and the last pin gone.
 */
static bool ll_expired(struct ll_lease *ll)
{
	if (ll->state == LL_REVOKING || ll->state == LL_REFUSING)
		return !atomic_read(&ll->pins);
	return ll_past(ll) &&
	       (!atomic_read(&ll->pins) || ll_how(ll) == LL_REVOKE_UNLOCK);
}

static bool ll_to_revoke(struct ll_lease *ll)
{
	enum ll_revoke how = ll_how(ll);

	return ll_past(ll) && atomic_read(&ll->pins) &&
	       (how == LL_REVOKE_FENCE || how == LL_REVOKE_KILL);
}

/*
 * Pins that stay past the bound: revoke=wait at the deadline, revoke=fence
 * or kill once the fence had the grace to finish or the killed to exit.
 * Under ll_lock.
 */
static bool ll_to_refuse(struct ll_lease *ll)
{
	if (!atomic_read(&ll->pins))
		return false;
	if (ll->state == LL_REVOKING)
		return !ktime_before(ktime_get(), ll->revoke_end);
	return ll_past(ll) && ll_how(ll) == LL_REVOKE_WAIT;
}

/* Breakers of leases whose pins stay get ETXTBSY: wake them. */
static void ll_refuse_stuck(void)
{
	struct ll_lease *ll;
	bool any = false;

	spin_lock(&ll_lock);
	list_for_each_entry(ll, &ll_broken, node) {
		if (!ll_to_refuse(ll) || !ll_set_state(ll, LL_REFUSING))
			continue;
		any = true;
		pr_warn_ratelimited("lease %llu on %u:%u:%lu: %d pins stay past the break timeout; its breakers get ETXTBSY\n",
				    ll->id, MAJOR(ll->dev), MINOR(ll->dev),
				    ll->ino, atomic_read(&ll->pins));
	}
	spin_unlock(&ll_lock);
	if (any)
		ll_wake_gone();
}

/* Fence or kill the holders of the pins under expired leases. */
static void ll_revoke_expired(void)
{
	enum ll_revoke how;
	struct ll_lease *ll;
	int killed;

	while ((ll = ll_next(ll_to_revoke, LL_REVOKING))) {
		how = ll_how(ll);
		trace_layoutlease_revoke(ll);
		/* counted where each is done, before it takes effect */
		killed = ll_revoke_pins(ll, how);
		if (!killed)
			pr_warn_ratelimited("lease %llu on %u:%u:%lu: no holder of its %d pins found to revoke; waiting for them\n",
					    ll->id, MAJOR(ll->dev),
					    MINOR(ll->dev), ll->ino,
					    atomic_read(&ll->pins));
		if (!atomic_read(&ll->pins))
			ll_expire_now();
		ll_lease_put(ll);
	}
}

/*
 * The module alone times leases out (fl_break_time is out of reach): it
 * removes expired leases, or first revokes their pins (revoke=kill).
 */
static void ll_expire_fn(struct work_struct *work)
{
	struct ll_lease *ll;
	ktime_t next = 0;
	bool any = false;

	ll_revoke_expired();
	ll_unlock_matching(ll_expired, LL_EXPIRING);
	ll_refuse_stuck();
	spin_lock(&ll_lock);
	list_for_each_entry(ll, &ll_broken, node) {
		ktime_t when;

		/* a refusing lease waits for its last unpin, which kicks */
		if (ll->state == LL_REVOKING)
			when = ll->revoke_end;
		else if (ll->state == LL_BREAKING)
			when = ll->deadline;	/* past: a tick later */
		else
			continue;
		if (!any || ktime_before(when, next))
			next = when;
		any = true;
	}
	/* revoke=wait too: a lease without pins goes at its deadline */
	if (any)
		ll_expire_arm(next, ktime_get());
	spin_unlock(&ll_lock);
}

/* Every lease, moved to LL_UNLOADING and removed; by id, each once. */
static void ll_unlock_all(void)
{
	struct rb_node *n;
	struct ll_lease *ll;
	u64 id = 0;

	for (;;) {
		spin_lock(&ll_lock);
		ll = ll_find_id(id);
		/* those being removed already (their file closing) stay */
		while (ll && !ll_set_state(ll, LL_UNLOADING)) {
			n = rb_next(&ll->id_node);
			ll = n ? rb_entry(n, struct ll_lease, id_node) : NULL;
		}
		if (ll)
			kref_get(&ll->ref);
		spin_unlock(&ll_lock);
		if (!ll)
			return;
		id = ll->id + 1;
		ll_unlock_put(ll);
	}
}

/**
 * ll_lease_find_get() - the lease with the lowest id from @id on
 * @id: where to start
 *
 * For walks that look at each lease in turn (/proc): no lock is held
 * between two leases.
 *
 * Return: the lease, with a reference, or NULL when there is none.
 */
struct ll_lease *ll_lease_find_get(u64 id)
{
	struct ll_lease *ll;

	spin_lock(&ll_lock);
	ll = ll_find_id(id);
	if (ll)
		kref_get(&ll->ref);
	spin_unlock(&ll_lock);
	return ll;
}

/**
 * ll_lease_next_get() - the lease after @ll by id
 * @ll: a lease the caller holds a reference on, which it keeps
 *
 * One step through the tree while @ll is in it; a search from its id on
 * once it is gone.
 *
 * Return: the next lease, with a reference, or NULL when there is none.
 */
struct ll_lease *ll_lease_next_get(struct ll_lease *ll)
{
	struct ll_lease *next;
	struct rb_node *n;

	spin_lock(&ll_lock);
	if (ll->state != LL_GONE) {
		n = rb_next(&ll->id_node);
		next = n ? rb_entry(n, struct ll_lease, id_node) : NULL;
	} else {
		next = ll_find_id(ll->id + 1);
	}
	if (next)
		kref_get(&next->ref);
	spin_unlock(&ll_lock);
	return next;
}

/**
 * ll_leases_listed() - how many leases are listed (ll_state_listed())
 *
 * Return: the count, for /proc/fs/layoutlease/stats.
 */
unsigned int ll_leases_listed(void)
{
	return atomic_read(&ll_listed_count);
}

/**
 * ll_leases_snapshot() - take references on the leases in some states
 * @states: a mask of BIT(enum ll_state)
 * @count: set to how many are in the array
 *
 * For walks that look at each lease under its inode's flc_lock, which
 * nests outside ll_lock.  Leases set meanwhile are not in it.
 *
 * Return: the array, for ll_leases_snapshot_put(), or ERR_PTR(-ENOMEM).
 */
struct ll_lease **ll_leases_snapshot(unsigned int states, unsigned int *count)
{
	struct ll_lease **snap, *ll, *tmp;
	unsigned int n = 0, max = 0;

	spin_lock(&ll_lock);
	rbtree_postorder_for_each_entry_safe(ll, tmp, &ll_lease_ids, id_node)
		max++;
	spin_unlock(&ll_lock);
	snap = kvmalloc_array(max ? max : 1, sizeof(*snap), GFP_KERNEL);
	if (!snap)
		return ERR_PTR(-ENOMEM);
	spin_lock(&ll_lock);
	rbtree_postorder_for_each_entry_safe(ll, tmp, &ll_lease_ids, id_node) {
		if (n == max)
			break;
		if (!(states & BIT(ll->state)))
			continue;
		kref_get(&ll->ref);
		snap[n++] = ll;
	}
	spin_unlock(&ll_lock);
	*count = n;
	return snap;
}

/**
 * ll_leases_snapshot_put() - drop what ll_leases_snapshot() took
 * @snap: its array
 * @count: its count
 */
void ll_leases_snapshot_put(struct ll_lease **snap, unsigned int count)
{
	while (count--)
		ll_lease_put(snap[count]);
	kvfree(snap);
}

/*
 * Leases being removed at unload that are still there: try again.  The
 * file of one was closing (from 6.9 on, after the hooks went, the kernel
 * unlists a lease silently: ll_get_file() notes it gone).  So may the file
 * of a lease that was being removed by others already (released, such as
 * an implicit lease whose last pin went, or expiring), which the unload
 * does not take over: they are looked at too.
 */
static void ll_unlock_unloading(void)
{
	const struct cred *old;
	struct ll_lease **snap;
	struct file *filp;
	unsigned int i, n;

	snap = ll_leases_snapshot(BIT(LL_UNLOADING) | BIT(LL_RELEASED) |
				  BIT(LL_EXPIRING), &n);
	if (IS_ERR(snap))
		return;
	for (i = 0; i < n; i++) {
		filp = ll_get_file(snap[i]);
		if (!filp)
			continue;
		old = override_creds(ll_cred);
		ll_lease_unlock(snap[i], filp);
		revert_creds(old);
		fput(filp);
	}
	ll_leases_snapshot_put(snap, n);
}

/**
 * ll_leases_init() - prepare the credentials the module removes leases
 *		      with, and the cache leases come from
 * @revoke: fences or kills the holders of a lease's pins, returns how
 *          many files or processes
 *
 * Return: 0 or -ENOMEM.
 */
int ll_leases_init(int (*revoke)(struct ll_lease *ll, enum ll_revoke how))
{
	ll_revoke_pins = revoke;
	ll_hrtimer_setup(&ll_expire_timer, ll_expire_timer_fn, CLOCK_MONOTONIC,
			 HRTIMER_MODE_ABS);
	ll_lease_cache = KMEM_CACHE(ll_lease, 0);
	ll_cred = ll_lease_cache ? ll_kernel_cred() : NULL;
	if (!ll_cred) {
		kmem_cache_destroy(ll_lease_cache);
		return -ENOMEM;
	}
	/* a revoke= given to insmod, before init, queued nothing */
	spin_lock(&ll_lock);
	ll_work_stopped = false;
	spin_unlock(&ll_lock);
	return 0;
}

/**
 * ll_leases_exit() - free the cache of leases, once none is left
 *
 * After ll_leases_shutdown() and ll_pins_shutdown(): pin records hold
 * references on their leases.
 */
void ll_leases_exit(void)
{
	kmem_cache_destroy(ll_lease_cache);
}

/**
 * ll_leases_shutdown() - remove every layout lease, for module unload
 *
 * No lease can be created after this starts.  Breakers waiting for a lease
 * are woken by its removal.  Returns once the kernel freed every file_lock
 * that points to the module's callbacks (from 6.9 on: once none is on an
 * inode's list; a file_lease the kernel has yet to free is not read again).
 */
void ll_leases_shutdown(void)
{
	mutex_lock(&ll_set_mutex);
	ll_unloading = true;
	mutex_unlock(&ll_set_mutex);

	/* leases of files in __fput() go away by themselves */
	do {
		ll_unlock_all();
		ll_unlock_unloading();
	} while (!wait_event_timeout(ll_gone_wq, RB_EMPTY_ROOT(&ll_lease_ids),
				     HZ / 20));
	/* a write of the revoke parameter must not queue it again */
	spin_lock(&ll_lock);
	ll_work_stopped = true;
	spin_unlock(&ll_lock);
	/* the timer queues the work, which arms the timer no more */
	hrtimer_cancel(&ll_expire_timer);
	cancel_work_sync(&ll_expire_work);
	put_cred(ll_cred);
}
