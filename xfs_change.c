// SPDX-License-Identifier: GPL-2.0
/*
 * XFS's extent swaps and range exchanges: the two ioctls that move blocks
 * between files without a layout break of their own that covers pinned
 * DAX blocks, hooked so that both files' layout leases are broken (with
 * ll_break_layout(), layout_change.c) before XFS locks them, and XFS is
 * answered under its locks.
 *
 *   lock_two_nondirectories          PRE   XFS_IOC_SWAPEXT: the two files,
 *                                          broken as wholly changed
 *
 * and on the xfs module:
 *
 *   xfs_swap_extents                 WRAP  XFS_IOC_SWAPEXT (xfs_fsr), which
 *                                          breaks no layout and waits for
 *                                          no DAX page
 *   xfs_qm_dqattach                  PRE   its first failure point: the
 *                                          swap's answer; an exchange's
 *                                          busy DAX pages
 *   xfs_exchange_range (6.10+)       WRAP  XFS_IOC_EXCHANGE_RANGE and
 *                                          XFS_IOC_COMMIT_RANGE under way
 *   xfs_ilock2_io_mmap (6.10+)       PRE   their files' ranges, broken as
 *                                          a reflink's destination's, once
 *                                          XFS has checked the request
 *
 * The PRE hooks are on functions XFS and the VFS call on hot paths: they
 * are behind a gate (LL_GATE_XFS_OPS) that is open only while a swap or
 * exchange runs.  The changes last the call, on the replacement's stack.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "layoutlease.h"
#include "ll_hook.h"

/* xfs_swap_extents(ip, tip, sxp): two struct xfs_inode, opaque here */
static int (*orig_xfs_swap_extents)(void *ip, void *tip, void *sxp);
struct ll_xfs_exchrange;
static int (*orig_xfs_exchange_range)(struct ll_xfs_exchrange *fxr);

/*
 * XFS_IOC_SWAPEXT exchanges all the blocks of two XFS files (xfs_fsr's
 * defragmentation): xfs_swap_extents() neither breaks a layout lease nor
 * waits for a busy DAX page, and moves a pinned block to a file that its
 * caller may then unlink.  Both files' layouts change as a whole, the
 * module breaks them as it breaks a truncate to 0 of each.
 *
 * The files are the ones the kernel resolved, not the descriptors of the
 * request, which another thread may change meanwhile: xfs_swap_extents()
 * gets them as struct xfs_inode, whose struct inode the module cannot
 * find, and gives them to lock_two_nondirectories() as its first call
 * (6.1, 6.12 and 7.2), before it changes anything and with no lock held.
 * That call cannot fail, so the answer waits for the swap's first call
 * that can: xfs_qm_dqattach() of the first file, still before anything
 * changes (the caches are flushed and dropped after it).  A swap whose
 * files the module has not seen by then is refused (-EBUSY, XFS's "the
 * file changed").
 */

/*
 * The start of XFS_IOC_SWAPEXT's struct xfs_swapext, the XFS ioctl ABI
 * (xfsprogs' <xfs/xfs_fs.h>), up to the target's times in its struct
 * xfs_bstat: the kernel's copy of the request (the 32-bit ioctl converts
 * to it).
 */
struct ll_xfs_bstime {
	__kernel_long_t tv_sec;
	__s32 tv_nsec;
};

struct ll_xfs_swapext {
	__s64 sx_version, sx_fdtarget, sx_fdtmp;
	__s64 sx_offset, sx_length;	/* xfs_off_t */
	char sx_pad[16];
	/* sx_stat */
	__u64 bs_ino;
	__u16 bs_mode, bs_nlink;
	__u32 bs_uid, bs_gid, bs_rdev;
	__s32 bs_blksize;
	__s64 bs_size;
	struct ll_xfs_bstime bs_atime, bs_mtime, bs_ctime;
};

/*
 * The start of XFS's struct xfs_exchrange (fs/xfs/xfs_exchrange.h, the
 * same on 6.12 and 7.2), which xfs_exchange_range() takes: the two open
 * files, as the ioctl resolved them, and the request, checked by then.
 */
struct ll_xfs_exchrange {
	struct file *file1, *file2;
	loff_t file1_offset, file2_offset;
	u64 length;
	u64 flags;
	/* file2 as XFS_IOC_START_COMMIT saw it, for XFS_IOC_COMMIT_RANGE */
	u64 file2_ino;
	struct timespec64 file2_mtime;
	struct timespec64 file2_ctime;
	u32 file2_gen;
};

