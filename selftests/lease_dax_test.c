// SPDX-License-Identifier: GPL-2.0
/*
 * RDMA registrations of DAX files under layout leases: allowed only under
 * a lease, safe against truncate after munmap, broken cooperatively or
 * revoked at the timeout, with the real holders of the MR found.
 */
#include <libgen.h>
#include <linux/fs.h>
#include <linux/if_xdp.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "lease_util.h"
#include "rdma_util.h"

#define LEN	(1 << 20)
#define PAGES	(LEN / 4096)

FIXTURE(dax) {
	char path[PATH_MAX];
	char path2[PATH_MAX];	/* a second file, if a test makes one */
	long timeout;
};

FIXTURE_VARIANT(dax) {
	const char *dir;
};

FIXTURE_VARIANT_ADD(dax, xfs) {
	.dir = MNT_DAX_XFS,
};

FIXTURE_VARIANT_ADD(dax, ext4) {
	.dir = MNT_DAX_EXT4,
};

FIXTURE_SETUP(dax)
{
	int fd = ll_make_file(variant->dir, "dax.dat", LEN, 'd', self->path,
			      sizeof(self->path));

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	self->timeout = ll_read_long(LL_PARAM("break_timeout_ms"));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 300));
}

FIXTURE_TEARDOWN(dax)
{
	ll_sh("echo nop > " TRACEFS "/current_tracer; echo 1 > " TRACEFS
	      "/tracing_on; echo > " TRACEFS "/set_ftrace_filter; echo 0 > "
	      TRACEFS "/options/funcgraph-tail; echo 0 > " TRACEFS
	      "/options/funcgraph-proc");
	ll_write_long(LL_PARAM("break_timeout_ms"), self->timeout);
	ll_sh("echo fence > " LL_PARAM("revoke") "; echo 1 > "
	      LL_PARAM("dax_pins") "; echo deny > " LL_PARAM("implicit"));
	unlink(self->path);
	if (self->path2[0])
		unlink(self->path2);
}

/*
 * @r's registration of @fd's LEN bytes is one record of all its pages
 * until it goes; then @fd's lease is released.
 */
static void one_pin_until_dereg(struct __test_metadata *_metadata,
				struct file_mr *r, int fd)
{
	EXPECT_EQ(1, ll_stat("pins"));
	EXPECT_EQ(PAGES, ll_stat("pinned_pages"));
	file_mr_unreg(r);
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_setlease(fd, F_UNLCK));
}

/* Without implicit leases, a stock kernel's answer: no long-term pin. */
TEST_F(dax, no_lease_no_pin_with_implicit_off)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	ASSERT_EQ(0, ll_sh("echo off > " LL_PARAM("implicit")));
	EXPECT_EQ(-EOPNOTSUPP, file_mr_reg(&r, fd, LEN));
	EXPECT_EQ(0, ll_stat("pins"));
	file_mr_unreg(&r);
	close(fd);
}

TEST_F(dax, pin_under_lease)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN)) TH_LOG("ibv_reg_mr: %s",
					      strerror(errno));
	one_pin_until_dereg(_metadata, &r, fd);
	close(fd);
}

TEST_F(dax, dax_pins_off)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	ASSERT_EQ(0, ll_write_long(LL_PARAM("dax_pins"), 0));
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	EXPECT_EQ(-EOPNOTSUPP, file_mr_reg(&r, fd, LEN));
	file_mr_unreg(&r);
	close(fd);
}

/* An AF_XDP umem: a long-term pin (FOLL_LONGTERM) that is not RDMA's. */
static int xdp_umem_reg(void *buf, size_t len)
{
	struct xdp_umem_reg reg = {
		.addr = (unsigned long)buf, .len = len, .chunk_size = 4096,
	};
	int s = socket(AF_XDP, SOCK_RAW, 0), ret;

	if (s < 0)
		return -errno;
	ret = setsockopt(s, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg));
	ret = ret ? -errno : 0;
	close(s);
	return ret;
}

/*
 * The lease lets RDMA registrations pin DAX pages because the module
 * records them; other long-term pins would not keep the pages busy.
 */
TEST_F(dax, other_longterm_pins_stay_refused)
{
	void *anon = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open(self->path, O_RDWR);
	void *buf;
	int ret;

	ASSERT_NE(MAP_FAILED, anon);
	ret = xdp_umem_reg(anon, LEN);
	if (ret == -EAFNOSUPPORT)
		SKIP(return, "no AF_XDP");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	EXPECT_EQ(-EOPNOTSUPP, xdp_umem_reg(buf, LEN));
	EXPECT_EQ(0, ll_stat("pins"));
	munmap(buf, LEN);
	munmap(anon, LEN);
	EXPECT_EQ(0, ll_setlease(fd, F_UNLCK));
	close(fd);
}

/* The holder's truncate of a range its own MR pins would wait on itself. */
TEST_F(dax, holder_own_truncate_is_edeadlk)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	EXPECT_EQ(-1, ftruncate(fd, 0));
	EXPECT_EQ(EDEADLK, errno);
	file_mr_unreg(&r);
	EXPECT_EQ(0, ftruncate(fd, 0));
	close(fd);
}

/*
 * Nor may it reflink its pinned bytes: their blocks would become shared,
 * and XFS waits for the MR before it shares them.  Beside them it may.
 */
TEST_F(dax, holder_own_reflink_of_its_pins_is_edeadlk)
{
	struct file_clone_range range = { .src_length = 4096 };
	loff_t in = LEN / 2 - 4096, out = 0;
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR), sib;

	if (strcmp(variant->dir, MNT_DAX_XFS))
		SKIP(return, "reflink is an XFS test");
	sib = ll_make_file(MNT_DAX_XFS, "sibling.dat", LEN, 's', self->path2,
			   sizeof(self->path2));
	ASSERT_LE(0, sib);
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN / 2));
	range.src_fd = fd;
	range.src_offset = LEN / 2 - 4096;
	EXPECT_EQ(-1, ioctl(sib, FICLONERANGE, &range)) TH_LOG("from them");
	EXPECT_EQ(EDEADLK, errno);
	/* copy_file_range(), which XFS would make a reflink, copies them */
	EXPECT_EQ(4096, copy_file_range(fd, &in, sib, &out, 4096, 0));
	range.src_fd = sib;
	range.dest_offset = LEN / 2 - 4096;
	EXPECT_EQ(-1, ioctl(fd, FICLONERANGE, &range)) TH_LOG("over them");
	EXPECT_EQ(EDEADLK, errno);
	range.src_offset = LEN / 2;
	range.dest_offset = LEN / 2;
	EXPECT_EQ(0, ioctl(fd, FICLONERANGE, &range)) TH_LOG("beside them");
	EXPECT_EQ(1, ll_stat("pins"));
	file_mr_unreg(&r);
	EXPECT_EQ(0, ioctl(sib, FICLONE, fd));
	EXPECT_EQ(0, ll_setlease(fd, F_UNLCK));
	close(sib);
	close(fd);
}

