// SPDX-License-Identifier: GPL-2.0
/*
 * Implicit layout leases: a program that knows nothing of F_LAYOUT maps a
 * DAX file shared and registers it.  The registration gets an implicit
 * lease (mode "implicit" in /proc/fs/layoutlease/leases, a LEASE line in
 * /proc/locks) that no signal is ever sent for and that goes with its
 * last pin.  implicit=deny refuses, with ETXTBSY, a layout change by
 * anyone over the pinned bytes and lets every other change through;
 * implicit=fence breaks the lease and fences the registration at the
 * break timeout; implicit=off is a stock kernel's EOPNOTSUPP.
 */
#include <libgen.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "lease_util.h"
#include "rdma_util.h"

#define LEN	(1 << 20)		/* registered: [0, LEN) */
#define FILE_LEN (2 * LEN)		/* the file: [LEN, 2 * LEN) is free */
#define PAGES	(LEN / 4096)
#define BREAK_MS 300

FIXTURE(implicit) {
	char path[PATH_MAX];
	char path2[PATH_MAX];	/* more files, if a test makes them */
	char path3[PATH_MAX];
	char trace[PATH_MAX];	/* a trace instance of the test's, if any */
	struct stat st;
	long timeout;
};

FIXTURE_VARIANT(implicit) {
	const char *dir;
};

FIXTURE_VARIANT_ADD(implicit, dax_xfs) {
	.dir = MNT_DAX_XFS,
};

FIXTURE_VARIANT_ADD(implicit, dax_ext4) {
	.dir = MNT_DAX_EXT4,
};

FIXTURE_SETUP(implicit)
{
	int fd = ll_make_file(variant->dir, "implicit.dat", FILE_LEN, 'i',
			      self->path, sizeof(self->path));

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, fstat(fd, &self->st));
	close(fd);
	self->timeout = ll_read_long(LL_PARAM("break_timeout_ms"));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), BREAK_MS));
	ASSERT_EQ(0, ll_sh("grep -qx deny " LL_PARAM("implicit")))
		TH_LOG("deny is the default");
}

FIXTURE_TEARDOWN(implicit)
{
	if (self->trace[0])
		rmdir(self->trace);
	ll_module_restore();
	ll_write_long(LL_PARAM("break_timeout_ms"), self->timeout);
	unlink(self->path);
	if (self->path2[0])
		unlink(self->path2);
	if (self->path3[0])
		unlink(self->path3);
}

/* Are all @len bytes of @path from @off equal to @c? */
static bool file_is(const char *path, off_t off, size_t len, char c)
{
	static char buf[LEN];
	int fd = open(path, O_RDONLY);
	bool same = fd >= 0 && len <= sizeof(buf) &&
		    pread(fd, buf, len, off) == (ssize_t)len;
	size_t i;

	for (i = 0; same && i < len; i++)
		same = buf[i] == c;
	if (fd >= 0)
		close(fd);
	return same;
}

/* fallocate() in another process; its exit status is the errno. */
static pid_t fallocate_elsewhere(const char *path, int mode, off_t off,
				 off_t len)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd;

		close_range(3, ~0U, 0);
		fd = open(path, O_RDWR);
		_exit(fd >= 0 && !fallocate(fd, mode, off, len) ? 0 : errno);
	}
	return pid;
}

/* open(O_TRUNC) in another process; its exit status is the errno. */
static pid_t open_trunc_elsewhere(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		close_range(3, ~0U, 0);
		_exit(open(path, O_RDWR | O_TRUNC) >= 0 ? 0 : errno);
	}
	return pid;
}

/* Does @fd's block at @off share its blocks with another file? */
static bool block_shared(int fd, off_t off)
{
	struct {
		struct fiemap map;
		struct fiemap_extent extent;
	} f = { .map = { .fm_start = off, .fm_length = 4096,
			 .fm_flags = FIEMAP_FLAG_SYNC, .fm_extent_count = 1 } };

	return !ioctl(fd, FS_IOC_FIEMAP, &f) && f.map.fm_mapped_extents &&
	       (f.extent.fe_flags & FIEMAP_EXTENT_SHARED);
}

enum remap_how { CLONE, COPY };

#define COPIED	200	/* reflink_elsewhere(COPY): copied, not reflinked */

