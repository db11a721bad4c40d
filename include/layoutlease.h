/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the layoutlease module.
 *
 * Objects and lifetimes (Documentation/layout-leases.rst, "Design"):
 *
 * struct ll_lease is the module's side of one FL_LAYOUT lease.  The
 * kernel's struct file_lock (struct file_lease from 6.9 on, see
 * ll_compat.h) points to it through fl_owner; the file_lock holds one
 * reference on it, dropped by ll_lease_gone() when the kernel frees the
 * file_lock, whatever removed it (F_UNLCK, last close, break timeout,
 * rmmod), or from 6.9 on when the lease leaves the inode's list.  While
 * the file_lock is on the inode's list, its file is alive, though the
 * module holds no reference on it: __fput() removes every lease of a file,
 * under flc_lock, before freeing it (ll_listed()).
 *
 * Locks, outermost first: ll_set_mutex (creating and changing leases),
 * the inode's flc_lock, ll_lock (each lease's state, the leases by id,
 * the list of broken leases).  The pin records' ll_pin_lock (lease_pin.c)
 * is taken with none of these held.
 *
 * Nothing on a hot path walks every lease or every pin: a lease is found
 * through its inode's lease list (inode->i_flctx), by id in a tree, or
 * among the broken leases; a pin record through hashes by umem, inode and
 * uverbs file, or on its lease's pin_list.  The /proc counts are counters,
 * and /proc reads resume where they stopped.
 */
#ifndef _LAYOUTLEASE_H
#define _LAYOUTLEASE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "ll_compat.h"

/*
 * The gates of the hooks that have business only now and then (ll_hook.h):
 * open while pinned pages are counted (lease_pin.c), and while an XFS
 * extent swap or range exchange runs (xfs_change.c).
 */
enum {
	LL_GATE_PINS,
	LL_GATE_XFS_OPS,
};

/*
 * The life of a lease (Documentation/layout-leases.rst, "State machine");
 * ll_set_state() in layout_lease.c is the one place it changes.
 */
enum ll_state {
	LL_SETTING,	/* being inserted by vfs_setlease() */
	LL_ACTIVE,
	LL_BREAKING,	/* owner told, breakers waiting, deadline running */
	LL_REVOKING,	/* past it: the pins' holders killed, grace running */
	LL_REFUSING,	/* pins stay past the bound: breakers get ETXTBSY */
	LL_EXPIRING,	/* being removed by the module at its deadline */
	LL_RELEASED,	/* being removed by its owner (F_UNLCK) */
	LL_UNLOADING,	/* being removed by the module's unload */
	LL_GONE,	/* off the inode's list: the kernel freed it */
};

/* Broken: the owner was told to release it, and it is still in place. */
static inline bool ll_state_broken(enum ll_state state)
{
	return state >= LL_BREAKING && state <= LL_EXPIRING;
}

/* In place for its owner: listed in /proc and counted in stats. */
static inline bool ll_state_listed(enum ll_state state)
{
	return state >= LL_ACTIVE && state <= LL_EXPIRING;
}

#define LL_LISTED_STATES	(BIT(LL_ACTIVE) | BIT(LL_BREAKING) |	\
				 BIT(LL_REVOKING) | BIT(LL_REFUSING) |	\
				 BIT(LL_EXPIRING))

struct ll_lease {
	struct rb_node id_node;		/* in ll_lease_ids until gone, under
					 * ll_lock
					 */
	struct list_head node;		/* in ll_broken from the break on,
					 * under ll_lock
					 */
	struct hlist_head pin_list;	/* its pin records, under ll_pin_lock
					 * (lease_pin.c); empty when zeroed
					 */
	struct kref ref;
	dev_t dev;
	u64 id;
	struct inode *inode;		/* counted */
	unsigned long ino;
	int fd;				/* fd of the F_SETLEASE call: si_fd */
	pid_t pid;			/* tgid of the setter, for logs */
	struct pid *tgid;		/* counted: the setter, for /proc */
	const struct cred *cred;	/* the setter's: whom revocation may kill */
	bool exclusive;			/* written under flc_lock and ll_lock,
					 * read under either
					 */
	bool implicit;			/* made for a registration, not set by
					 * F_SETLEASE: no signal, no owner; goes
					 * with its last pin.  Written under
					 * flc_lock and ll_lock, read under either
					 */
	enum ll_state state;		/* under ll_lock */
	ktime_t break_start;		/* CLOCK_MONOTONIC */
	ktime_t deadline;		/* break_start + break_ms */
	ktime_t revoke_end;		/* the killed have exited */
	atomic_t pins;			/* pin records under the lease */
	unsigned int break_ms;		/* break_timeout_ms at the break */
	atomic_long_t pages;		/* pages they pin */
};