enum pinner_mode { PIN_COOPERATE, PIN_IGNORE };

/*
 * A child that leases the file, maps and registers it, unmaps and closes
 * it (the pin then outlives its descriptors), reports 'R', and on the
 * break either deregisters (and reports 'D') or reports 'S' and waits to be
 * killed.
 */
static pid_t start_pinner(const char *path, int arg, enum pinner_mode mode,
			  int *report)
{
	int up[2];
	pid_t pid;

	if (pipe(up))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct signalfd_siginfo si;
		struct file_mr r = { 0 };
		sigset_t set;
		int fd, sfd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigemptyset(&set);
		sigaddset(&set, LL_SIG);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sfd = signalfd(-1, &set, 0);
		fd = open(path, O_RDWR);
		if (fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
		    ll_setlease(fd, arg) || file_mr_reg(&r, fd, LEN))
			_exit(2);
		munmap(r.buf, LEN);
		close(fd);
		if (write(up[1], "R", 1) != 1 ||
		    read(sfd, &si, sizeof(si)) != sizeof(si))
			_exit(3);
		if (mode == PIN_IGNORE) {
			if (write(up[1], "S", 1) != 1)
				_exit(4);
			for (;;)
				pause();
		}
		ibv_dereg_mr(r.mr);
		_exit(write(up[1], "D", 1) == 1 ? 0 : 5);
	}
	close(up[1]);
	*report = up[0];
	return pid;
}

static char read_report(int fd)
{
	char c = 0;

	return ll_read_full(fd, &c, 1, LL_REPORT_MS) ? 0 : c;
}

/*
 * A pinner registers @path under a shared lease and deregisters and
 * releases when another process's truncate breaks it; the truncate then
 * completes.
 */
static void cooperative_break(struct __test_metadata *_metadata,
			      const char *path)
{
	int report, st;
	pid_t pinner, breaker;

	pinner = start_pinner(path, LL_SHARED, PIN_COOPERATE, &report);
	ASSERT_EQ('R', read_report(report));
	EXPECT_EQ(1, ll_stat("pins"));
	breaker = ll_truncate_elsewhere(path, 4096);
	EXPECT_EQ('D', read_report(report));
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(4096, ll_file_size(path));
	ASSERT_EQ(pinner, waitpid(pinner, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_stat("leases"));
}

TEST_F(dax, cooperative_break)
{
	cooperative_break(_metadata, self->path);
}

/* exits 1 when a task enters a replacement within its own call */
static const char nested[] =
	"{ if (match($0, /ll_(uverbs_ioctl|umem_get|break_lease) "
	"\\[layoutlease\\]\\(\\) \\{/)) {"
	"	f = substr($0, RSTART); f = substr(f, 1, index(f, \" \") - 1);"
	"	if (depth[$2, f]++) bad = 1"
	"} else if (match($0, /\\} \\/\\* ll_(uverbs_ioctl|umem_get|"
	"break_lease) /)) {"
	"	f = substr($0, RSTART + 5); f = substr(f, 1, index(f, \" \") - 1);"
	"	depth[$2, f]--"
	"} } END { exit bad }";

/*
 * The same under the function graph tracer, which replaces the return
 * address of every function it traces: a WRAP replacement's own call of
 * its original must still be told apart (by the address ftrace was given,
 * not the one on the stack) and run the original, not the replacement
 * again.  Nested in itself, a replacement shows in the trace within its
 * own call (funcgraph-tail names each closing brace).  Only the hooked
 * functions and the replacements are traced (set_ftrace_filter): tracing
 * every function takes seconds to switch on under TCG, and the debug
 * kernel's soft lockup detector fires while it does.
 */
TEST_F_TIMEOUT(dax, cooperative_break_under_graph_tracer, 120)
{
	static const char *const traced[] = {
		"__break_lease", "do_truncate", "check_vma_flags",
		"ib_uverbs_ioctl", "ib_uverbs_write", "ib_umem_get",
		"ib_umem_get_desc", "ib_umem_release", "rdma_restrack_add",
		"ll_uverbs_ioctl", "ll_umem_get", "ll_break_lease",
	};
	unsigned int i;
	int n = 0;

	/* those this kernel has (ib_umem_get_desc() from 7.2 on) */
	for (i = 0; i < ARRAY_SIZE(traced); i++)
		n += !ll_sh("echo %s >> " TRACEFS "/set_ftrace_filter "
			    "2>/dev/null", traced[i]);
	ASSERT_LE(11, n);
	ASSERT_EQ(0, ll_sh("echo 1 > " TRACEFS "/options/funcgraph-tail; "
			   "echo 1 > " TRACEFS "/options/funcgraph-proc; "
			   "echo > " TRACEFS "/trace; "
			   "echo function_graph > " TRACEFS "/current_tracer"));
	cooperative_break(_metadata, self->path);
	/* stopped, not switched off: switching the tracer empties the trace */
	ASSERT_EQ(0, ll_sh("echo 0 > " TRACEFS "/tracing_on"));
	/*
	 * The replacements and the originals ran under the tracer: the
	 * uverbs commands' (the registration's ib_umem_get() is deeper than
	 * the trace goes), and the __break_lease() hook's (the breaker's
	 * open for writing; on XFS the filesystem's own break too).
	 */
	EXPECT_EQ(0, ll_sh("grep -q 'll_uverbs_ioctl.*{' " TRACEFS "/trace"));
	EXPECT_EQ(0, ll_sh("grep -q '__break_lease' " TRACEFS "/trace"));
	EXPECT_NE(0, ll_sh("grep -q LOST " TRACEFS "/trace"))
		TH_LOG("the trace is whole");
	EXPECT_EQ(0, ll_sh("awk '%s' " TRACEFS "/trace", nested))
		TH_LOG("no replacement ran within its own call");
}

/* revoke=kill: the holder ignores the break and is killed at the timeout */
TEST_F(dax, escalation_kills_the_holder)
{
	char re[64];
	long revocations = ll_stat("revocations");
	int report, st;
	pid_t pinner, breaker;

	ASSERT_EQ(0, ll_sh("echo kill > " LL_PARAM("revoke")));
	ll_dmesg_mark();
	pinner = start_pinner(self->path, LL_SHARED, PIN_IGNORE, &report);
	ASSERT_EQ('R', read_report(report));
	breaker = ll_truncate_elsewhere(self->path, 0);
	EXPECT_EQ('S', read_report(report));
	ASSERT_EQ(pinner, waitpid(pinner, &st, 0));
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, ll_file_size(self->path));
	EXPECT_EQ(revocations + 1, ll_stat("revocations"));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_stat("leases"));
	snprintf(re, sizeof(re), "revoking MR .* killing pid %d ", pinner);
	EXPECT_EQ(0, ll_dmesg_wait(re));
}