/*
 * A reflink in another process between @path and a new sibling file of
 * 's' bytes, the same range of each: @from_path takes @path's bytes
 * [@off, @off + @len) into the sibling, otherwise the sibling's into @path.
 * CLONE by FICLONERANGE, COPY by copy_file_range(2), which the kernel
 * makes a reflink on XFS.  The exit status is the errno, or 0 once the
 * bytes are in place and share their blocks, COPIED once they are in
 * place in blocks of their own.
 */
static pid_t reflink_elsewhere(const char *path, enum remap_how how,
			       bool from_path, off_t off, off_t len)
{
	pid_t pid = fork();

	if (pid == 0) {
		char dir[PATH_MAX], sib[PATH_MAX];
		struct file_clone_range r = { .src_length = len,
					      .src_offset = off,
					      .dest_offset = off };
		int fd, sfd, in, out, ret = 0;
		loff_t in_off = off, out_off = off;

		close_range(3, ~0U, 0);
		snprintf(dir, sizeof(dir), "%s", path);
		sfd = ll_make_file(dirname(dir), "sibling.dat", FILE_LEN, 's',
				   sib, sizeof(sib));
		fd = open(path, O_RDWR);
		if (fd < 0 || sfd < 0 || fsync(sfd))
			_exit(errno);
		in = from_path ? fd : sfd;
		out = from_path ? sfd : fd;
		r.src_fd = in;
		if (how == CLONE && ioctl(out, FICLONERANGE, &r))
			ret = errno;
		else if (how == COPY &&
			 copy_file_range(in, &in_off, out, &out_off, len, 0) !=
			 len)
			ret = errno ? errno : EIO;
		else if (!block_shared(out, off))
			ret = COPIED;
		unlink(sib);
		_exit(ret);
	}
	return pid;
}

/*
 * FICLONERANGE of [@off, @off + @len) from @src into @dst at the same
 * offset, in another process; its exit status is the errno.
 */
static pid_t clone_elsewhere(const char *src, const char *dst, off_t off,
			     off_t len)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct file_clone_range r = { .src_offset = off,
					      .src_length = len,
					      .dest_offset = off };
		int out;

		close_range(3, ~0U, 0);
		r.src_fd = open(src, O_RDONLY);
		out = open(dst, O_RDWR);
		_exit(r.src_fd >= 0 && out >= 0 &&
		      !ioctl(out, FICLONERANGE, &r) ? 0 : errno);
	}
	return pid;
}

/* The errno a child of the *_elsewhere() helpers exited with, or -1. */
static int child_errno(pid_t pid)
{
	int st = ll_wait_exit(pid, 60);

	return st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST_F(implicit, registration_gets_an_implicit_lease)
{
	struct file_mr r = { 0 };
	struct ll_lease_line l;
	struct pin_line p;
	char id[24];
	int fd = open(self->path, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN)) TH_LOG("ibv_reg_mr: %s",
					      strerror(errno));
	EXPECT_EQ(1, ll_proc_locks_leases(&self->st));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_STREQ("implicit", l.mode);
	EXPECT_STREQ("active", l.state);
	EXPECT_EQ(getpid(), l.pid) TH_LOG("the registering process");
	EXPECT_EQ(-1, l.fd);
	EXPECT_EQ(1, l.pins);
	EXPECT_EQ(PAGES, l.pages);
	ASSERT_EQ(1, pin_lines(&self->st, &p));
	snprintf(id, sizeof(id), "%llu", l.id);
	EXPECT_STREQ(id, p.lease);
	EXPECT_EQ(0, p.start);
	EXPECT_EQ(LEN, p.end);
	/* the program's own view: no lease of its own to see or release */
	EXPECT_EQ(F_UNLCK, ll_getlease(fd));
	EXPECT_EQ(-EAGAIN, ll_setlease(fd, F_LAYOUT | F_UNLCK));
	EXPECT_EQ(1, ll_lease_line(&self->st, &l));

	/* gone with its last pin, when the deregistration returns */
	file_mr_unreg(&r);
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	EXPECT_EQ(0, ll_lease_line(&self->st, &l));
	EXPECT_EQ(0, ll_stat("pins"));
	close(fd);
}