/* Counters shown in /proc/fs/layoutlease/stats. */
struct ll_stats {
	atomic64_t breaks;	/* breaks started */
	atomic64_t timeouts;	/* leases removed at the break timeout */
	atomic64_t revocations;	/* processes killed to revoke their pins */
	atomic64_t fences;	/* uverbs files fenced to revoke their pins */
};

/* How a lease's pins are revoked at its deadline (module parameter). */
enum ll_revoke {
	LL_REVOKE_FENCE,	/* destroy the verbs contexts that pin */
	LL_REVOKE_KILL,		/* kill the processes that hold them */
	LL_REVOKE_WAIT,		/* neither: breakers get ETXTBSY */
	LL_REVOKE_UNLOCK,	/* remove the lease, leave the pins */
};

/* What a layout change meets over the pins of an implicit lease. */
enum ll_implicit {
	LL_IMPLICIT_DENY,	/* the change fails at once with ETXTBSY */
	LL_IMPLICIT_FENCE,	/* the lease breaks; its MRs are fenced */
	LL_IMPLICIT_OFF,	/* no implicit leases are made */
};

/* A command running on a uverbs file, on its task's stack (uverbs_file.c) */
struct ll_cmd {
	struct hlist_node node;
	struct task_struct *task;
	struct file *uverbs;
	bool umem_get;			/* in ib_umem_get(); only task uses it */
	bool dax_allowed;		/* ... and the DAX gate let an fsdax
					 * VMA through; only task uses it
					 */
	struct ib_umem *umem;		/* recorded by this command, until its
					 * MR is known; only task uses it
					 */
	bool held;			/* holds the module; only task uses it */
};

/* A layout change under way (truncate, fallocate, remap, a break). */
struct ll_change {
	struct hlist_node node;
	struct inode *inode;
	struct task_struct *task;	/* who changes it */
	loff_t start, end;		/* bytes it may free or move */
	bool reads;			/* a remap's source: its blocks are
					 * shared, none freed or moved outside
					 * [start, end], whose pins refuse it
					 */
};

extern struct ll_stats ll_stats;
extern spinlock_t ll_lock;
extern unsigned int break_timeout_ms;

/* layout_lease.c */
void ll_lease_put(struct ll_lease *ll);
/**
 * ll_inode_has_leases() - does @inode carry any lease, of anyone's?
 * @inode: the inode
 *
 * Lockless, as break_lease() looks: for the ftrace filters and the first
 * look of every path, inline because they run on every call they filter.
 *
 * Return: true when the inode's lease list is not empty.
 */
static inline bool ll_inode_has_leases(struct inode *inode)
{
	struct file_lock_context *ctx = locks_inode_context(inode);

	return ctx && !list_empty_careful(&ctx->flc_lease);
}

/**
 * ll_inode_needs_break() - may a layout change of @inode concern the module?
 * @inode: the inode
 *
 * Lockless, for the ftrace filters: true when @inode has leases, or is a
 * DAX inode.  Every layout change of a DAX inode is tracked, even one that
 * starts with no lease: a lease and pins taken before the filesystem's
 * busy-page wait would otherwise never be told (ll_change_begin()).
 *
 * Return: whether to take the slow path.
 */
static inline bool ll_inode_needs_break(struct inode *inode)
{
	return ll_inode_has_leases(inode) || IS_DAX(inode);
}

int ll_lease_set(struct file *filp, int fd, long arg);
int ll_lease_release(struct file *filp);
int ll_lease_get(struct file *filp);
int ll_break_wait(struct inode *inode, bool nonblock);
void ll_change_begin(struct ll_change *change, struct inode *inode,
		     loff_t start, loff_t end, bool reads);