/* XFS_EXCHANGE_RANGE_* of the XFS ioctl ABI (xfsprogs' <xfs/xfs_fs.h>) */
#define LL_XFS_EXCHANGE_TO_EOF		BIT_ULL(0)
#define LL_XFS_EXCHANGE_DRY_RUN		BIT_ULL(2)
/* XFS's own: XFS_IOC_COMMIT_RANGE checks file2_* (fs/xfs/xfs_exchrange.h) */
#define LL_XFS_EXCHANGE_CHECK_FRESH2	BIT_ULL(61)

enum ll_xfs_op_state {
	LL_OP_STARTED,		/* xfs_swap_extents() entered */
	LL_OP_BREAKING,		/* its files known, being broken */
	LL_OP_BROKEN,		/* broken: err is the answer */
	LL_OP_ANSWERED,		/* the answer given */
};

/*
 * An extent swap or range exchange under way.  Only its task reads or
 * writes what follows task, and frees it, after an RCU grace period:
 * other tasks' filters walk past it.
 */
struct ll_xfs_op {
	struct hlist_node node;
	struct rcu_head rcu;
	struct task_struct *task;
	const struct ll_xfs_swapext *sx;	/* a swap's request, or */
	const struct ll_xfs_exchrange *fxr;	/* an exchange's */
	struct ll_change changes[2];
	int n;			/* changes begun */
	int err;
	enum ll_xfs_op_state state;
};

/*
 * by task: a filter finds its task's operation, if any, without a lock;
 * each opens the gate of the hooks that look for them (LL_GATE_XFS_OPS)
 */
static DEFINE_HASHTABLE(ll_xfs_ops, 4);
static DEFINE_SPINLOCK(ll_xfs_op_lock);	/* writers of ll_xfs_ops */

/*
 * ll_xfs_op_begin() - current starts an XFS operation the module follows
 * @sx: a swap's request, or NULL
 * @fxr: an exchange's request, or NULL
 *
 * Return: its record, or NULL for no memory.
 */
static struct ll_xfs_op *ll_xfs_op_begin(const struct ll_xfs_swapext *sx,
					 const struct ll_xfs_exchrange *fxr)
{
	struct ll_xfs_op *op = kzalloc(sizeof(*op), GFP_KERNEL);

	if (!op)
		return NULL;
	op->task = current;
	op->sx = sx;
	op->fxr = fxr;
	op->state = LL_OP_STARTED;
	spin_lock(&ll_xfs_op_lock);
	hash_add_rcu(ll_xfs_ops, &op->node, (unsigned long)current);
	spin_unlock(&ll_xfs_op_lock);
	ll_hook_gate_open(LL_GATE_XFS_OPS);
	return op;
}

/* ll_xfs_op_end() - the operation of @op is over: its changes end */
static void ll_xfs_op_end(struct ll_xfs_op *op)
{
	ll_hook_gate_close(LL_GATE_XFS_OPS);
	spin_lock(&ll_xfs_op_lock);
	hash_del_rcu(&op->node);
	spin_unlock(&ll_xfs_op_lock);
	while (op->n > 0)
		ll_change_end(&op->changes[--op->n]);
	kfree_rcu(op, rcu);
}

/* current's operation, if it is in one */
static struct ll_xfs_op *ll_xfs_op_of_current(void)
{
	struct ll_xfs_op *op, *found = NULL;

	rcu_read_lock();
	hash_for_each_possible_rcu(ll_xfs_ops, op, node,
				   (unsigned long)current) {
		if (op->task == current) {
			found = op;
			break;
		}
	}
	rcu_read_unlock();
	/* current's own: alive until current frees it */
	return found;
}

static bool ll_bstime_is(const struct ll_xfs_bstime *t, struct timespec64 ts)
{
	return t->tv_sec == ts.tv_sec && t->tv_nsec == ts.tv_nsec;
}

/*
 * What XFS refuses once it has the files, with XFS's errno, so that such
 * a request breaks nothing: a swap that is not of both files' whole
 * length (-EFAULT), or whose target changed since its caller looked
 * (-EBUSY).  XFS checks the same under its locks, later: it may still
 * refuse what passes here.
 */
static int ll_swap_refused(const struct ll_xfs_swapext *sx,
			   struct inode *ip, struct inode *tip)
{
	if (sx->sx_offset || sx->sx_length != i_size_read(ip) ||
	    sx->sx_length != i_size_read(tip))
		return -EFAULT;
	if (!ll_bstime_is(&sx->bs_ctime, ll_inode_ctime(ip)) ||
	    !ll_bstime_is(&sx->bs_mtime, ll_inode_mtime(ip)))
		return -EBUSY;
	return 0;
}