/*
 * FICLONE in another process, as ll_truncate_elsewhere() truncates: a
 * new sibling file's bytes into @path, or (@from) @path's into a new
 * sibling through a read-only descriptor.  It exits with the errno.
 */
static pid_t reflink_elsewhere(const char *path, bool from)
{
	pid_t pid = fork();

	if (pid == 0) {
		char dir[PATH_MAX], sib[PATH_MAX];
		int fd, sfd, ret;

		close_range(3, ~0U, 0);
		snprintf(dir, sizeof(dir), "%s", path);
		sfd = ll_make_file(dirname(dir), "reflink.dat", from ? 0 : LEN,
				   'c', sib, sizeof(sib));
		fd = open(path, from ? O_RDONLY : O_RDWR);
		if (from)
			ret = ioctl(sfd, FICLONE, fd);
		else
			ret = ioctl(fd, FICLONE, sfd);
		ret = fd >= 0 && sfd >= 0 && !ret ? 0 : errno;
		unlink(sib);
		_exit(ret);
	}
	return pid;
}

/* the byte of @path at @off, or -1 */
static int byte_at(const char *path, off_t off)
{
	int fd = open(path, O_RDONLY);
	char c;
	int ret = -1;

	if (fd >= 0 && pread(fd, &c, 1, off) == 1)
		ret = c;
	if (fd >= 0)
		close(fd);
	return ret;
}

/* ll_wait_exit() of a swap, which is killed if it has not ended */
static int swap_wait(pid_t pid)
{
	int st = ll_wait_exit(pid, 20);

	if (st == -ETIMEDOUT) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return st;
}

/*
 * XFS_IOC_EXCHANGE_RANGE, in the XFS ioctl ABI of xfsprogs 6.10's
 * <xfs/xfs_fs.h> (Debian 12's is older).
 */
#ifndef XFS_IOC_EXCHANGE_RANGE
struct xfs_exchange_range {
	__s32 file1_fd;
	__u32 pad;
	__u64 file1_offset;
	__u64 file2_offset;
	__u64 length;
	__u64 flags;
};

#define XFS_IOC_EXCHANGE_RANGE	_IOW('X', 129, struct xfs_exchange_range)
#define XFS_EXCHANGE_RANGE_TO_EOF	(1ULL << 0)
#endif

/*
 * XFS_IOC_EXCHANGE_RANGE of the @len bytes at @off of @a and @b, with
 * @flags, in another process whose file size limit is @fsize (SIGXFSZ
 * ignored); it exits with the errno.
 */
static pid_t exchange_elsewhere_how(const char *a, const char *b, __u64 off,
				    __u64 len, __u64 flags, rlim_t fsize)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct rlimit rl = { .rlim_cur = fsize, .rlim_max = fsize };
		struct xfs_exchange_range x = {
			.file1_offset = off,
			.file2_offset = off,
			.length = len,
			.flags = flags,
		};
		int fb;

		close_range(3, ~0U, 0);
		signal(SIGXFSZ, SIG_IGN);
		if (fsize != RLIM_INFINITY && setrlimit(RLIMIT_FSIZE, &rl))
			_exit(255);
		x.file1_fd = open(a, O_RDWR);
		fb = open(b, O_RDWR);
		if (x.file1_fd < 0 || fb < 0)
			_exit(255);
		_exit(ioctl(fb, XFS_IOC_EXCHANGE_RANGE, &x) ? errno : 0);
	}
	return pid;
}

/* exchange_elsewhere_how() of a plain request, without a limit */
static pid_t exchange_elsewhere(const char *a, const char *b, __u64 off,
				__u64 len)
{
	return exchange_elsewhere_how(a, b, off, len, 0, RLIM_INFINITY);
}

/* Layout changes of a file by another process (change_elsewhere()) */
enum change {
	CHANGE_TRUNCATE,		/* to 0 */
	CHANGE_REFLINK,			/* into all of it */
	CHANGE_SWAP,			/* XFS_IOC_SWAPEXT of it, the target */
	/* and some that XFS refuses */
	CHANGE_REFLINK_FROM,		/* from it: ETXTBSY over DAX pins */
	CHANGE_STALE_SWAP,		/* stale target times: EBUSY */
	CHANGE_EXCHANGE_PAST_EOF,	/* with @other, past the end: EINVAL */
	CHANGE_EXCHANGE_MISALIGNED,	/* at 512 bytes in: EINVAL */
	CHANGE_EXCHANGE_PARTIAL,	/* 1000 bytes, not to the end: EINVAL */
	/* LEN / 2 + 1000 bytes, @other's size, @path's middle: EINVAL */
	CHANGE_EXCHANGE_PARTIAL_EOF,
	/* 1000 bytes at LEN / 2, past a file size limit of LEN / 4: EFBIG */
	CHANGE_EXCHANGE_PAST_LIMIT,
	/* to the end from -4096, which the VFS has not checked: EINVAL */
	CHANGE_EXCHANGE_NEGATIVE,
};

/* another process's @change of @path (and @other); exits with the errno */
static pid_t change_elsewhere(enum change change, const char *path,
			      const char *other)
{
	switch (change) {
	case CHANGE_REFLINK:
	case CHANGE_REFLINK_FROM:
		return reflink_elsewhere(path, change == CHANGE_REFLINK_FROM);
	case CHANGE_SWAP:
	case CHANGE_STALE_SWAP:
		return ll_swapext_elsewhere(path, LEN, change == CHANGE_SWAP ?
					    LL_SWAP_TARGET : LL_SWAP_STALE);
	case CHANGE_EXCHANGE_PAST_EOF:
		return exchange_elsewhere(path, other, 0, 2 * LEN);
	case CHANGE_EXCHANGE_MISALIGNED:
		return exchange_elsewhere(path, other, 512, LEN / 2);
	case CHANGE_EXCHANGE_PARTIAL:
		return exchange_elsewhere(path, other, 0, 1000);
	case CHANGE_EXCHANGE_PARTIAL_EOF:
		return exchange_elsewhere(path, other, 0, LEN / 2 + 1000);
	case CHANGE_EXCHANGE_PAST_LIMIT:
		return exchange_elsewhere_how(path, other, LEN / 2, 1000, 0,
					      LEN / 4);
	case CHANGE_EXCHANGE_NEGATIVE:
		return exchange_elsewhere_how(path, other, -4096ULL, 0,
					      XFS_EXCHANGE_RANGE_TO_EOF,
					      RLIM_INFINITY);
	default:
		return ll_truncate_elsewhere(path, 0);
	}
}