void ll_change_end(struct ll_change *change);
bool ll_change_of_current(struct inode *inode, loff_t *start, loff_t *end);
bool ll_change_reads(struct inode *inode);
bool ll_change_reads_over(struct inode *inode, loff_t start, loff_t end);
int ll_exclusive_conflict(struct inode *inode);
bool ll_inode_has_ours(struct inode *inode);
bool ll_inode_only_ours(struct inode *inode);
struct ll_file_lease *ll_listed(struct ll_lease *ll);
bool ll_is_ours(struct ll_file_lease *fl);
struct ll_lease *ll_lease_of_file(struct file *filp);
bool ll_file_leased(struct file *filp);
enum ll_implicit ll_implicit_mode(void);
struct ll_lease *ll_lease_implicit(struct file *filp);
bool ll_lease_break_implicit(struct ll_lease *ll);
bool ll_inode_changing(struct inode *inode);
void ll_break_layout_nowait(struct inode *inode);
struct ll_hook_table *ll_lease_hooks_init(void);
struct ll_lease **ll_leases_snapshot(unsigned int states, unsigned int *count);
struct ll_lease *ll_lease_find_get(u64 id);
struct ll_lease *ll_lease_next_get(struct ll_lease *ll);
unsigned int ll_leases_listed(void);
void ll_leases_snapshot_put(struct ll_lease **snap, unsigned int count);
int ll_lease_admin_break(u64 id);
int ll_lease_pin(struct ll_lease *ll, unsigned long pages);
void ll_lease_unpin(struct ll_lease *ll, unsigned long pages);
int ll_leases_init(int (*revoke)(struct ll_lease *ll, enum ll_revoke how));
void ll_leases_shutdown(void);
void ll_leases_exit(void);

/* fasync_owner.c */
int ll_owner_attach(struct ll_file_lease *fl, int fd);
void ll_owner_detach(struct ll_file_lease *fl);
void ll_owner_default(struct ll_file_lease *fl);
void ll_owner_notify(struct ll_file_lease *fl);
pid_t ll_owner_pid(struct file *filp, struct pid *setter,
		   struct pid_namespace *ns);
bool ll_current_owns(struct file *filp, struct pid *setter);

/* lease_pin.c */
struct ib_umem;
struct ib_uobject;
struct proc_dir_entry;
struct seq_file;
struct inode;
struct page;
struct vm_area_struct;
struct page *ll_pins_busy_page(struct inode *inode, loff_t start, loff_t end);
int ll_pins_revoke(struct ll_lease *ll, enum ll_revoke how);
unsigned int ll_pins_fence_mrs(struct file *uverbs, struct ib_uobject **uobjs,
			       unsigned int max);
bool ll_pins_block_current(struct inode *inode, loff_t start, loff_t end);
bool ll_pins_in(struct inode *inode, loff_t start, loff_t end);
int ll_pins_implicit_deny(struct inode *inode, loff_t start, loff_t end);
void ll_pins_break_implicit(struct inode *inode, loff_t start, loff_t end);
void ll_pins_shutdown(void);
void ll_pins_stats(struct seq_file *m);
int ll_pins_procfs_init(struct proc_dir_entry *dir);

extern struct ll_hook_table ll_gup_hook_table, ll_uverbs_hook_table;
extern struct ll_hook_table ll_core_hook_table;

/* uverbs_file.c */
struct ll_cmd *ll_cmd_current(void);
int ll_uverbs_fence(struct file *uverbs);
void ll_uverbs_init(unsigned int (*mrs)(struct file *uverbs,
					struct ib_uobject **uobjs,
					unsigned int max));
extern struct ll_hook_table ll_ufile_hook_table, ll_uobj_hook_table;

/* layout_change.c */
int ll_change_refused(struct inode *inode, loff_t start, loff_t end,
		      bool deny);
int ll_break_layout(struct inode *inode, loff_t start, loff_t end,
		    bool nonblock);
extern struct ll_hook_table ll_change_hook_table;

/* xfs_change.c */
extern struct ll_hook_table ll_xfs_vfs_hook_table, ll_xfs_hook_table;

/* chardev.c */
int ll_chardev_init(void);
void ll_chardev_exit(void);

/* procfs.c */
int ll_procfs_init(void);
void ll_procfs_exit(void);

#endif /* _LAYOUTLEASE_H */