/*
 * ll_break_two() - ll_break_layout() of the @n (1, 2) files of an XFS
 *		    operation, each of its range [@start[i], @end[i]]
 *
 * What refuses the change at once is looked for in both files before
 * either is broken, and the second file's holders are told with the
 * first's, so that their break timeouts run together: the change waits
 * as a truncate does, once.  They may have been told for nothing when the
 * first file's wait ends in an error (a signal, pins that cannot be
 * revoked).
 *
 * Return: as ll_break_layout().
 */
static int ll_break_two(struct inode **inodes, int n, const loff_t *start,
			const loff_t *end)
{
	int i, ret = 0;

	for (i = 0; i < n && !ret; i++) {
		ret = ll_change_refused(inodes[i], start[i], end[i], false);
		if (!ret && ll_inode_has_leases(inodes[i]))
			ret = ll_exclusive_conflict(inodes[i]);
		/* pins with no lease to break: ll_break_layout()'s ETXTBSY */
		else if (!ret && IS_DAX(inodes[i]) &&
			 ll_pins_in(inodes[i], start[i], end[i]))
			ret = -ETXTBSY;
	}
	if (!ret && n == 2 && ll_inode_has_leases(inodes[1])) {
		if (ll_implicit_mode() == LL_IMPLICIT_FENCE)
			ll_pins_break_implicit(inodes[1], start[1], end[1]);
		ll_break_layout_nowait(inodes[1]);
	}
	for (i = 0; i < n && !ret; i++)
		ret = ll_break_layout(inodes[i], start[i], end[i], false);
	return ret;
}

/* Both files' layouts change as a whole. */
static int ll_swap_break(struct ll_xfs_op *sw, struct inode **inodes)
{
	static const loff_t start[2] = { 0, 0 };
	static const loff_t end[2] = { LLONG_MAX, LLONG_MAX };
	int i, ret;

	sw->n = inodes[0] == inodes[1] ? 1 : 2;
	for (i = 0; i < sw->n; i++)
		ll_change_begin(&sw->changes[i], inodes[i], 0, LLONG_MAX,
				false);
	ret = ll_swap_refused(sw->sx, inodes[0], inodes[1]);
	return ret ?: ll_break_two(inodes, sw->n, start, end);
}

/*
 * xfs_swap_extents(ip, tip, sxp), past XFS's checks of the descriptors:
 * the swap is known by its task until it returns.  No memory for the
 * record: -ENOMEM, as XFS's own allocations answer.
 */
static int ll_xfs_swap_extents(void *ip, void *tip, void *sxp)
{
	struct ll_xfs_op *sw;
	int ret;

	BUILD_BUG_ON(offsetof(struct ll_xfs_swapext, sx_length) != 32 ||
		     offsetof(struct ll_xfs_swapext, bs_mtime) != 112 ||
		     offsetof(struct ll_xfs_swapext, bs_ctime) != 128);
	ll_hook_enter();
	sw = ll_xfs_op_begin(sxp, NULL);
	if (sw) {
		ret = orig_xfs_swap_extents(ip, tip, sxp);
		ll_xfs_op_end(sw);
	} else {
		ret = -ENOMEM;
	}
	ll_hook_leave();
	return ret;
}

/* lock_two_nondirectories(inode1, inode2): a swap's files, first call */
static bool ll_swap_lock_pre(const unsigned long *args, long *ret)
{
	struct inode *inodes[2] = {
		(struct inode *)ll_hook_arg(args, 0),
		(struct inode *)ll_hook_arg(args, 1),
	};
	struct ll_xfs_op *sw;

	ll_hook_enter();
	sw = ll_xfs_op_of_current();
	if (sw && sw->state == LL_OP_STARTED && inodes[0] && inodes[1]) {
		sw->state = LL_OP_BREAKING;
		sw->err = ll_swap_break(sw, inodes);
		sw->state = LL_OP_BROKEN;
	}
	ll_hook_leave();
	return false;
}

/*
 * XFS waits for no busy DAX page before it swaps, nor before it exchanges
 * a DAX file's range with another file's that is not DAX, and from 6.15
 * its truncate_pagecache_range() then warns about the DAX entries left.
 * Under XFS's locks, the module does for the changed ranges what a
 * filesystem does before it frees blocks, without waiting: a page still
 * busy (a pin the module does not record, such as a direct I/O in
 * flight) refuses the change.
 */