/*
 * Another process's lease with pins in @path, a file of 'd': @change
 * fails at once with @err, the holder is told nothing, nothing is broken
 * or revoked, and the file is as it was.
 */
static void refused_breaks_nothing(struct __test_metadata *_metadata,
				   const char *path, const char *other,
				   enum change change, int err)
{
	long breaks = ll_stat("breaks");
	int report, st;
	pid_t pinner;

	pinner = start_pinner(path, LL_SHARED, PIN_IGNORE, &report);
	ASSERT_EQ('R', read_report(report));
	st = swap_wait(change_elsewhere(change, path, other));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == err)
		TH_LOG("status 0x%x", st);
	EXPECT_EQ(breaks, ll_stat("breaks"));
	EXPECT_EQ(1, ll_stat("pins"));
	EXPECT_EQ(1, ll_stat("leases"));
	EXPECT_EQ('d', byte_at(path, 0));
	kill(pinner, SIGKILL);
	ASSERT_EQ(pinner, waitpid(pinner, &st, 0));
	close(report);
	ASSERT_EQ(0, ll_wait_stat("pins", 0));
}

/*
 * Another process's lease with pins in a reflink's source: a reader's
 * reflink is refused at once, the holder is told nothing, nothing is
 * revoked.  Without the pins it goes through, still breaking nothing.
 */
TEST_F(dax, pins_of_the_source_refuse_a_reflink)
{
	long breaks = ll_stat("breaks");
	int st;

	if (strcmp(variant->dir, MNT_DAX_XFS))
		SKIP(return, "reflink is an XFS test");
	refused_breaks_nothing(_metadata, self->path, NULL,
			       CHANGE_REFLINK_FROM, ETXTBSY);
	st = ll_wait_exit(reflink_elsewhere(self->path, true), 20);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("status 0x%x", st);
	EXPECT_EQ(breaks, ll_stat("breaks"));
}

/*
 * An extent swap moves every block of both files and waits for no pin:
 * another process's swap breaks the lease of either file, as a truncate
 * does, and goes through once the holder has let go.  Without the
 * module's break, the holder is not told and its pinned blocks move to
 * the file the swapper unlinks.
 */
TEST_F(dax, extent_swap_breaks_both_files)
{
	enum ll_swap_mode modes[] = { LL_SWAP_TARGET, LL_SWAP_TMP };
	unsigned int i;
	int report, st;
	pid_t pinner, swapper;

	if (strcmp(variant->dir, MNT_DAX_XFS))
		SKIP(return, "XFS_IOC_SWAPEXT is an XFS test");
	for (i = 0; i < ARRAY_SIZE(modes); i++) {
		ASSERT_EQ('d', byte_at(self->path, 0));
		pinner = start_pinner(self->path, LL_SHARED, PIN_COOPERATE,
				      &report);
		ASSERT_EQ('R', read_report(report));
		swapper = ll_swapext_elsewhere(self->path, LEN, modes[i]);
		EXPECT_EQ('D', read_report(report)) TH_LOG("mode %d", modes[i]);
		st = swap_wait(swapper);
		EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
			TH_LOG("mode %d: status 0x%x", modes[i], st);
		/* the other file's first byte (ll_swapext_elsewhere()) */
		EXPECT_EQ(modes[i] == LL_SWAP_TMP ? 's' : 0,
			  byte_at(self->path, 0));
		ASSERT_EQ(pinner, waitpid(pinner, &st, 0));
		EXPECT_EQ(0, WEXITSTATUS(st));
		close(report);
		EXPECT_EQ(0, ll_stat("pins"));
		EXPECT_EQ(0, ll_stat("leases"));
		/* the next round starts from a file of 'd' again */
		unlink(self->path);
		st = ll_make_file(variant->dir, "dax.dat", LEN, 'd', self->path,
				  sizeof(self->path));
		ASSERT_LE(0, st);
		close(st);
	}
}

/*
 * A swap that XFS refuses once it has the files (the target changed since
 * its caller looked) breaks nothing and revokes nothing.
 */
TEST_F(dax, refused_extent_swap_breaks_nothing)
{
	if (strcmp(variant->dir, MNT_DAX_XFS))
		SKIP(return, "XFS_IOC_SWAPEXT is an XFS test");
	refused_breaks_nothing(_metadata, self->path, NULL, CHANGE_STALE_SWAP,
			       EBUSY);
}

/*
 * revoke=unlock: the lease goes at the timeout and the MR stays.  The
 * filesystem would wait for the pinned pages without bound (or, for an
 * extent swap, move them), so the layout change fails with ETXTBSY
 * instead, and the file is left as it was.
 */
static void unlocked_pins(struct __test_metadata *_metadata,
			  FIXTURE_DATA(dax) *self, enum change change)
{
	int report, st;
	pid_t pinner, breaker;

	ASSERT_EQ(0, ll_sh("echo unlock > " LL_PARAM("revoke")));
	pinner = start_pinner(self->path, LL_SHARED, PIN_IGNORE, &report);
	ASSERT_EQ('R', read_report(report));
	breaker = change_elsewhere(change, self->path, NULL);
	EXPECT_EQ('S', read_report(report));
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(ETXTBSY, WEXITSTATUS(st)) TH_LOG("the change is refused");
	EXPECT_EQ(0, ll_stat("leases"));
	EXPECT_EQ(1, ll_stat("pins"));
	EXPECT_EQ(LEN, ll_file_size(self->path));
	EXPECT_EQ('d', byte_at(self->path, 0));
	/* a change that starts now, with no lease left, is refused at once */
	breaker = change_elsewhere(change, self->path, NULL);
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(ETXTBSY, WEXITSTATUS(st));
	kill(pinner, SIGKILL);
	ASSERT_EQ(pinner, waitpid(pinner, &st, 0));
	ASSERT_EQ(0, ll_wait_stat("pins", 0));
	EXPECT_EQ(0, truncate(self->path, 0)) TH_LOG("once the MR is gone");
}

TEST_F(dax, unlocked_pins_refuse_the_truncate)
{
	unlocked_pins(_metadata, self, CHANGE_TRUNCATE);
}

TEST_F(dax, unlocked_pins_refuse_the_reflink)
{
	if (strcmp(variant->dir, MNT_DAX_XFS))
		SKIP(return, "reflink is an XFS test");
	unlocked_pins(_metadata, self, CHANGE_REFLINK);
}

TEST_F(dax, unlocked_pins_refuse_the_extent_swap)
{
	if (strcmp(variant->dir, MNT_DAX_XFS))
		SKIP(return, "XFS_IOC_SWAPEXT is an XFS test");
	unlocked_pins(_metadata, self, CHANGE_SWAP);
}

/*
 * An MR over a MAP_PRIVATE mapping pins copies of the file's pages (6.1
 * writes to every page it pins), not file blocks: a truncate by another
 * process, once the lease is released, must not wait for it.  The breaker
 * is killed by its alarm if it does.
 */