TEST_F(implicit, lease_goes_with_its_last_pin)
{
	struct file_mr r = { 0 };
	struct ll_lease_line l;
	struct ibv_mr *second;
	int fd = open(self->path, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	second = ibv_reg_mr(r.pd, r.buf, LEN / 2, RDMA_ACCESS);
	ASSERT_NE(NULL, second);
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_EQ(2, l.pins) TH_LOG("one lease for both");
	EXPECT_EQ(0, ibv_dereg_mr(r.mr));
	r.mr = NULL;
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_EQ(1, l.pins);
	EXPECT_EQ(0, ibv_dereg_mr(second));
	EXPECT_EQ(0, ll_lease_line(&self->st, &l));
	/* and a new registration gets a new one */
	r.mr = ibv_reg_mr(r.pd, r.buf, LEN, RDMA_ACCESS);
	ASSERT_NE(NULL, r.mr);
	EXPECT_EQ(1, ll_lease_line(&self->st, &l));
	file_mr_unreg(&r);
	EXPECT_EQ(0, ll_lease_line(&self->st, &l));
	close(fd);
}

TEST_F(implicit, deny_refuses_changes_over_the_pins)
{
	long breaks = ll_stat("breaks");
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	memset(r.buf, 'w', LEN);
	ll_dmesg_mark();

	/* over the pinned bytes, by anyone: ETXTBSY at once */
	EXPECT_EQ(ETXTBSY, child_errno(ll_truncate_elsewhere(self->path, 0)));
	EXPECT_EQ(ETXTBSY,
		  child_errno(ll_truncate_elsewhere(self->path, LEN / 2)));
	EXPECT_EQ(ETXTBSY, child_errno(open_trunc_elsewhere(self->path)));
	EXPECT_EQ(ETXTBSY, child_errno(fallocate_elsewhere(self->path,
			   FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			   LEN - 4096, 8192)));
	EXPECT_EQ(-1, ftruncate(fd, 0)) TH_LOG("the registrant itself");
	EXPECT_EQ(ETXTBSY, errno);
	EXPECT_EQ(0, ll_dmesg_wait("refused: bytes 0-1048576 pinned by MR"));

	/* elsewhere, and growing: as without the module */
	EXPECT_EQ(0, child_errno(fallocate_elsewhere(self->path,
		  FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, LEN, 8192)));
	EXPECT_EQ(0, child_errno(ll_truncate_elsewhere(self->path,
						       3 * LEN)));
	EXPECT_EQ(0, child_errno(fallocate_elsewhere(self->path, 0,
						     3 * LEN, LEN)));
	EXPECT_EQ(0, child_errno(ll_truncate_elsewhere(self->path, LEN)));

	/* the file is intact, the lease is as it was */
	EXPECT_EQ(LEN, ll_file_size(self->path));
	EXPECT_TRUE(file_is(self->path, 0, LEN, 'w'));
	EXPECT_EQ(breaks, ll_stat("breaks"));
	file_mr_unreg(&r);
	EXPECT_EQ(0, child_errno(ll_truncate_elsewhere(self->path, 0)));
	close(fd);
}

/*
 * A reflink shares the source's blocks and replaces the destination's:
 * either, over DAX pages an MR pins, moves them under it.  XFS waits for
 * every busy DAX page of both files, whatever the range: the module has it
 * wait only for those of the ranges, and refuses a reflink over the pins.
 */
TEST_F(implicit, deny_refuses_reflinks_over_the_pins)
{
	long breaks = ll_stat("breaks");
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	if (strcmp(variant->dir, MNT_DAX_XFS))
		SKIP(return, "reflink is an XFS test");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	memset(r.buf, 'w', LEN);

	/* from or into the pinned bytes, by anyone: ETXTBSY at once */
	EXPECT_EQ(ETXTBSY, child_errno(reflink_elsewhere(self->path, CLONE,
							 true, 0, LEN)));
	EXPECT_EQ(ETXTBSY, child_errno(reflink_elsewhere(self->path, CLONE,
							 true, LEN - 4096,
							 8192)));
	EXPECT_EQ(ETXTBSY, child_errno(reflink_elsewhere(self->path, CLONE,
							 false, LEN - 4096,
							 8192)));
	EXPECT_EQ(ETXTBSY, child_errno(reflink_elsewhere(self->path, CLONE,
							 true, 0, 0)))
		TH_LOG("the whole file");
	/* copy_file_range() copies them instead */
	EXPECT_EQ(COPIED, child_errno(reflink_elsewhere(self->path, COPY,
							true, 0, LEN)));
	EXPECT_TRUE(file_is(self->path, 0, LEN, 'w'));

	/* beside them: as without the module */
	EXPECT_EQ(0, child_errno(reflink_elsewhere(self->path, CLONE, true,
						   LEN, LEN)));
	EXPECT_EQ(0, child_errno(reflink_elsewhere(self->path, COPY, true,
						   LEN, LEN)));
	EXPECT_EQ(0, child_errno(reflink_elsewhere(self->path, CLONE, false,
						   LEN, LEN)));
	EXPECT_TRUE(file_is(self->path, LEN, LEN, 's'));
	EXPECT_TRUE(file_is(self->path, 0, LEN, 'w'));
	EXPECT_EQ(breaks, ll_stat("breaks"));
	EXPECT_EQ(1, ll_stat("pins"));

	/* a copy into them is a write over them, in the pinned blocks */
	EXPECT_EQ(COPIED, child_errno(reflink_elsewhere(self->path, COPY,
							false, 0, 4096)));
	EXPECT_FALSE(block_shared(fd, 0));
	EXPECT_TRUE(file_is(self->path, 0, 4096, 's'));
	EXPECT_TRUE(file_is(self->path, 4096, LEN - 4096, 'w'));

	file_mr_unreg(&r);
	EXPECT_EQ(0, child_errno(reflink_elsewhere(self->path, CLONE, true,
						   0, 0)));
	close(fd);
}

/*
 * XFS's extent swap moves every block of both files: pins of either
 * refuse it at once (ETXTBSY), whoever asks, breaking nothing.  Once the
 * registration is gone it goes through.
 */
TEST_F(implicit, deny_refuses_an_extent_swap)
{
	enum ll_swap_mode modes[] = { LL_SWAP_TARGET, LL_SWAP_TMP };
	long breaks = ll_stat("breaks");
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);
	unsigned int i;
	int st;

	if (strcmp(variant->dir, MNT_DAX_XFS))
		SKIP(return, "XFS_IOC_SWAPEXT is an XFS test");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	memset(r.buf, 'w', LEN);
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		st = child_errno(ll_swapext_elsewhere(self->path, FILE_LEN,
						      modes[i]));
		EXPECT_EQ(ETXTBSY, st) TH_LOG("mode %u", i);
	}
	EXPECT_TRUE(file_is(self->path, 0, LEN, 'w'));
	EXPECT_EQ(breaks, ll_stat("breaks"));
	EXPECT_EQ(1, ll_stat("pins"));
	file_mr_unreg(&r);
	EXPECT_EQ(0, child_errno(ll_swapext_elsewhere(self->path, FILE_LEN,
						      LL_SWAP_TARGET)));
	EXPECT_TRUE(file_is(self->path, 0, LEN, 0) &&
		    file_is(self->path, LEN, LEN, 0))
		TH_LOG("the other file's bytes: a hole");
	close(fd);
}