static int ll_xfs_op_dax_idle(struct ll_xfs_op *op)
{
	struct ll_change *c;
	int ret;

	for (c = op->changes; c < op->changes + op->n; c++) {
		ret = IS_DAX(c->inode) ?
		      ll_dax_break_nowait(c->inode, c->start, c->end) : 0;
		if (ret)
			return ret == -EBUSY ? -ETXTBSY : ret;
	}
	return 0;
}

/*
 * xfs_qm_dqattach(ip): the first call that can fail of a swap, under
 * XFS's locks of both files, gives its answer; in an exchange, the first
 * call after XFS's last check (the length to the end of the file worked
 * out, a commit's freshness), under the same locks, where the DAX pages
 * are looked at.
 */
static bool ll_xfs_op_answer_pre(const unsigned long *args, long *ret)
{
	struct ll_xfs_op *op;
	bool refused = false;

	ll_hook_enter();
	op = ll_xfs_op_of_current();
	/* a dry run goes no further: no page of its is looked at */
	if (op && op->state == LL_OP_BROKEN && !op->err &&
	    !(op->fxr && (op->fxr->flags & LL_XFS_EXCHANGE_DRY_RUN)))
		op->err = ll_xfs_op_dax_idle(op);
	/* files the module has not seen (broken): never let it go on */
	else if (op && op->state != LL_OP_BROKEN)
		op->err = -EBUSY;
	if (op && op->state != LL_OP_ANSWERED) {
		op->state = LL_OP_ANSWERED;
		*ret = op->err;
		refused = op->err;
	}
	ll_hook_leave();
	return refused;
}

/*
 * xfs_exchange_range(fxr): XFS_IOC_EXCHANGE_RANGE and XFS_IOC_COMMIT_RANGE
 * (6.10+).  XFS breaks the layout leases of both files itself (a break
 * with no range: __break_lease's hook) and, only when both are DAX, waits
 * for all their busy DAX pages: pins that outlive their lease
 * (revoke=unlock, a holder that released first) would move to the other
 * file of a DAX and a non-DAX one (-o dax=inode), and hold up two DAX
 * ones (XFS spins on the second file's).  Each file's range changes as a
 * reflink's destination does: broken first, pins of it refused (ETXTBSY,
 * EDEADLK), XFS's busy-page wait narrowed to it; to the end of the file,
 * past each offset, for XFS_EXCHANGE_RANGE_TO_EOF, whose length XFS works
 * out later.  The break waits for XFS's own checks of the request, the
 * last of them before it locks the files: a request it refuses (a
 * filesystem without the feature) breaks nothing, and what it would
 * refuse once locked is refused first (ll_exchange_refused()).  A dry
 * run is broken and refused as the exchange would be (XFS breaks it
 * too), and its DAX pages are left alone.  No memory for the record:
 * -ENOMEM.
 */
static int ll_xfs_exchange_range(struct ll_xfs_exchrange *fxr)
{
	struct ll_xfs_op *op;
	int ret;

	BUILD_BUG_ON(offsetof(struct ll_xfs_exchrange, flags) != 40 ||
		     offsetof(struct ll_xfs_exchrange, file2_mtime) != 56 ||
		     offsetof(struct ll_xfs_exchrange, file2_gen) != 88);
	ll_hook_enter();
	op = ll_xfs_op_begin(NULL, fxr);
	if (op) {
		ret = orig_xfs_exchange_range(fxr);
		ll_xfs_op_end(op);
	} else {
		ret = -ENOMEM;
	}
	ll_hook_leave();
	return ret;
}

/* an exchange's bytes of file @i (0, 1): [*start, *end] */
static void ll_exchange_range(const struct ll_xfs_exchrange *fxr, int i,
			      loff_t *start, loff_t *end)
{
	*start = i ? fxr->file2_offset : fxr->file1_offset;
	/* checked by XFS (remap_verify_area()); past LLONG_MAX: to the end */
	if ((fxr->flags & LL_XFS_EXCHANGE_TO_EOF) ||
	    fxr->length > LLONG_MAX ||
	    check_add_overflow(*start, (loff_t)fxr->length - 1, end))
		*end = LLONG_MAX;
}

/*
 * Is an exchange of @len bytes at @o1 and @o2, both aligned to @unit (a
 * power of two), of the wrong length, or overlapping itself?  XFS's
 * checks of the allocation unit (xfs_exchange_range_checks()): the
 * length aligned, or reaching a file's end, and then not ending a partial
 * unit in the middle of either file; two ranges of one file apart, by
 * whole units.
 */