TEST_F(dax, private_mapping_pins_no_file_blocks)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR), st;
	pid_t breaker;

	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	r.ctx = open_rxe0();
	ASSERT_NE(NULL, r.ctx);
	r.pd = ibv_alloc_pd(r.ctx);
	ASSERT_NE(NULL, r.pd);
	r.buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ASSERT_NE(MAP_FAILED, r.buf);
	r.mr = ibv_reg_mr(r.pd, r.buf, LEN, RDMA_ACCESS);
	ASSERT_NE(NULL, r.mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));
	EXPECT_EQ(1, ll_stat("pins"));
	ASSERT_EQ(0, ll_setlease(fd, F_UNLCK));
	breaker = fork();
	ASSERT_LE(0, breaker);
	if (!breaker) {
		alarm(30);
		close_range(3, ~0U, 0);
		_exit(truncate(self->path, 0) ? errno : 0);
	}
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_TRUE(WIFEXITED(st)) TH_LOG("the truncate waited for the MR");
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, ll_file_size(self->path));
	file_mr_unreg(&r);
	EXPECT_EQ(0, ll_stat("pins"));
	close(fd);
}

/*
 * A registration during which a thread of the registrant maps something
 * else over the range it has pinned: ib_umem_get() pins the file's pages
 * in [base, base + LEN), then faults the page after them, which a
 * userfaultfd holds.  From 6.3 the kernel drops mmap_lock to wait for it
 * (6.1 pins a chunk under one hold, and fails the fault); the handler maps
 * @fd2 at @off2 over the pinned pages, then lets the fault go on.
 */
#define SKIP_WITHOUT_UNLOCKED_PINS()					\
	do {								\
		if (!ll_kernel_at_least(6, 3))				\
			SKIP(return, "a long-term pin holds mmap_lock throughout"); \
	} while (0)

struct remap {
	int uffd, stop;		/* stop: readable once ibv_reg_mr() returned */
	char *base;
	int fd2;
	off_t off2;
	int faults;		/* faults handled */
	int err;		/* the handler's errno */
};

static void *remap_handler(void *arg)
{
	struct remap *rm = arg;
	struct pollfd p[2] = { { rm->uffd, POLLIN }, { rm->stop, POLLIN } };
	struct uffdio_zeropage zero = { .range.len = 4096 };
	struct uffd_msg msg;

	if (poll(p, 2, -1) < 1 || !(p[0].revents & POLLIN))
		return NULL;
	if (read(rm->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		rm->err = EPROTO;
		return NULL;
	}
	if (mmap(rm->base, LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 rm->fd2, rm->off2) == MAP_FAILED)
		rm->err = errno;
	/*
	 * The zero page: the pin's write fault copies it where the kernel
	 * allocates pinnable memory (a page of ours might have to move).
	 */
	zero.range.start = msg.arg.pagefault.address & ~4095ULL;
	if (ioctl(rm->uffd, UFFDIO_ZEROPAGE, &zero))
		rm->err = errno;
	rm->faults++;
	return NULL;
}

/* Register @fd's LEN bytes and the held page while they are remapped. */
static void reg_while_remapped(struct __test_metadata *_metadata,
			       struct file_mr *r, int fd, int fd2, off_t off2,
			       int access)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct remap rm = { .fd2 = fd2, .off2 = off2 };
	int stop[2], reg_errno;
	pthread_t t;

	r->ctx = open_rxe0();
	ASSERT_NE(NULL, r->ctx);
	r->pd = ibv_alloc_pd(r->ctx);
	ASSERT_NE(NULL, r->pd);
	r->len = LEN + 4096;
	r->buf = mmap(NULL, r->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r->buf);
	rm.base = r->buf;
	ASSERT_NE(MAP_FAILED, mmap(rm.base, LEN, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_FIXED, fd, 0));
	rm.uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	ASSERT_LE(0, rm.uffd);
	ASSERT_EQ(0, ioctl(rm.uffd, UFFDIO_API, &api));
	reg.range.start = (unsigned long)rm.base + LEN;
	reg.range.len = 4096;
	ASSERT_EQ(0, ioctl(rm.uffd, UFFDIO_REGISTER, &reg));
	ASSERT_EQ(0, pipe2(stop, O_CLOEXEC));
	rm.stop = stop[0];
	ASSERT_EQ(0, pthread_create(&t, NULL, remap_handler, &rm));
	r->mr = ibv_reg_mr(r->pd, r->buf, r->len, access);
	reg_errno = errno;
	ASSERT_EQ(1, write(stop[1], "x", 1));
	ASSERT_EQ(0, pthread_join(t, NULL));
	close(stop[0]);
	close(stop[1]);
	close(rm.uffd);
	ASSERT_EQ(0, rm.err) TH_LOG("handler: %s", strerror(rm.err));
	ASSERT_EQ(1, rm.faults) TH_LOG("the held page was not faulted");
	errno = reg_errno;
}

/* ibv_reg_mr() refused with @err, and nothing recorded. */
static void expect_refused(struct __test_metadata *_metadata,
			   const struct file_mr *r, int err)
{
	int reg_errno = errno;

	EXPECT_EQ(NULL, r->mr);
	EXPECT_EQ(err, reg_errno) TH_LOG("ibv_reg_mr: %s", strerror(reg_errno));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_stat("pinned_pages"));
}

/*
 * @fd, leased, registered with @access while a new file of @dir is mapped
 * over its pinned pages: refused, nothing recorded.  The new file is
 * needed open only: it goes with the test's process.
 */
static void remap_to_new_file(struct __test_metadata *_metadata,
			      const char *dir, int fd, int access)
{
	struct file_mr r = { 0 };
	char path[PATH_MAX];
	int fd2;

	fd2 = ll_make_file(dir, "remap.dat", LEN, 'r', path, sizeof(path));
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, unlink(path));
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	reg_while_remapped(_metadata, &r, fd, fd2, 0, access);
	expect_refused(_metadata, &r, EAGAIN);
	file_mr_unreg(&r);
	close(fd2);
}

/* Another file over the pinned pages. */
TEST_F(dax, remap_to_another_file_during_registration)
{
	int fd = open(self->path, O_RDWR);

	SKIP_WITHOUT_UNLOCKED_PINS();

	remap_to_new_file(_metadata, variant->dir, fd, RDMA_ACCESS);
	close(fd);
}

/* The same file at another offset: refused as well. */
TEST_F(dax, remap_to_another_offset_during_registration)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	SKIP_WITHOUT_UNLOCKED_PINS();

	ASSERT_EQ(0, ftruncate(fd, 2 * LEN));
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	reg_while_remapped(_metadata, &r, fd, fd, LEN, RDMA_ACCESS);
	expect_refused(_metadata, &r, EAGAIN);
	file_mr_unreg(&r);
	close(fd);
}