/*
 * implicit=fence lets a writer's change over the pins fence them, not a
 * reader's: reflinking from a file needs only read access.  Pins of a
 * reflink's source range refuse it in every mode; copy_file_range()
 * copies the bytes, and nothing is broken or fenced.
 */
TEST_F(implicit, fence_leaves_reflinks_from_the_pins_refused)
{
	long breaks = ll_stat("breaks"), fences = ll_stat("fences");
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	if (strcmp(variant->dir, MNT_DAX_XFS))
		SKIP(return, "reflink is an XFS test");
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ll_sh("echo fence > " LL_PARAM("implicit")));
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	EXPECT_EQ(ETXTBSY, child_errno(reflink_elsewhere(self->path, CLONE,
							 true, 0, LEN)));
	EXPECT_EQ(COPIED, child_errno(reflink_elsewhere(self->path, COPY,
							true, 0, LEN)));
	EXPECT_EQ(0, child_errno(reflink_elsewhere(self->path, CLONE, true,
						   LEN, LEN)));
	EXPECT_EQ(breaks, ll_stat("breaks"));
	EXPECT_EQ(fences, ll_stat("fences"));
	EXPECT_EQ(1, ll_stat("pins"));
	file_mr_unreg(&r);
	close(fd);
}

/*
 * XFS waits for the DAX pages of a reflink's two files in inode order, and
 * for the second one without sleeping or looking for signals: a pinned
 * file that is the second must be refused before, as the first is.
 */
