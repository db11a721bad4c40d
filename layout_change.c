// SPDX-License-Identifier: GPL-2.0
/*
 * Layout changes: the kernel functions that change a file's layout, hooked
 * so that the module's layout leases are broken before any filesystem
 * waits for busy DAX pages, and so that no new lease is taken while the
 * change is under way (ll_change_begin() in layout_lease.c).
 *
 *   do_truncate                      WRAP  truncate(2), ftruncate(2),
 *                                          open(O_TRUNC)
 *   vfs_fallocate                    WRAP  fallocate(2), every mode
 *   do_clone_file_range (6.8+:       WRAP  reflink (FICLONE, FICLONERANGE)
 *   vfs_clone_file_range)
 *   vfs_dedupe_file_range_one        WRAP  FIDEDUPERANGE
 *   vfs_copy_file_range              WRAP  copy_file_range(2) that the
 *                                          kernel makes a reflink (XFS);
 *                                          over pins, a copy instead
 *   __break_lease                    WRAP  a filesystem's own layout break
 *                                          (XFS write): ETXTBSY for an
 *                                          exclusive lease; a classic
 *                                          break of a file whose leases
 *                                          are all the module's: none
 *   dax_layout_busy_page_range       WRAP  wait only for the pins of the
 *                                          changed range; before 6.15,
 *                                          pinned DAX pages stay busy
 *                                          after munmap
 *   dax_delete_mapping_range (6.15+) WRAP  keep the DAX entries outside
 *                                          the changed range
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
 * The changes of these hooks last the call, on the replacement's stack;
 * the change a filesystem's own break starts lasts until the task returns
 * to user space.  The originals, do_truncate() among them, which CET-IBT
 * kernels seal, are entered through the module's thunks (ll_hook.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/overflow.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/task_work.h>

#include "layoutlease.h"
#include "ll_hook.h"

static ll_break_lease_fn orig_break_lease;
static int (*orig_do_truncate)(struct ll_idmap *idmap, struct dentry *dentry,
			       loff_t length, unsigned int time_attrs,
			       struct file *filp);
static int (*orig_vfs_fallocate)(struct file *file, int mode, loff_t offset,
				 loff_t len);
/* reflink and dedupe: (src, src_pos, dst, dst_pos, len, remap_flags) */
typedef loff_t (*ll_remap_fn)(struct file *src, loff_t src_pos,
			      struct file *dst, loff_t dst_pos, loff_t len,
			      unsigned int flags);
static ll_remap_fn orig_clone_file_range, orig_dedupe_file_range_one;
static ssize_t (*orig_copy_file_range)(struct file *src, loff_t src_pos,
				       struct file *dst, loff_t dst_pos,
				       size_t len, unsigned int flags);
static struct page *(*orig_dax_busy_page)(struct address_space *mapping,
					  loff_t start, loff_t end);
static void (*orig_dax_delete_range)(struct address_space *mapping,
				     loff_t start, loff_t end);
/* xfs_swap_extents(ip, tip, sxp): two struct xfs_inode, opaque here */
static int (*orig_xfs_swap_extents)(void *ip, void *tip, void *sxp);
struct ll_xfs_exchrange;
static int (*orig_xfs_exchange_range)(struct ll_xfs_exchrange *fxr);

/* A layout change that lasts until its task returns to user space. */
struct ll_task_change {
	struct ll_change change;
	struct callback_head work;
};

static void ll_task_change_done(struct callback_head *work)
{
	struct ll_task_change *tc;

	tc = container_of(work, struct ll_task_change, work);
	ll_change_end(&tc->change);
	kfree(tc);
	ll_hook_leave();
}

/*
 * A change of the whole of @inode, for a caller with none of @inode yet.
 * Kernel threads never return to user space: their change is not
 * recorded (Documentation/layout-leases.rst, "Known limits").
 */
static void ll_task_change_begin(struct inode *inode)
{
	struct ll_task_change *tc;

	if (current->flags & PF_KTHREAD)
		return;
	tc = kmalloc(sizeof(*tc), GFP_KERNEL);
	if (!tc)
		return;
	init_task_work(&tc->work, ll_task_change_done);
	ll_hook_enter();	/* the work runs module code */
	ll_change_begin(&tc->change, inode, 0, LLONG_MAX, false);
	if (task_work_add(current, &tc->work, TWA_RESUME))
		ll_task_change_done(&tc->work);
}

