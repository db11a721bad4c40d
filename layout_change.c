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
 *
 * and XFS's extent swaps and range exchanges, in xfs_change.c.
 *
 * The changes of these hooks last the call, on the replacement's stack;
 * the change a filesystem's own break starts lasts until the task returns
 * to user space.  The originals, do_truncate() among them, which CET-IBT
 * kernels seal, are entered through the module's thunks (ll_hook.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/overflow.h>
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
	 * A classic break comes here only when the filter found nothing but
	 * the module's leases, which it never conflicts with: nothing to
	 * break.  The filter's look, a walk under flc_lock, is the one
	 * __break_lease() would make a moment later: a lease set since is
	 * the setter's to refuse, as after __break_lease()'s.  A classic
	 * lease or a delegation looks for conflicting opens again once
	 * inserted (generic_add_lease(), nfsd4_check_conflicting_opens()),
	 * and every opener and truncater counts itself before it breaks;
	 * the callers of break_deleg() hold the inode lock that setting a
	 * delegation takes.
	 */
	if (!ll_break_is_layout(mode, type)) {
		ll_hook_leave();
		return 0;
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
	/*
	 * the module's own bounded wait for its leases (ll_break_wait(),
	 * which refuses for an exclusive one that is not the caller's)
	 */
	if (ours)
		ret = ll_break_wait(inode, ll_break_is_nonblock(mode));
	else
		ret = ll_break_lease_call(orig_break_lease, inode, mode, type);
	ll_hook_leave();
	return ret;
}

/**
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
int ll_change_refused(struct inode *inode, loff_t start, loff_t end,
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

/**
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
int ll_break_layout(struct inode *inode, loff_t start, loff_t end,
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
	if (page && ll_inode_has_leases(mapping->host))
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
};

struct ll_hook_table ll_change_hook_table = {
	.module = NULL,
	.hooks = ll_change_hooks,
	.count = ARRAY_SIZE(ll_change_hooks),
};