/* The same pages mapped again where they were: they are what is recorded. */
TEST_F(dax, remap_to_the_same_pages_during_registration)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	SKIP_WITHOUT_UNLOCKED_PINS();

	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	reg_while_remapped(_metadata, &r, fd, fd, 0, RDMA_ACCESS);
	EXPECT_NE(NULL, r.mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));
	one_pin_until_dereg(_metadata, &r, fd);
	close(fd);
}

/* Map @fd's LEN bytes and register them read-only: 0 or -errno. */
static int read_only_reg(struct file_mr *r, int fd)
{
	r->ctx = open_rxe0();
	if (!r->ctx)
		return -ENODEV;
	r->pd = ibv_alloc_pd(r->ctx);
	if (!r->pd)
		return -ENODEV;
	r->len = LEN;
	r->buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->buf == MAP_FAILED)
		return -errno;
	r->mr = ibv_reg_mr(r->pd, r->buf, LEN, 0);
	return r->mr ? 0 : -errno;
}

TEST_F(dax, read_only_pin_under_lease)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	ASSERT_EQ(0, read_only_reg(&r, fd));
	EXPECT_EQ(1, ll_stat("pins"));
	EXPECT_EQ('d', ((char *)r.buf)[LEN - 1]);
	file_mr_unreg(&r);
	EXPECT_EQ(0, ll_stat("pins"));
	close(fd);
}

/*
 * @fd's pages share their blocks with a sibling file's (FICLONE), and
 * name no file.  6.12 tags a page on any fault through a shared extent,
 * a write's copy too: a registration with write access (a read-only pin
 * of a tagged page never completes there) pins such copies, which are
 * @fd's alone.  From
 * 6.15 a folio that two files map (the sibling is read first) is shared,
 * and a read-only registration (a write would copy it) is refused: the
 * sibling's owner would wait for it.  6.1 is left out: its copy on a
 * write fault leaves the new page tagged after its file is gone
 * (dax_disassociate_entry() counts the tag's users one too many), and the
 * next file given that block warns on its first fault.
 */
static bool shared_pages_refused(void)
{
	return ll_kernel_at_least(6, 15);
}

static int reflink_sibling(struct __test_metadata *_metadata,
			   FIXTURE_DATA(dax) *self, int fd)
{
	volatile char *sib;
	int src, i;

	src = ll_make_file(MNT_DAX_XFS, "sibling.dat", LEN, 's', self->path2,
			   sizeof(self->path2));
	if (src < 0 || ioctl(fd, FICLONE, src))
		return -1;
	sib = mmap(NULL, LEN, PROT_READ, MAP_SHARED, src, 0);
	if (sib == MAP_FAILED)
		return -1;
	for (i = 0; i < LEN; i += 4096)
		EXPECT_EQ('s', sib[i]);
	munmap((void *)sib, LEN);
	close(src);
	return shared_pages_refused() ? 0 : RDMA_ACCESS;
}

#define SKIP_WITHOUT_REFLINKED_PAGES()					\
	do {								\
		if (strcmp(variant->dir, MNT_DAX_XFS))			\
			SKIP(return, "reflink is an XFS test");		\
		if (!ll_kernel_at_least(6, 12))				\
			SKIP(return, "6.1 leaves a copied DAX page tagged shared"); \
	} while (0)

/* Such pages are the mapped file's if its address maps them, or refused. */
TEST_F(dax, reflinked_pages_pin_under_lease)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR), access;

	SKIP_WITHOUT_REFLINKED_PAGES();
	access = reflink_sibling(_metadata, self, fd);
	ASSERT_LE(0, access);
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	r.ctx = open_rxe0();
	ASSERT_NE(NULL, r.ctx);
	r.pd = ibv_alloc_pd(r.ctx);
	ASSERT_NE(NULL, r.pd);
	r.len = LEN;
	r.buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, r.buf);
	r.mr = ibv_reg_mr(r.pd, r.buf, LEN, access);
	if (shared_pages_refused()) {
		expect_refused(_metadata, &r, EOPNOTSUPP);
	} else {
		ASSERT_NE(NULL, r.mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));
		EXPECT_EQ(1, ll_stat("pins"));
		EXPECT_EQ(PAGES, ll_stat("pinned_pages"));
		EXPECT_EQ('s', ((char *)r.buf)[0]);
	}
	file_mr_unreg(&r);
	EXPECT_EQ(0, ll_stat("pins"));
	close(fd);
}

/* ... and refused when something else is mapped over them meanwhile. */
TEST_F(dax, remap_over_reflinked_pages_during_registration)
{
	int fd = open(self->path, O_RDWR), access;

	SKIP_WITHOUT_REFLINKED_PAGES();
	if (shared_pages_refused())
		SKIP(return, "shared folios are refused whatever maps them");
	access = reflink_sibling(_metadata, self, fd);
	ASSERT_LE(0, access);
	remap_to_new_file(_metadata, variant->dir, fd, access);
	close(fd);
}

/* Exclusive lease with pins: ETXTBSY at once, nothing revoked. */
TEST_F(dax, exclusive_with_pins)
{
	long revocations = ll_stat("revocations");
	int report, fd, st;
	pid_t pinner;

	pinner = start_pinner(self->path, LL_EXCL, PIN_IGNORE, &report);
	ASSERT_EQ('R', read_report(report));
	fd = open(self->path, O_RDWR);
	EXPECT_EQ(-1, ftruncate(fd, 0));
	EXPECT_EQ(ETXTBSY, errno);
	close(fd);
	EXPECT_EQ(revocations, ll_stat("revocations"));
	EXPECT_EQ(0, waitpid(pinner, &st, WNOHANG));
	kill(pinner, SIGKILL);
	waitpid(pinner, &st, 0);
}

/*
 * An RDMA WRITE from another QP into an MR over a DAX file lands in the
 * file; read(2) returns the bytes, and an RDMA READ returns them too.
 */