/*
 * A layout break from inside a filesystem (XFS's write, say) is the only
 * sign of a layout change the module has no other hook for.  The change is
 * taken to last until the breaker returns to user space: without that, a
 * holder that leases again as soon as it has released would be broken
 * again by the same write, which might never get through.  A file with
 * only classic leases (Samba's, on every XFS write) needs no change.
 * @mode and @type are __break_lease()'s arguments (ll_compat.h).
 */
static int ll_break_lease(struct inode *inode, unsigned int mode,
			  unsigned int type)
{
	loff_t start, end;
	bool ours;
	int ret;

	ll_hook_enter();
	/*
	 * A classic break (the filter saw only the module's leases, which
	 * it never conflicts with), unless a classic lease came meanwhile.
	 */
	if (!ll_break_is_layout(mode, type)) {
		ret = ll_inode_only_ours(inode) ? 0 :
		      ll_break_lease_call(orig_break_lease, inode, mode, type);
		ll_hook_leave();
		return ret;
	}
	/* a remap's source breaks only other managers' leases */
	ours = ll_inode_has_ours(inode) && !ll_change_reads(inode);
	/*
	 * Inside a change that a hook of the module recorded (a truncate,
	 * fallocate or remap), the filesystem's break is part of it: that
	 * change's range stays the one its busy-page waits cover.
	 */
	if (ours && !ll_change_of_current(inode, &start, &end))
		ll_task_change_begin(inode);
	ret = ours ? ll_exclusive_conflict(inode) : 0;
	/* the module's own bounded wait for its leases (ll_break_wait()) */
	if (!ret && ours)
		ret = ll_break_wait(inode, ll_break_is_nonblock(mode));
	else if (!ret)
		ret = ll_break_lease_call(orig_break_lease, inode, mode, type);
	ll_hook_leave();
	return ret;
}

/*
 * ll_change_refused() - does a layout change fail at once?
 * @inode: the inode whose blocks the caller is about to free or move
 * @start: first byte of the range
 * @end: last byte of the range, inclusive; @start > @end when it frees none
 * @deny: refuse pins of implicit leases whatever implicit= says
 *
 * Implicit leases stand in the way only of a change that frees or moves
 * their pins: implicit=deny (or @deny) refuses it.
 *
 * Return: 0, -ETXTBSY for pins under an implicit lease, -EDEADLK when the
 * caller holds an MR pinning DAX blocks of the range.
 */
static int ll_change_refused(struct inode *inode, loff_t start, loff_t end,
			     bool deny)
{
	int ret;

	if (start > end)
		return 0;
	if (ll_inode_has_leases(inode) &&
	    (deny || ll_implicit_mode() == LL_IMPLICIT_DENY)) {
		ret = ll_pins_implicit_deny(inode, start, end);
		if (ret)
			return ret;
	}
	if (IS_DAX(inode) && ll_pins_block_current(inode, start, end))
		return -EDEADLK;
	return 0;
}

/*
 * ll_break_layout() - break the layout leases of an inode, as a filesystem
 *		       that calls break_layout() would
 * @inode: the inode whose layout is about to change
 * @start: first byte whose blocks the change may free or move
 * @end: last such byte, inclusive; @start > @end when it frees none
 * @nonblock: fail with -EWOULDBLOCK instead of waiting
 *
 * Implicit leases stand in the way only of a change that frees or moves
 * their pins: implicit=deny refuses it, implicit=fence breaks them.
 *
 * Return: 0 once no layout lease conflicts, -ETXTBSY for an exclusive
 * lease that is not the caller's or pins under an implicit lease
 * (implicit=deny), -EDEADLK when the caller holds an MR
 * pinning DAX blocks in [@start, @end] (the filesystem would wait for it
 * forever), -EWOULDBLOCK, or -ERESTARTSYS.
 */