TEST_F(implicit, deny_refuses_reflinks_of_the_second_inode)
{
	char *pinned = self->path3, *other = self->path2;
	struct stat st2, st3;
	struct file_mr r = { 0 };
	int fd;

	if (strcmp(variant->dir, MNT_DAX_XFS))
		SKIP(return, "reflink is an XFS test");
	fd = ll_make_file(variant->dir, "two.dat", FILE_LEN, 's',
			  self->path2, sizeof(self->path2));
	ASSERT_LE(0, fd);
	close(fd);
	fd = ll_make_file(variant->dir, "three.dat", FILE_LEN, 's',
			  self->path3, sizeof(self->path3));
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, stat(self->path2, &st2));
	ASSERT_EQ(0, stat(self->path3, &st3));
	/* pin the file with the higher inode number: XFS's second */
	if (st2.st_ino > st3.st_ino) {
		pinned = self->path2;
		other = self->path3;
	}
	fd = open(pinned, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	memset(r.buf, 'p', LEN);

	EXPECT_EQ(ETXTBSY, child_errno(clone_elsewhere(pinned, other, 0,
						       LEN)));
	EXPECT_EQ(ETXTBSY, child_errno(clone_elsewhere(other, pinned, 0,
						       LEN)));
	EXPECT_EQ(0, child_errno(clone_elsewhere(pinned, other, LEN, LEN)));
	EXPECT_EQ(0, child_errno(clone_elsewhere(other, pinned, LEN, LEN)));
	EXPECT_TRUE(file_is(pinned, 0, LEN, 'p'));
	EXPECT_TRUE(file_is(other, 0, LEN, 's'));
	EXPECT_EQ(1, ll_stat("pins"));
	file_mr_unreg(&r);
	close(fd);
}

/* What a registrant child saw after its MR's fence. */
struct after {
	int reg;		/* errno of a new ibv_reg_mr(), or 0 */
	int dereg;		/* ibv_dereg_mr() of the fenced MR */
	int getlease;
};

/*
 * A program without leases: registers @path's first LEN bytes, says 'R',
 * and after a byte from the test reports what its verbs calls get.  SIGIO
 * keeps its default action: a signal would kill it.
 */
static void registrant(const char *path, int in, int out)
{
	struct file_mr r = { 0 };
	struct after a = { 0 };
	struct ibv_mr *mr;
	int fd;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(path, O_RDWR);
	if (fd < 0 || file_mr_reg(&r, fd, LEN))
		_exit(2);
	if (write(out, "R", 1) != 1 || read(in, &c, 1) != 1)
		_exit(3);
	mr = ibv_reg_mr(r.pd, r.buf, LEN, RDMA_ACCESS);
	a.reg = mr ? 0 : errno;
	a.dereg = ibv_dereg_mr(r.mr);
	a.getlease = ll_getlease(fd);
	if (write(out, &a, sizeof(a)) != sizeof(a))
		_exit(4);
	_exit(0);
}