TEST_F(dax, rdma_write_lands_in_file)
{
	char *src, *back, *disk;
	struct ibv_mr *smr, *bmr;
	struct file_mr r = { 0 };
	struct qp_pair qp;
	int fd = open(self->path, O_RDWR), i;

	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	ASSERT_EQ(0, qp_pair_open(r.ctx, r.pd, &qp));
	src = malloc(LEN);
	back = malloc(LEN);
	disk = malloc(LEN);
	for (i = 0; i < LEN; i++)
		src[i] = (char)(i * 7 + 3);
	smr = ibv_reg_mr(r.pd, src, LEN, RDMA_ACCESS);
	bmr = ibv_reg_mr(r.pd, back, LEN, RDMA_ACCESS);
	ASSERT_NE(NULL, smr);
	ASSERT_NE(NULL, bmr);
	munmap(r.buf, LEN);	/* the MR alone reaches the file now */
	EXPECT_EQ(0, rdma_op(&qp, IBV_WR_RDMA_WRITE, src, smr->lkey,
			     (uintptr_t)r.buf, r.mr->rkey, LEN));
	ASSERT_EQ(LEN, pread(fd, disk, LEN, 0));
	EXPECT_EQ(0, memcmp(src, disk, LEN));
	memset(disk, 'x', 4096);
	ASSERT_EQ(4096, pwrite(fd, disk, 4096, 0));
	EXPECT_EQ(0, rdma_op(&qp, IBV_WR_RDMA_READ, back, bmr->lkey,
			     (uintptr_t)r.buf, r.mr->rkey, LEN));
	EXPECT_EQ(0, memcmp(disk, back, 4096)) TH_LOG("read(2) and RDMA agree");
	EXPECT_EQ(0, memcmp(src + 4096, back + 4096, LEN - 4096));
	ibv_dereg_mr(smr);
	ibv_dereg_mr(bmr);
	qp_pair_close(&qp);
	r.buf = MAP_FAILED;
	file_mr_unreg(&r);
	close(fd);
	free(src);
	free(back);
	free(disk);
}

/*
 * A, the lease owner, registers the file and hands the MR to B, by fork()
 * or over SCM_RIGHTS, then closes its own uverbs descriptors.  B holds
 * @alive's write end.  A reports 'R', then 'S' when told of the break.
 */
static pid_t start_handoff(const char *path, bool scm, int *report,
			   int alive[2])
{
	int up[2];
	pid_t a;

	if (pipe(up))
		return -1;
	a = fork();
	if (a == 0) {
		struct signalfd_siginfo si;
		struct file_mr r = { 0 };
		int fd, sfd, sv[2];
		sigset_t set;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigemptyset(&set);
		sigaddset(&set, LL_SIG);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sfd = signalfd(-1, &set, 0);
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
			_exit(2);
		if (scm && fork() == 0) {
			int mine = ll_recv_fd(sv[1]);	/* B */

			for (;;)
				pause();
			close(mine);
		}
		fd = open(path, O_RDWR);
		if (fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
		    ll_setlease(fd, LL_SHARED) || file_mr_reg(&r, fd, LEN))
			_exit(3);
		munmap(r.buf, LEN);
		close(fd);
		if (!scm && fork() == 0)
			for (;;)
				pause();		/* B */
		if (scm && ll_send_fds(sv[0], (int[]){ r.ctx->cmd_fd }, 1))
			_exit(4);
		close(r.ctx->cmd_fd);
		close(r.ctx->async_fd);
		close(alive[1]);
		if (write(up[1], "R", 1) != 1 ||
		    read(sfd, &si, sizeof(si)) != sizeof(si) ||
		    write(up[1], "S", 1) != 1)
			_exit(5);
		for (;;)
			pause();
	}
	close(up[1]);
	close(alive[1]);
	*report = up[0];
	return a;
}

static void revoke_real_holder(struct __test_metadata *_metadata,
			       const char *path, bool scm)
{
	long revocations = ll_stat("revocations");
	int report, alive[2], st;
	pid_t a, breaker;
	char c;

	ASSERT_EQ(0, ll_sh("echo kill > " LL_PARAM("revoke")));
	ASSERT_EQ(0, pipe(alive));
	a = start_handoff(path, scm, &report, alive);
	ASSERT_EQ('R', read_report(report));
	EXPECT_EQ(1, ll_stat("pins"));
	breaker = ll_truncate_elsewhere(path, 0);
	EXPECT_EQ('S', read_report(report)) TH_LOG("the owner is told");
	/* B dies: the last write end of the pipe closes (EOF) */
	EXPECT_EQ(-EPIPE, ll_read_full(alive[0], &c, 1, LL_REPORT_MS));
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, ll_file_size(path));
	EXPECT_EQ(0, waitpid(a, &st, WNOHANG)) TH_LOG("the owner holds no MR");
	EXPECT_EQ(revocations + 1, ll_stat("revocations"));
	EXPECT_EQ(0, ll_stat("pins"));
	kill(a, SIGKILL);
	waitpid(a, &st, 0);
	close(alive[0]);
}

TEST_F(dax, revocation_finds_fork_child)
{
	revoke_real_holder(_metadata, self->path, false);
}

TEST_F(dax, revocation_finds_scm_rights_receiver)
{
	revoke_real_holder(_metadata, self->path, true);
}

/* an XFS with the exchange-range feature, -o dax=inode (6.12, 7.2) */
#define MNT_XFS_EXCHANGE	"/mnt/xfs-exchange"

/* a DAX file (in the DAX directory) and a file that is not */
FIXTURE(exchange) {
	char dax[PATH_MAX];
	char plain[PATH_MAX];
	char dax2[PATH_MAX];	/* a second DAX file, if a test makes one */
	long timeout;
};

static int is_dax(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx) ||
	    !(stx.stx_attributes_mask & STATX_ATTR_DAX))
		return -1;
	return !!(stx.stx_attributes & STATX_ATTR_DAX);
}

FIXTURE_SETUP(exchange)
{
	int fd;

	self->timeout = ll_read_long(LL_PARAM("break_timeout_ms"));
	if (access(MNT_XFS_EXCHANGE "/dax", F_OK))
		return;		/* the tests skip */
	fd = ll_make_file(MNT_XFS_EXCHANGE "/dax", "exchange.dat", LEN, 'd',
			  self->dax, sizeof(self->dax));
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, is_dax(fd));
	close(fd);
	fd = ll_make_file(MNT_XFS_EXCHANGE, "exchange.dat", LEN, 'p',
			  self->plain, sizeof(self->plain));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, is_dax(fd));
	close(fd);
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 300));
}

FIXTURE_TEARDOWN(exchange)
{
	ll_write_long(LL_PARAM("break_timeout_ms"), self->timeout);
	ll_sh("echo fence > " LL_PARAM("revoke"));
	if (self->dax[0])
		unlink(self->dax);
	if (self->plain[0])
		unlink(self->plain);
	if (self->dax2[0])
		unlink(self->dax2);
}

/*
 * An exchange between a DAX file and one that is not: XFS breaks both
 * files' leases, and waits for no DAX page.  Pins that outlive their
 * lease (revoke=unlock) refuse it (ETXTBSY), as a reflink's; without the
 * module's hook their blocks would move to the other file.
 */