static int ll_break_layout(struct inode *inode, loff_t start, loff_t end,
			   bool nonblock)
{
	bool leases = ll_inode_has_leases(inode);
	enum ll_implicit implicit = ll_implicit_mode();
	int ret;

	ret = ll_change_refused(inode, start, end, false);
	if (ret)
		return ret;
	if (leases && start <= end && implicit == LL_IMPLICIT_FENCE)
		ll_pins_break_implicit(inode, start, end);
	if (leases) {
		ret = ll_exclusive_conflict(inode);
		if (!ret)
			ret = ll_break_wait(inode, nonblock);
		if (ret)
			return ret;
	}
	/*
	 * No lease stands in the way, and pins of the range stay (revoke=
	 * unlock, a holder that released before deregistering, the owner's
	 * own change over a child's MR): the filesystem would wait for them
	 * without bound, so the change is refused instead.
	 */
	if (IS_DAX(inode) && start <= end && ll_pins_in(inode, start, end))
		return -ETXTBSY;
	return 0;
}

/*
 * do_truncate(idmap, dentry, length, time_attrs, filp): truncate(2),
 * ftruncate(2) and open(O_TRUNC), once the kernel's permission checks and
 * classic lease break have passed.  The change lasts the call.  It frees
 * the blocks from @length on, whatever the size is by the time the
 * filesystem locks the inode: a truncate that grows the file frees none
 * of the pinned ones, which all lie below the old size.  Only
 * open(O_TRUNC | O_NONBLOCK) is a non-blocking breaker.
 */
static int ll_do_truncate(struct ll_idmap *idmap, struct dentry *dentry,
			  loff_t length, unsigned int time_attrs,
			  struct file *filp)
{
	struct inode *inode = d_inode(dentry);
	bool nonblock = (time_attrs & ATTR_OPEN) && filp &&
			(filp->f_flags & O_NONBLOCK);
	struct ll_change change;
	int ret;

	ll_hook_enter();
	/* refused at once (-EINVAL): nothing to break (ksmbd passes any) */
	if (length < 0) {
		ret = orig_do_truncate(idmap, dentry, length, time_attrs, filp);
		ll_hook_leave();
		return ret;
	}
	ll_change_begin(&change, inode, length, LLONG_MAX, false);
	ret = ll_break_layout(inode, length, LLONG_MAX, nonblock);
	if (!ret)
		ret = orig_do_truncate(idmap, dentry, length, time_attrs, filp);
	ll_change_end(&change);
	ll_hook_leave();
	return ret;
}

/*
 * Would vfs_fallocate() go as far as the filesystem?  Only then does the
 * module break leases: a request it refuses at once (bad range or mode, a
 * file not open for writing, immutable, append-only, a swap file, too
 * large) breaks nothing.
 */
static bool ll_fallocate_permitted(struct file *file, int mode, loff_t offset,
				   loff_t len)
{
	struct inode *inode = file_inode(file);

	if (offset < 0 || len <= 0 || (mode & ~LL_FALLOC_KNOWN) ||
	    !(file->f_mode & FMODE_WRITE) || !S_ISREG(inode->i_mode) ||
	    !file->f_op->fallocate)
		return false;
	/* the mode rules of vfs_fallocate() (6.1; 6.12 has the same) */
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return false;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && (mode & FALLOC_FL_ZERO_RANGE))
		return false;
	if ((mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)) &&
	    (mode & ~(FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE)))
		return false;
	if ((mode & FALLOC_FL_COLLAPSE_RANGE) && (mode & FALLOC_FL_INSERT_RANGE))
		return false;
	if ((mode & FALLOC_FL_UNSHARE_RANGE) &&
	    (mode & ~(FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_KEEP_SIZE)))
		return false;
	/* 7.2: alone, without KEEP_SIZE */
	if ((mode & LL_FALLOC_WRITE_ZEROES) && mode != LL_FALLOC_WRITE_ZEROES)
		return false;
	if (IS_IMMUTABLE(inode) || IS_SWAPFILE(inode) ||
	    (IS_APPEND(inode) && (mode & ~FALLOC_FL_KEEP_SIZE)))
		return false;
	return offset + len <= inode->i_sb->s_maxbytes && offset + len > 0;
}

/* Which bytes' blocks a fallocate() may free or move: [*start, *end]. */
static void ll_fallocate_range(int mode, loff_t offset, loff_t len,
			       loff_t *start, loff_t *end)
{
	*start = offset;
	if (mode & (FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_INSERT_RANGE))
		*end = LLONG_MAX;
	else if (mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE |
			 FALLOC_FL_UNSHARE_RANGE | LL_FALLOC_WRITE_ZEROES))
		*end = offset + len - 1;
	else
		*end = -1;	/* allocation frees nothing */
}