TEST_F_TIMEOUT(implicit, fence_breaks_and_fences_the_registrant, 120)
{
	long fences = ll_stat("fences"), breaks = ll_stat("breaks");
	char trace[sizeof(self->trace)];
	int down[2], up[2], st;
	struct ll_lease_line l;
	struct after a;
	double t0, t;
	pid_t pid;
	char c;

	ASSERT_EQ(0, ll_sh("echo fence > " LL_PARAM("implicit")));
	/*
	 * The fence's trace event, which nothing drops: its log line is rate
	 * limited, and the fence tests before may have used the burst up.
	 */
	snprintf(trace, sizeof(trace), TRACEFS "/instances/llimplicit-%d",
		 getpid());
	ASSERT_EQ(0, mkdir(trace, 0755));
	strcpy(self->trace, trace);	/* the teardown's to remove */
	ASSERT_EQ(0, ll_sh("echo 1 > %s/events/layoutlease/layoutlease_fence/enable",
			   self->trace));
	ASSERT_EQ(0, pipe(down));
	ASSERT_EQ(0, pipe(up));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		registrant(self->path, down[0], up[1]);
	ASSERT_EQ(0, ll_read_full(up[0], &c, 1, LL_REPORT_MS));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_STREQ("implicit", l.mode);
	EXPECT_EQ(pid, l.pid);

	/* a change beside the pins goes through at once, breaking nothing */
	EXPECT_EQ(0, child_errno(ll_truncate_elsewhere(self->path, LEN)));
	EXPECT_EQ(breaks, ll_stat("breaks"));

	/* over them: waits out the timeout, then the fence lets it by */
	t0 = ll_now();
	EXPECT_EQ(0, child_errno(ll_truncate_elsewhere(self->path, 0)));
	t = ll_now() - t0;
	EXPECT_LE(BREAK_MS / 1000.0, t);
	EXPECT_EQ(0, ll_file_size(self->path));
	EXPECT_EQ(breaks + 1, ll_stat("breaks"));
	EXPECT_EQ(fences + 1, ll_stat("fences"));
	EXPECT_EQ(0, ll_lease_line(&self->st, &l));
	EXPECT_EQ(0, ll_sh("grep -q 'layoutlease_fence: lease=[0-9]* umem=[0-9]* pid=%d$' %s/trace",
			   pid, self->trace));
	TH_LOG("the truncate took %.0f ms", t * 1000);

	/* the registrant lives, told by EIO */
	ASSERT_EQ(1, write(down[1], "g", 1));
	ASSERT_EQ(0, ll_read_full(up[0], &a, sizeof(a), LL_REPORT_MS));
	EXPECT_EQ(EIO, a.reg);
	EXPECT_EQ(EIO, a.dereg);
	EXPECT_EQ(F_UNLCK, a.getlease);
	st = ll_wait_exit(pid, 60);
	EXPECT_TRUE(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("status 0x%x", st);
	EXPECT_EQ(0, ll_stat("pins"));
	close(down[1]);
	close(up[0]);
}

/*
 * implicit=fence: while a change waits for the lease, neither the broken
 * lease nor a new implicit one (another open file) takes a new pin.
 */
TEST_F_TIMEOUT(implicit, no_new_pin_while_a_change_is_under_way, 120)
{
	long breaks = ll_stat("breaks");
	int fd = open(self->path, O_RDWR), other = open(self->path, O_RDWR);
	struct file_mr r = { 0 }, r2 = { 0 };
	struct ll_lease_line l;
	pid_t breaker;

	ASSERT_LE(0, fd);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, ll_sh("echo fence > " LL_PARAM("implicit")));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 5000));
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	breaker = ll_truncate_elsewhere(self->path, 0);
	ASSERT_LT(0, breaker);
	ASSERT_EQ(0, ll_wait_stat("breaks", breaks + 1));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_STREQ("breaking", l.state);
	EXPECT_EQ(NULL, ibv_reg_mr(r.pd, r.buf, LEN, RDMA_ACCESS));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-EAGAIN, file_mr_reg(&r2, other, LEN));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_EQ(1, l.pins);
	/* the fence comes at the deadline; the change completes */
	EXPECT_EQ(0, child_errno(breaker));
	EXPECT_EQ(0, ll_file_size(self->path));
	EXPECT_EQ(0, ll_stat("pins"));
	file_mr_unreg(&r2);
	file_mr_unreg(&r);
	close(other);
	close(fd);
}