TEST_F(exchange, unlocked_pins_refuse_a_mixed_exchange)
{
	int report, st;
	pid_t pinner;

	if (!self->dax[0])
		SKIP(return, "no " MNT_XFS_EXCHANGE " (6.12 and later)");
	ASSERT_EQ(0, ll_sh("echo unlock > " LL_PARAM("revoke")));
	pinner = start_pinner(self->dax, LL_SHARED, PIN_IGNORE, &report);
	ASSERT_EQ('R', read_report(report));
	st = swap_wait(exchange_elsewhere(self->dax, self->plain, 0, LEN));
	EXPECT_EQ('S', read_report(report));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == ETXTBSY)
		TH_LOG("status 0x%x", st);
	EXPECT_EQ('d', byte_at(self->dax, 0));
	EXPECT_EQ('p', byte_at(self->plain, 0));
	EXPECT_EQ(0, ll_stat("leases"));
	EXPECT_EQ(1, ll_stat("pins"));
	kill(pinner, SIGKILL);
	ASSERT_EQ(pinner, waitpid(pinner, &st, 0));
	close(report);
	ASSERT_EQ(0, ll_wait_stat("pins", 0));
	st = swap_wait(exchange_elsewhere(self->dax, self->plain, 0, LEN));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("once the MR is gone: status 0x%x", st);
	EXPECT_EQ('p', byte_at(self->dax, 0));
}

/* A holder that lets go when told: the exchange goes through. */
TEST_F(exchange, cooperative_exchange)
{
	int report, st;
	pid_t pinner, exchanger;

	if (!self->dax[0])
		SKIP(return, "no " MNT_XFS_EXCHANGE " (6.12 and later)");
	pinner = start_pinner(self->dax, LL_SHARED, PIN_COOPERATE, &report);
	ASSERT_EQ('R', read_report(report));
	exchanger = exchange_elsewhere(self->plain, self->dax, 0, LEN);
	EXPECT_EQ('D', read_report(report));
	st = swap_wait(exchanger);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("status 0x%x", st);
	EXPECT_EQ('p', byte_at(self->dax, 0));
	EXPECT_EQ('d', byte_at(self->plain, 0));
	ASSERT_EQ(pinner, waitpid(pinner, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	close(report);
	EXPECT_EQ(0, ll_stat("pins"));
}

/*
 * An exchange that XFS refuses once it has locked the files (a range past
 * their end) breaks nothing: XFS breaks both files' leases before it
 * looks, the module refuses it first, with XFS's EINVAL.
 */
TEST_F(exchange, refused_exchange_breaks_nothing)
{
	if (!self->dax[0])
		SKIP(return, "no " MNT_XFS_EXCHANGE " (6.12 and later)");
	refused_breaks_nothing(_metadata, self->dax, self->plain,
			       CHANGE_EXCHANGE_PAST_EOF, EINVAL);
}

/*
 * XFS exchanges whole blocks (its allocation unit): a range that starts
 * within one, or ends within one anywhere but at the files' ends, is
 * refused with EINVAL, breaking nothing; so is one that ends within a
 * block at one file's end and in the middle of the other.
 */
TEST_F(exchange, misaligned_exchange_breaks_nothing)
{
	if (!self->dax[0])
		SKIP(return, "no " MNT_XFS_EXCHANGE " (6.12 and later)");
	refused_breaks_nothing(_metadata, self->dax, self->plain,
			       CHANGE_EXCHANGE_MISALIGNED, EINVAL);
	refused_breaks_nothing(_metadata, self->dax, self->plain,
			       CHANGE_EXCHANGE_PARTIAL, EINVAL);
	ASSERT_EQ(0, truncate(self->plain, LEN / 2 + 1000));
	refused_breaks_nothing(_metadata, self->dax, self->plain,
			       CHANGE_EXCHANGE_PARTIAL_EOF, EINVAL);
}

/*
 * XFS's other checks, in XFS's order: past the caller's file size limit,
 * EFBIG (before the length's alignment: EINVAL); a negative offset to the
 * end of the files, EINVAL; nothing broken either way.
 */
TEST_F(exchange, exchange_past_the_limits_breaks_nothing)
{
	if (!self->dax[0])
		SKIP(return, "no " MNT_XFS_EXCHANGE " (6.12 and later)");
	refused_breaks_nothing(_metadata, self->dax, self->plain,
			       CHANGE_EXCHANGE_PAST_LIMIT, EFBIG);
	refused_breaks_nothing(_metadata, self->dax, self->plain,
			       CHANGE_EXCHANGE_NEGATIVE, EINVAL);
}

/*
 * What the module checks before XFS does refuses nothing XFS takes: a
 * range that ends within a block at both files' ends goes through.
 */
TEST_F(exchange, partial_block_at_both_ends_goes_through)
{
	int st;

	if (!self->dax[0])
		SKIP(return, "no " MNT_XFS_EXCHANGE " (6.12 and later)");
	ASSERT_EQ(0, truncate(self->dax, LEN - 1000));
	ASSERT_EQ(0, truncate(self->plain, LEN - 1000));
	st = swap_wait(exchange_elsewhere(self->dax, self->plain, 0,
					  LEN - 1000));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("status 0x%x", st);
	EXPECT_EQ('p', byte_at(self->dax, LEN - 1001));
	EXPECT_EQ('d', byte_at(self->plain, 0));
}

/*
 * Two DAX files: XFS waits for every busy DAX page of both, and for the
 * second's without sleeping, however far from the exchanged range.  Pins
 * under an implicit lease beside the ranges hold nothing up and are not
 * broken; over them the exchange is refused at once (implicit=deny).
 */
TEST_F(exchange, implicit_pins_beside_the_ranges_stay)
{
	long breaks = ll_stat("breaks");
	struct file_mr r = { 0 };
	int fd, st;

	if (!self->dax[0])
		SKIP(return, "no " MNT_XFS_EXCHANGE " (6.12 and later)");
	fd = ll_make_file(MNT_XFS_EXCHANGE "/dax", "exchange2.dat", LEN, 'q',
			  self->dax2, sizeof(self->dax2));
	ASSERT_LE(0, fd);
	close(fd);
	fd = open(self->dax, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN / 2));
	EXPECT_EQ(1, ll_stat("pins"));
	/* each file's second half, and then the first, under the pins */
	st = swap_wait(exchange_elsewhere(self->dax2, self->dax, LEN / 2,
					  LEN / 2));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("beside the pins: status 0x%x", st);
	st = swap_wait(exchange_elsewhere(self->dax2, self->dax, 0, LEN / 2));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == ETXTBSY)
		TH_LOG("over the pins: status 0x%x", st);
	EXPECT_EQ('d', byte_at(self->dax, 0));
	EXPECT_EQ('q', byte_at(self->dax, LEN / 2));
	EXPECT_EQ('q', byte_at(self->dax2, 0));
	EXPECT_EQ(breaks, ll_stat("breaks"));
	EXPECT_EQ(1, ll_stat("pins"));
	file_mr_unreg(&r);
	close(fd);
}

TEST_HARNESS_MAIN