static int ll_vfs_fallocate(struct file *file, int mode, loff_t offset,
			    loff_t len)
{
	struct ll_change change;
	loff_t start, end;
	int ret = 0;

	ll_hook_enter();
	ll_fallocate_range(mode, offset, len, &start, &end);
	ll_change_begin(&change, file_inode(file), start, end, false);
	if (ll_fallocate_permitted(file, mode, offset, len))
		ret = ll_break_layout(file_inode(file), start, end, false);
	if (!ret)
		ret = orig_vfs_fallocate(file, mode, offset, len);
	ll_change_end(&change);
	ll_hook_leave();
	return ret;
}

/*
 * Would the kernel go as far as the filesystem with this remap?  Only then
 * does the module break leases: a reader must not break a holder's lease
 * with a clone or dedupe into the holder's file that is refused anyway.
 */
static bool ll_remap_permitted(struct file *src, loff_t src_pos,
			       struct file *dst, loff_t dst_pos, loff_t len,
			       bool dedupe)
{
	loff_t end;

	if (!S_ISREG(file_inode(src)->i_mode) ||
	    !S_ISREG(file_inode(dst)->i_mode))
		return false;
	/* remap_verify_area()'s and generic_remap_checks()' EINVAL */
	if (src_pos < 0 || dst_pos < 0 || len < 0 ||
	    check_add_overflow(src_pos, len, &end) ||
	    check_add_overflow(dst_pos, len, &end))
		return false;
	if (len && file_inode(src) == file_inode(dst) &&
	    dst_pos + len > src_pos && dst_pos < src_pos + len)
		return false;
	/* allow_file_dedupe() */
	if (dedupe)
		return len && ((dst->f_mode & FMODE_WRITE) ||
			       ll_owner_ok(dst) || ll_may_write(dst) ||
			       capable(CAP_SYS_ADMIN));
	return (src->f_mode & FMODE_READ) && (dst->f_mode & FMODE_WRITE) &&
	       !(dst->f_flags & O_APPEND);
}

/*
 * The bytes of a remap's file whose blocks it replaces or shares, for
 * ll_break_layout(): the destination's are replaced; the source's become
 * shared, which on DAX moves a pinned page under its MR (a write through
 * the MR would reach the other file too); a page-cache source keeps its
 * pages.  @dax: both files are DAX (XFS refuses a remap between a DAX
 * file and another).  @len 0 clones to the end of the source.
 */
static void ll_remap_range(bool is_src, bool dax, loff_t pos, loff_t len,
			   loff_t *start, loff_t *end)
{
	if (is_src && !dax) {
		*start = LLONG_MAX;
		*end = -1;
		return;
	}
	*start = pos;
	*end = len ? pos + len - 1 : LLONG_MAX;
}

/* A remap under way: the layout changes of its one or two files. */
struct ll_remap {
	struct ll_change changes[2];
	int n;
};

/*
 * ll_remap_begin() - a reflink or dedupe of @len bytes is about to reach
 *		      the filesystem
 *
 * It changes the layout of both files: XFS breaks the layout leases of
 * both; the module breaks the destination's, before the filesystem's
 * busy-page wait, and refuses pins of the source's range (a reader's
 * remap breaks none of its leases: ll_change_reads()).
 * That wait covers the whole of both files on XFS; the changes' ranges
 * narrow it (ll_dax_busy_page()) to the pages the remap replaces or
 * shares, so that a pin elsewhere in either file does not hold it up.
 * Within one file the range covers both.  End with ll_remap_end(), also
 * on an error.
 *
 * Return: 0, or ll_break_layout()'s error for either file.
 */