TEST_F(implicit, explicit_lease_takes_over)
{
	struct file_mr r = { 0 };
	struct ll_lease_line l;
	unsigned long long id;
	int fd = open(self->path, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	id = l.id;
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_EQ(id, l.id) TH_LOG("the same lease");
	EXPECT_STREQ("shared", l.mode);
	EXPECT_EQ(fd, l.fd);
	EXPECT_EQ(1, l.pins);
	EXPECT_EQ(LL_SHARED, ll_getlease(fd));
	EXPECT_EQ(1, ll_proc_locks_leases(&self->st));
	/* now the program's: it outlives the MR, until F_UNLCK */
	EXPECT_EQ(0, ibv_dereg_mr(r.mr));
	r.mr = NULL;
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_EQ(0, l.pins);
	EXPECT_EQ(0, ll_setlease(fd, F_LAYOUT | F_UNLCK));
	EXPECT_EQ(0, ll_lease_line(&self->st, &l));
	file_mr_unreg(&r);
	close(fd);
}

/*
 * No take-over while a layout change of the file is under way, as no new
 * lease is set then: the change took the lease for implicit, and would
 * not be told of what it pins as the program's.  A truncate to the
 * file's size frees none of the pins; it waits for another process's
 * lease, which ignores the break.
 */
TEST_F_TIMEOUT(implicit, no_take_over_while_a_change_is_under_way, 120)
{
	long breaks = ll_stat("breaks");
	int fd = open(self->path, O_RDWR);
	struct file_mr r = { 0 };
	struct ll_lease_line l;
	struct holder h;
	pid_t breaker;

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 20000));
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	ASSERT_EQ(0, holder_start(&h, self->path, LL_SHARED, HOLD_IGNORE));
	breaker = ll_truncate_elsewhere(self->path, FILE_LEN);
	ASSERT_LT(0, breaker);
	ASSERT_EQ(0, ll_wait_stat("breaks", breaks + 1));
	EXPECT_EQ(-EAGAIN, ll_setlease(fd, LL_SHARED));
	ASSERT_LE(1, ll_lease_line(&self->st, &l));
	EXPECT_STREQ("implicit", l.mode) TH_LOG("the first lease, ours");
	EXPECT_EQ(1, l.pins);
	/* the holder's lease goes with it: the change completes */
	EXPECT_EQ(1, holder_finish(&h));
	EXPECT_EQ(0, child_errno(breaker));
	EXPECT_EQ(FILE_LEN, ll_file_size(self->path));
	EXPECT_EQ(0, ll_setlease(fd, LL_SHARED));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_STREQ("shared", l.mode);
	EXPECT_EQ(1, l.pins);
	EXPECT_EQ(0, ibv_dereg_mr(r.mr));
	r.mr = NULL;
	EXPECT_EQ(0, ll_setlease(fd, F_LAYOUT | F_UNLCK));
	file_mr_unreg(&r);
	close(fd);
}

/* Rule 3's counterpart: another open file of the inode gets its own. */
TEST_F(implicit, another_open_gets_its_own_lease)
{
	int leased = open(self->path, O_RDWR), other = open(self->path, O_RDWR);
	struct file_mr r = { 0 };
	struct ll_lease_line l;
	struct pin_line p;
	char id[24];

	ASSERT_LE(0, leased);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, ll_setlease(leased, LL_SHARED));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	ASSERT_EQ(0, file_mr_reg(&r, other, LEN));
	ASSERT_EQ(1, pin_lines(&self->st, &p));
	snprintf(id, sizeof(id), "%llu", l.id);
	EXPECT_STRNE(id, p.lease) TH_LOG("not the explicit lease");
	EXPECT_EQ(2, ll_proc_locks_leases(&self->st));
	file_mr_unreg(&r);
	EXPECT_EQ(1, ll_proc_locks_leases(&self->st));
	EXPECT_EQ(0, ll_setlease(leased, F_LAYOUT | F_UNLCK));
	close(other);
	close(leased);
}

/* A read-only file's shared mapping (no VM_SHARED) pins the file too. */
TEST_F(implicit, read_only_shared_mapping_is_protected)
{
	int fd = open(self->path, O_RDONLY);
	struct ibv_context *ctx = open_rxe0();
	struct ibv_pd *pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	struct ll_lease_line l;
	struct ibv_mr *mr;
	void *buf;

	/* 6.1's ib_umem_get() pins with FOLL_FORCE | FOLL_WRITE (until 6.2) */
	if (!ll_kernel_at_least(6, 2))
		SKIP(goto out, "no read-only registration of a shared mapping before 6.2");
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, pd);
	buf = mmap(NULL, LEN, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	mr = ibv_reg_mr(pd, buf, LEN, IBV_ACCESS_REMOTE_READ);
	ASSERT_NE(NULL, mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_STREQ("implicit", l.mode);
	/* a peer reads these blocks: they must not be freed and reused */
	EXPECT_EQ(ETXTBSY, child_errno(ll_truncate_elsewhere(self->path, 0)));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(0, ll_lease_line(&self->st, &l));
	munmap(buf, LEN);
out:
	if (pd)
		ibv_dealloc_pd(pd);
	if (ctx)
		ibv_close_device(ctx);
	close(fd);
}

TEST_F(implicit, private_mapping_gets_none)
{
	int fd = open(self->path, O_RDWR);
	struct ibv_context *ctx = open_rxe0();
	struct ibv_pd *pd = ctx ? ibv_alloc_pd(ctx) : NULL;
	void *buf;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, pd);
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	EXPECT_EQ(NULL, ibv_reg_mr(pd, buf, LEN, RDMA_ACCESS));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	munmap(buf, LEN);
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	close(fd);
}