static bool ll_exchange_length_invalid(loff_t o1, loff_t o2, loff_t len,
				       loff_t size1, loff_t size2, bool same,
				       unsigned int unit)
{
	loff_t mask = unit - 1, blen = len;
	bool at_eof = true;

	/* to a file's end: its last unit whole */
	if (o1 + len == size1)
		blen = ALIGN(size1, unit) - o1;
	else if (o2 + len == size2)
		blen = ALIGN(size2, unit) - o2;
	else
		at_eof = false;
	if (!at_eof && (len & mask))
		return true;
	if (same && o2 + blen > o1 && o1 + blen > o2)
		return true;
	if (!(len & mask))
		return false;
	blen = len;
	if (o2 + blen < size2)
		blen &= ~mask;
	if (o1 + blen < size1)
		blen &= ~mask;
	return blen != len;
}

/*
 * What XFS refuses once it has locked the files (xfs_exchrange_prep()),
 * in XFS's order and with its errno, so that such a request breaks
 * nothing: an immutable file (-EPERM) or swap file (-ETXTBSY), a range
 * past a file's end, misaligned or overlapping itself (-EINVAL), past
 * the file size limits (-EFBIG, and SIGXFSZ, as XFS would send), a
 * commit whose file2 changed since XFS_IOC_START_COMMIT (-EBUSY), checked
 * only when there is something to exchange.  The alignment is to the
 * block size (i_blocksize() of file2): XFS's allocation unit is a
 * multiple of it (a realtime extent), so what is misaligned to the block
 * is misaligned to the unit.  The sizes may still change, and XFS checks
 * more (the realtime extent): it may refuse what passes here.  A length
 * of 0 (not to the end of the files, whose length XFS works out again
 * under its locks) exchanges nothing: -ENODATA, for the caller.
 */
static int ll_exchange_refused(const struct ll_xfs_exchrange *fxr,
			       struct inode *in1, struct inode *in2)
{
	loff_t size1 = i_size_read(in1), size2 = i_size_read(in2);
	loff_t o1 = fxr->file1_offset, o2 = fxr->file2_offset;
	struct timespec64 ctime2 = ll_inode_ctime(in2);
	struct timespec64 mtime2 = ll_inode_mtime(in2);
	bool to_eof = fxr->flags & LL_XFS_EXCHANGE_TO_EOF;
	unsigned int unit = i_blocksize(in2);
	loff_t len = fxr->length, limited;
	int err;

	if (IS_IMMUTABLE(in1) || IS_IMMUTABLE(in2))
		return -EPERM;
	if (IS_SWAPFILE(in1) || IS_SWAPFILE(in2))
		return -ETXTBSY;
	if (o1 > size1 || o2 > size2)
		return -EINVAL;
	/* the VFS checked the offsets of a range not to the end: not < 0 */
	if (to_eof)
		len = max(size1 - o1, size2 - o2);
	if ((to_eof && (o1 < 0 || o2 < 0)) || ((o1 | o2) & (unit - 1)))
		return -EINVAL;
	if (!to_eof && (len > size1 - o1 || len > size2 - o2))
		return -EINVAL;
	limited = len;
	err = ll_write_check_limits(fxr->file2, o2, &limited) ?:
	      ll_write_check_limits(fxr->file1, o1, &limited);
	if (err)
		return err;
	if (limited != len ||
	    ll_exchange_length_invalid(o1, o2, len, size1, size2, in1 == in2,
				       unit))
		return -EINVAL;
	if (!len && !to_eof)
		return -ENODATA;
	if (len && (fxr->flags & LL_XFS_EXCHANGE_CHECK_FRESH2) &&
	    (fxr->file2_ino != in2->i_ino ||
	     fxr->file2_gen != in2->i_generation ||
	     !timespec64_equal(&fxr->file2_ctime, &ctime2) ||
	     !timespec64_equal(&fxr->file2_mtime, &mtime2)))
		return -EBUSY;
	return 0;
}

/*
 * xfs_ilock2_io_mmap(ip1, ip2): an exchange's files are about to be
 * locked, past XFS's checks, with no lock held: their breaks, whose
 * error is the call's.
 */