static int ll_remap_begin(struct ll_remap *rm, bool dedupe, struct file *src,
			  loff_t src_pos, struct file *dst, loff_t dst_pos,
			  loff_t len)
{
	struct inode *inodes[2] = { file_inode(dst), file_inode(src) };
	bool dax = IS_DAX(inodes[0]) && IS_DAX(inodes[1]);
	loff_t start[2], end[2], s, e;
	int i, ret = 0;

	rm->n = inodes[0] == inodes[1] ? 1 : 2;
	if (!ll_remap_permitted(src, src_pos, dst, dst_pos, len, dedupe))
		rm->n = 0;
	for (i = 0; i < rm->n; i++)
		ll_remap_range(i, dax, i ? src_pos : dst_pos, len, &start[i],
			       &end[i]);
	if (rm->n == 1) {
		ll_remap_range(true, dax, src_pos, len, &s, &e);
		if (s <= e) {
			start[0] = min(start[0], s);
			end[0] = max(end[0], e);
		}
	}
	/* the source of a remap between two files only has its blocks shared */
	for (i = 0; i < rm->n; i++)
		ll_change_begin(&rm->changes[i], inodes[i], start[i], end[i],
				i == 1);
	/*
	 * What refuses the remap at once, before any break waits or
	 * revokes.  Reading a file is enough to reflink from it, and not
	 * enough to have another user's registration fenced or killed: any
	 * pin of the source's range refuses it, whatever implicit= says.
	 */
	for (i = 0; i < rm->n && !ret; i++) {
		ret = ll_change_refused(inodes[i], start[i], end[i], i == 1);
		if (!ret && i == 1 && dax &&
		    ll_pins_in(inodes[i], start[i], end[i]))
			ret = -ETXTBSY;
	}
	/* the destination's leases; the source's stay (ll_change_reads()) */
	if (!ret && rm->n)
		ret = ll_break_layout(inodes[0], start[0], end[0], false);
	return ret;
}

static void ll_remap_end(struct ll_remap *rm)
{
	while (rm->n > 0)
		ll_change_end(&rm->changes[--rm->n]);
}

static loff_t ll_clone_file_range(struct file *src, loff_t src_pos,
				  struct file *dst, loff_t dst_pos,
				  loff_t len, unsigned int flags)
{
	struct ll_remap rm;
	loff_t ret;

	ll_hook_enter();
	ret = ll_remap_begin(&rm, false, src, src_pos, dst, dst_pos, len);
	if (!ret)
		ret = orig_clone_file_range(src, src_pos, dst, dst_pos, len,
					    flags);
	ll_remap_end(&rm);
	ll_hook_leave();
	return ret;
}

static loff_t ll_dedupe_file_range_one(struct file *src, loff_t src_pos,
				       struct file *dst, loff_t dst_pos,
				       loff_t len, unsigned int flags)
{
	struct ll_remap rm;
	loff_t ret;

	ll_hook_enter();
	ret = ll_remap_begin(&rm, true, src, src_pos, dst, dst_pos, len);
	if (!ret)
		ret = orig_dedupe_file_range_one(src, src_pos, dst, dst_pos,
						 len, flags);
	ll_remap_end(&rm);
	ll_hook_leave();
	return ret;
}

/*
 * copy_file_range(2) within a filesystem that reflinks (XFS) calls its
 * ->remap_file_range() directly, and copies the bytes (splice) when that
 * fails.  The module breaks the leases as for FICLONERANGE, of the bytes
 * the kernel would remap (up to the source's end, generic_copy_file_checks()).
 * Over DAX pins, in either file, it has the kernel copy the bytes instead
 * (COPY_FILE_SPLICE, as nfsd asks), which moves no pinned block, and so
 * where a reflink is refused at once (ETXTBSY, EDEADLK); its writes break
 * the destination's leases as write(2) does.
 */
static ssize_t ll_copy_file_range(struct file *src, loff_t src_pos,
				  struct file *dst, loff_t dst_pos, size_t len,
				  unsigned int flags)
{
	struct inode *in = file_inode(src), *out = file_inode(dst);
	loff_t size = i_size_read(in), n = 0;
	struct ll_remap rm = { .n = 0 };
	ssize_t ret = 0;

	ll_hook_enter();
	if (src_pos >= 0 && src_pos < size)
		n = min_t(loff_t, min_t(size_t, len, MAX_RW_COUNT),
			  size - src_pos);
	if (n && IS_DAX(in) && IS_DAX(out) && dst_pos >= 0 &&
	    (ll_pins_in(in, src_pos, src_pos + n - 1) ||
	     ll_pins_in(out, dst_pos, dst_pos + n - 1)))
		ret = -ETXTBSY;
	else if (n)
		ret = ll_remap_begin(&rm, false, src, src_pos, dst, dst_pos,
				     n);
	if (ret == -ETXTBSY || ret == -EDEADLK) {
		ll_remap_end(&rm);
		flags |= COPY_FILE_SPLICE;
		ret = 0;
	}
	/*
	 * The bytes the ranges cover, not more: the kernel reads the size
	 * again, after the waits above, and a source grown meanwhile would
	 * have it remap past them.  A short copy is copy_file_range()'s; a
	 * copy from the end of the file on copies nothing (0), as if it came
	 * before the source grew.  A negative position is the kernel's to
	 * refuse.
	 */
	if (!ret)
		ret = orig_copy_file_range(src, src_pos, dst, dst_pos,
					   src_pos >= 0 ? n : len, flags);
	ll_remap_end(&rm);
	ll_hook_leave();
	return ret;
}