/* Leasing needs the file's ownership or CAP_LEASE, implicitly too. */
TEST_F(implicit, other_user_gets_none)
{
	pid_t pid;

	ASSERT_EQ(0, chmod(self->path, 0666));
	ll_dmesg_mark();
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct file_mr r = { 0 };
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(100);
		fd = open(self->path, O_RDWR);
		_exit(fd < 0 ? 101 : -file_mr_reg(&r, fd, LEN));
	}
	EXPECT_EQ(EOPNOTSUPP, child_errno(pid));
	EXPECT_EQ(0, ll_dmesg_wait("not the file.s owner, no CAP_LEASE"));
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	EXPECT_EQ(0, ll_stat("pins"));
}

TEST_F(implicit, off_is_a_stock_kernel)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ll_sh("echo off > " LL_PARAM("implicit")));
	EXPECT_EQ(-EOPNOTSUPP, file_mr_reg(&r, fd, LEN));
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	file_mr_unreg(&r);
	close(fd);
}

TEST_F(implicit, rmmod_refused_under_an_implicit_pin)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	EXPECT_NE(0, syscall(__NR_delete_module, "layoutlease", O_NONBLOCK));
	EXPECT_TRUE(ll_module_loaded());
	file_mr_unreg(&r);
	close(fd);
}

TEST_F(implicit, bad_values_are_refused)
{
	EXPECT_NE(0, ll_sh("echo maybe > " LL_PARAM("implicit") " 2>/dev/null"));
	EXPECT_NE(0, ll_sh("echo some > " LL_PARAM("implicit_scope")
			   " 2>/dev/null"));
	EXPECT_EQ(0, ll_sh("grep -qx deny " LL_PARAM("implicit")));
	EXPECT_EQ(0, ll_sh("grep -qx dax " LL_PARAM("implicit_scope")));
}

/* implicit_scope: page-cache files (tmpfs here). */
FIXTURE(scope) {
	char path[PATH_MAX];
	struct stat st;
};

FIXTURE_SETUP(scope)
{
	int fd = ll_make_file(MNT_TMPFS, "scope.dat", FILE_LEN, 's',
			      self->path, sizeof(self->path));

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &self->st));
	close(fd);
}

FIXTURE_TEARDOWN(scope)
{
	ll_module_restore();
	unlink(self->path);
}

TEST_F(scope, dax_leaves_page_cache_alone)
{
	struct file_mr r = { 0 };
	struct pin_line p;
	int fd = open(self->path, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	ASSERT_EQ(1, pin_lines(&self->st, &p));
	EXPECT_STREQ("-", p.lease);
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	file_mr_unreg(&r);
	close(fd);
}

TEST_F(scope, all_protects_page_cache)
{
	struct file_mr r = { 0 };
	struct ll_lease_line l;
	int fd = open(self->path, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ll_sh("echo all > " LL_PARAM("implicit_scope")));
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	memset(r.buf, 'w', LEN);
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_STREQ("implicit", l.mode);
	EXPECT_EQ(ETXTBSY, child_errno(ll_truncate_elsewhere(self->path, 0)));
	EXPECT_EQ(0, child_errno(ll_truncate_elsewhere(self->path, LEN)));
	EXPECT_TRUE(file_is(self->path, 0, LEN, 'w'));
	file_mr_unreg(&r);
	EXPECT_EQ(0, ll_lease_line(&self->st, &l));
	EXPECT_EQ(0, child_errno(ll_truncate_elsewhere(self->path, 0)));
	close(fd);
}

TEST_HARNESS_MAIN