static bool ll_exchange_lock_pre(const unsigned long *args, long *ret)
{
	struct ll_xfs_op *op;
	struct inode *inodes[2];
	loff_t start[2], end[2];
	int i, err = 0;

	ll_hook_enter();
	op = ll_xfs_op_of_current();
	if (!op || !op->fxr || op->state != LL_OP_STARTED) {
		ll_hook_leave();
		return false;
	}
	op->state = LL_OP_BREAKING;
	inodes[0] = file_inode(op->fxr->file1);
	inodes[1] = file_inode(op->fxr->file2);
	err = ll_exchange_refused(op->fxr, inodes[0], inodes[1]);
	if (err) {
		/* XFS's answer, or nothing to exchange: XFS's to make */
		op->state = LL_OP_ANSWERED;
		if (err == -ENODATA)
			err = 0;
		*ret = err;
		ll_hook_leave();
		return err;
	}
	for (i = 0; i < 2; i++)
		ll_exchange_range(op->fxr, i, &start[i], &end[i]);
	op->n = inodes[0] == inodes[1] ? 1 : 2;
	/* within one file, one change over both ranges */
	if (op->n == 1) {
		start[0] = min(start[0], start[1]);
		end[0] = max(end[0], end[1]);
	}
	for (i = 0; i < op->n; i++)
		ll_change_begin(&op->changes[i], inodes[i], start[i], end[i],
				false);
	err = ll_break_two(inodes, op->n, start, end);
	/* the DAX pages are for xfs_qm_dqattach() (ll_xfs_op_answer_pre()) */
	op->state = err ? LL_OP_ANSWERED : LL_OP_BROKEN;
	*ret = err;
	ll_hook_leave();
	return err;
}

/*
 * Filters, run by the hook dispatcher (ll_hook_dispatch()): the gated ones
 * only while some task is in a swap or exchange.
 */
/* lock_two_nondirectories(): the first call of the caller's extent swap */
static bool ll_want_swap_files(const unsigned long *args)
{
	struct ll_xfs_op *op = ll_xfs_op_of_current();

	return op && op->sx && op->state == LL_OP_STARTED;
}

/* xfs_qm_dqattach(): the first of the caller's swap or exchange */
static bool ll_want_xfs_op_answer(const unsigned long *args)
{
	struct ll_xfs_op *op = ll_xfs_op_of_current();

	return op && op->state != LL_OP_ANSWERED;
}

/* xfs_exchange_range(): of a file with leases, or of a DAX file */
static bool ll_want_exchange(unsigned long *args)
{
	struct ll_xfs_exchrange *fxr =
		(struct ll_xfs_exchrange *)ll_hook_arg(args, 0);

	return ll_inode_needs_break(file_inode(fxr->file1)) ||
	       ll_inode_needs_break(file_inode(fxr->file2));
}

/* xfs_ilock2_io_mmap(): the caller's exchange is about to lock its files */
static bool ll_want_exchange_locks(const unsigned long *args)
{
	struct ll_xfs_op *op = ll_xfs_op_of_current();

	return op && op->fxr && op->state == LL_OP_STARTED;
}

static struct ll_hook ll_xfs_vfs_hooks[] = {
	LL_PRE_GATED_IF("lock_two_nondirectories", LL_GATE_XFS_OPS,
			ll_want_swap_files, ll_swap_lock_pre),
};

struct ll_hook_table ll_xfs_vfs_hook_table = {
	.module = NULL,
	.hooks = ll_xfs_vfs_hooks,
	.count = ARRAY_SIZE(ll_xfs_vfs_hooks),
};

static struct ll_hook ll_xfs_hooks[] = {
	LL_WRAP_ALL("xfs_swap_extents", ll_xfs_swap_extents,
		    &orig_xfs_swap_extents),
	/* on hot paths (every allocation): gated, as lock_two_nondirectories */
	LL_PRE_GATED_IF("xfs_qm_dqattach", LL_GATE_XFS_OPS,
			ll_want_xfs_op_answer, ll_xfs_op_answer_pre),
	LL_WRAP_ON(LL_XFS_EXCHANGE, "xfs_exchange_range", ll_want_exchange,
		   ll_xfs_exchange_range, &orig_xfs_exchange_range),
	LL_PRE_GATED_ON_IF(LL_XFS_EXCHANGE, "xfs_ilock2_io_mmap",
			   LL_GATE_XFS_OPS, ll_want_exchange_locks,
			   ll_exchange_lock_pre),
};

struct ll_hook_table ll_xfs_hook_table = {
	.module = "xfs",
	.hooks = ll_xfs_hooks,
	.count = ARRAY_SIZE(ll_xfs_hooks),
};