/*
 * The filesystem asks about the whole file (and, from 6.15, deletes the
 * DAX entries of the whole file once nothing is busy): narrow [*start,
 * *end] to the bytes whose blocks the caller's layout change frees or
 * moves.  A truncate that grows the file, or an allocation, then waits for
 * no pin, and a pinned folio outside the change keeps its entry.
 */
static void ll_dax_change_range(struct inode *inode, loff_t *start,
				loff_t *end)
{
	loff_t from, to;

	/* the kernel's end_idx of a negative end: the end of the file */
	if (*end < 0)
		*end = LLONG_MAX;
	if (ll_change_of_current(inode, &from, &to)) {
		*start = max(*start, from & ~(loff_t)(PAGE_SIZE - 1));
		*end = min(*end, to);
	}
}

static struct page *ll_dax_busy_page(struct address_space *mapping,
				     loff_t start, loff_t end)
{
	struct page *page = NULL;

	ll_hook_enter();
	ll_dax_change_range(mapping->host, &start, &end);
	if (start <= end) {
		page = orig_dax_busy_page(mapping, start, end);
		/* before 6.15 the kernel does not see a pin after munmap */
		if (!page && !LL_DAX_PINS_SEEN)
			page = ll_pins_busy_page(mapping->host, start, end);
	}
	/*
	 * The filesystem will wait for this pin before it breaks leases: a
	 * lease taken since this layout change began (the holder leasing and
	 * registering again) must be told now, or nobody moves.
	 */
	if (page && ll_inode_has_leases(mapping->host) &&
	    !ll_exclusive_conflict(mapping->host))
		ll_break_layout_nowait(mapping->host);
	ll_hook_leave();
	return page;
}

/*
 * dax_delete_mapping_range(), from 6.15 the end of dax_break_layout(): the
 * DAX entries of the range the busy check found idle, and only those.
 */
static void ll_dax_delete_range(struct address_space *mapping, loff_t start,
				loff_t end)
{
	ll_hook_enter();
	ll_dax_change_range(mapping->host, &start, &end);
	if (start <= end)
		orig_dax_delete_range(mapping, start, end);
	ll_hook_leave();
}

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
 * What XFS refuses once it has locked the files (xfs_exchrange_prep()),
 * in XFS's order and with its errno, so that such a request breaks
 * nothing: an immutable file (-EPERM) or swap file (-ETXTBSY), a range
 * past a file's end or overlapping itself (-EINVAL), a commit whose
 * file2 changed since XFS_IOC_START_COMMIT (-EBUSY), checked only when
 * there is something to exchange.  The sizes may still change, and XFS
 * checks more (alignment to the allocation unit): it may refuse what
 * passes here.  A length of 0 (not to the end of the files, whose length
 * XFS works out again under its locks) exchanges nothing: -ENODATA, for
 * the caller.
 */
static int ll_exchange_refused(const struct ll_xfs_exchrange *fxr,
			       struct inode *in1, struct inode *in2)
{
	loff_t size1 = i_size_read(in1), size2 = i_size_read(in2);
	loff_t o1 = fxr->file1_offset, o2 = fxr->file2_offset;
	struct timespec64 ctime2 = ll_inode_ctime(in2);
	struct timespec64 mtime2 = ll_inode_mtime(in2);
	loff_t len = fxr->length;

	if (IS_IMMUTABLE(in1) || IS_IMMUTABLE(in2))
		return -EPERM;
	if (IS_SWAPFILE(in1) || IS_SWAPFILE(in2))
		return -ETXTBSY;
	if (o1 > size1 || o2 > size2)
		return -EINVAL;
	if (fxr->flags & LL_XFS_EXCHANGE_TO_EOF)
		len = max(size1 - o1, size2 - o2);
	else if (len > size1 - o1 || len > size2 - o2)
		return -EINVAL;
	else if (!len)
		return -ENODATA;
	if (in1 == in2 && len && o2 < o1 + len && o1 < o2 + len)
		return -EINVAL;
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
 * Filters, run by the hook dispatcher (ll_hook_dispatch()): redirect only
 * the calls the module has business with, so that everything else runs at
 * full speed.
 *
 * __break_lease(): a layout break, or a classic one (an open for writing,
 * truncate(2)) that only the module's layout leases stand in the way of:
 * it passes them by at once (ll_inode_only_ours()).
 */
static bool ll_want_break(unsigned long *args)
{
	return ll_break_is_layout(ll_hook_arg(args, 1), ll_hook_arg(args, 2)) ||
	       ll_inode_only_ours((struct inode *)ll_hook_arg(args, 0));
}

/* do_truncate(): a file with leases, or a DAX file */
static bool ll_want_truncate(unsigned long *args)
{
	struct dentry *dentry = (struct dentry *)ll_hook_arg(args, 1);

	return ll_inode_needs_break(d_inode(dentry));
}

static bool ll_want_fallocate(unsigned long *args)
{
	struct file *filp = (struct file *)ll_hook_arg(args, 0);

	return ll_inode_needs_break(file_inode(filp));
}

/* remaps the filesystem may do (same sb, ->remap_file_range) of leased files */
static bool ll_want_remap(unsigned long *args)
{
	struct file *src = (struct file *)ll_hook_arg(args, 0);
	struct file *dst = (struct file *)ll_hook_arg(args, 2);

	return dst->f_op->remap_file_range &&
	       file_inode(src)->i_sb == file_inode(dst)->i_sb &&
	       (ll_inode_needs_break(file_inode(dst)) ||
		ll_inode_needs_break(file_inode(src)));
}

/*
 * copy_file_range(2) that the kernel makes a reflink: same filesystem, one
 * that reflinks and has no ->copy_file_range() of its own, flags 0 (not
 * the COPY_FILE_SPLICE that nfsd falls back to), a length.
 */
static bool ll_want_copy(unsigned long *args)
{
	struct file *src = (struct file *)ll_hook_arg(args, 0);
	struct file *dst = (struct file *)ll_hook_arg(args, 2);

	return ll_hook_arg(args, 4) && !(unsigned int)ll_hook_arg(args, 5) &&
	       src->f_op->remap_file_range && !dst->f_op->copy_file_range &&
	       file_inode(src)->i_sb == file_inode(dst)->i_sb &&
	       (ll_inode_needs_break(file_inode(dst)) ||
		ll_inode_needs_break(file_inode(src)));
}

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

static struct ll_hook ll_change_hooks[] = {
	LL_WRAP("do_truncate", ll_want_truncate, ll_do_truncate,
		&orig_do_truncate),
	LL_WRAP("vfs_fallocate", ll_want_fallocate, ll_vfs_fallocate,
		&orig_vfs_fallocate),
	LL_WRAP(LL_CLONE_FN, ll_want_remap, ll_clone_file_range,
		&orig_clone_file_range),
	LL_WRAP("vfs_dedupe_file_range_one", ll_want_remap,
		ll_dedupe_file_range_one, &orig_dedupe_file_range_one),
	LL_WRAP("vfs_copy_file_range", ll_want_copy, ll_copy_file_range,
		&orig_copy_file_range),
	LL_WRAP("__break_lease", ll_want_break, ll_break_lease,
		&orig_break_lease),
	/* only while pinned pages are counted: the gate (lease_pin.c) */
	LL_WRAP_GATED("dax_layout_busy_page_range", LL_GATE_PINS,
		      ll_dax_busy_page, &orig_dax_busy_page),
	LL_WRAP_GATED_ON(LL_DAX_PINS_SEEN, "dax_delete_mapping_range",
			 LL_GATE_PINS, ll_dax_delete_range,
			 &orig_dax_delete_range),
	/* only while an XFS operation runs: the gate (ll_xfs_op_begin()) */
	LL_PRE_GATED_IF("lock_two_nondirectories", LL_GATE_XFS_OPS,
			ll_want_swap_files, ll_swap_lock_pre),
};

struct ll_hook_table ll_change_hook_table = {
	.module = NULL,
	.hooks = ll_change_hooks,
	.count = ARRAY_SIZE(ll_change_hooks),
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
