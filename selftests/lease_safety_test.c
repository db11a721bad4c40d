// SPDX-License-Identifier: GPL-2.0
/*
 * The safety model (Documentation/layout-leases.rst, "Who holds a lease"):
 * the owner holds the lease and every other process is a breaker, whatever
 * descriptors it has; revocation reaches no process the owner could not
 * signal; every wait is bounded; nothing switches the protection off
 * while pins exist; refused requests break nothing.
 */
#include <linux/falloc.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "lease_util.h"
#include "rdma_util.h"

#define LEN		(1 << 20)
#define UID_A		1001
#define UID_B		1002
#define WAIT_S		30	/* longer than any bound the tests set */

FIXTURE(fs) {
	char path[PATH_MAX];
};

FIXTURE_VARIANT(fs) {
	const char *dir;
};

FIXTURE_VARIANT_ADD(fs, dax_xfs) { .dir = MNT_DAX_XFS, };
FIXTURE_VARIANT_ADD(fs, dax_ext4) { .dir = MNT_DAX_EXT4, };
FIXTURE_VARIANT_ADD(fs, xfs) { .dir = MNT_XFS, };
FIXTURE_VARIANT_ADD(fs, tmpfs) { .dir = MNT_TMPFS, };

FIXTURE_SETUP(fs)
{
	int fd = ll_make_file(variant->dir, "safety.dat", LEN, 's',
			      self->path, sizeof(self->path));

	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 300));
}

FIXTURE_TEARDOWN(fs)
{
	unlink(self->path);
	ll_module_restore();
}

enum entry { BY_FD, BY_PATH, BY_OPEN_TRUNC };

/* Truncate @path to 0 through @entry, with @fd a descriptor of it. */
static int truncate_by(const char *path, int fd, enum entry entry)
{
	int t;

	switch (entry) {
	case BY_FD:
		return ftruncate(fd, 0) ? errno : 0;
	case BY_PATH:
		return truncate(path, 0) ? errno : 0;
	default:
		t = open(path, O_WRONLY | O_TRUNC);
		if (t < 0)
			return errno;
		close(t);
		return 0;
	}
}

/*
 * The owner leases @path and hands its leased descriptor to another
 * process, a fork() child or (@scm) a process that receives it over
 * SCM_RIGHTS; that process truncates the file through @entry.  The owner
 * writes 'B' when its break signal came with its si_fd (else 'N'), then
 * releases and writes the truncater's exit status.
 */
static pid_t start_owner(const char *path, bool scm, enum entry entry,
			 int *report)
{
	int up[2];
	pid_t o;

	if (pipe(up))
		return -1;
	o = fork();
	if (o == 0) {
		int fd, sfd, sv[2], st = 0xff;
		pid_t c = -1;
		char got;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(up[0]);
		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
			_exit(2);
		if (scm) {
			c = fork();
			if (c == 0) {
				int mine = ll_recv_fd(sv[1]);

				_exit(mine < 0 ? 99 :
				      truncate_by(path, mine, entry));
			}
		}
		sfd = ll_sig_fd(LL_SIG);
		fd = open(path, O_RDWR);
		if (sfd < 0 || fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
		    ll_setlease(fd, LL_SHARED))
			_exit(3);
		if (scm) {
			if (ll_send_fds(sv[0], &fd, 1))
				_exit(4);
		} else {
			c = fork();
			if (c == 0)
				_exit(truncate_by(path, fd, entry));
		}
		got = ll_wait_sig(sfd, WAIT_S * 1000) == fd ? 'B' : 'N';
		ll_setlease(fd, F_UNLCK);
		if (waitpid(c, &st, 0) != c)
			_exit(5);
		if (write(up[1], &got, 1) != 1 ||
		    write(up[1], (char[]){ WEXITSTATUS(st) }, 1) != 1)
			_exit(6);
		_exit(0);
	}
	close(up[1]);
	*report = up[0];
	return o;
}

static void breaker_is_told(struct __test_metadata *_metadata,
			    const char *path, bool scm)
{
	enum entry e;

	for (e = BY_FD; e <= BY_OPEN_TRUNC; e++) {
		int report, st;
		char got = 0, rc = 0x7f;
		pid_t o;

		ASSERT_EQ(0, truncate(path, LEN));
		o = start_owner(path, scm, e, &report);
		ASSERT_LT(0, o);
		EXPECT_EQ(0, ll_read_full(report, &got, 1, 2 * WAIT_S * 1000));
		EXPECT_EQ(0, ll_read_full(report, &rc, 1, WAIT_S * 1000));
		EXPECT_EQ('B', got) TH_LOG("entry %d: the owner was told", e);
		EXPECT_EQ(0, rc) TH_LOG("entry %d: the truncate went on", e);
		EXPECT_EQ(0, ll_file_size(path));
		ASSERT_EQ(o, waitpid(o, &st, 0));
		EXPECT_EQ(0, WEXITSTATUS(st));
		close(report);
	}
}

/* Rule 1: a fork() child with the leased descriptor is a breaker. */
TEST_F_TIMEOUT(fs, fork_child_is_a_breaker, 120)
{
	breaker_is_told(_metadata, self->path, false);
}

/* Rule 1: so is a process that received the descriptor (SCM_RIGHTS). */
TEST_F_TIMEOUT(fs, scm_rights_receiver_is_a_breaker, 120)
{
	breaker_is_told(_metadata, self->path, true);
}

/* Rule 6: revoke=wait still removes a lease without pins at the timeout. */
TEST_F_TIMEOUT(fs, revoke_wait_is_bounded_without_pins, 120)
{
	struct holder h;
	pid_t breaker;
	double t0;
	int st;

	ASSERT_EQ(0, ll_sh("echo wait > " LL_PARAM("revoke")));
	ASSERT_EQ(0, holder_start(&h, self->path, LL_SHARED, HOLD_IGNORE));
	t0 = ll_now();
	breaker = ll_truncate_elsewhere(self->path, 0);
	ASSERT_LT(0, breaker);
	st = ll_wait_exit(breaker, WAIT_S);
	if (st == -ETIMEDOUT)
		kill(breaker, SIGKILL), waitpid(breaker, &st, 0), st = -1;
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
		TH_LOG("the breaker's wait ended");
	TH_LOG("the breaker waited %.2f s for a 0.3 s timeout", ll_now() - t0);
	EXPECT_EQ(1, holder_finish(&h));
	EXPECT_EQ(0, ll_stat("leases"));
}

/* FALLOC_FL_WRITE_ZEROES (6.17), which Debian 12's headers lack */
#define LL_FALLOC_WRITE_ZEROES	0x80

/* Rule 8: a fallocate() the kernel refuses at once breaks nothing. */
TEST_F(fs, refused_fallocate_breaks_nothing)
{
	long breaks = ll_stat("breaks");
	struct holder h;
	int fd;

	ASSERT_EQ(0, holder_start(&h, self->path, LL_SHARED, HOLD_IGNORE));
	fd = open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	/* a hole punch must keep the size */
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 4096));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				-4096, 4096));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, fallocate(fd, 0x4000, 0, 4096));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* modes vfs_fallocate() refuses together */
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE |
				FALLOC_FL_KEEP_SIZE, 0, 4096));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_COLLAPSE_RANGE |
				FALLOC_FL_KEEP_SIZE, 0, 4096));
	/* 6.12's vfs_fallocate() checks modes in a switch: EOPNOTSUPP */
	EXPECT_EQ(ll_kernel_at_least(6, 12) ? EOPNOTSUPP : EINVAL, errno);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_UNSHARE_RANGE |
				FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, 4096));
	EXPECT_TRUE(errno == EINVAL || errno == EOPNOTSUPP) TH_LOG("%d", errno);
	/* 7.2's WRITE_ZEROES goes alone (unknown before 6.17: EOPNOTSUPP) */
	EXPECT_EQ(-1, fallocate(fd, LL_FALLOC_WRITE_ZEROES | FALLOC_FL_KEEP_SIZE,
				0, 4096));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, fallocate(fd, LL_FALLOC_WRITE_ZEROES | FALLOC_FL_PUNCH_HOLE |
				FALLOC_FL_KEEP_SIZE, 0, 4096));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(fd);
	fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				0, 4096));
	EXPECT_EQ(EBADF, errno);
	close(fd);
	EXPECT_EQ(breaks, ll_stat("breaks"));
	EXPECT_EQ(0, holder_finish(&h)) TH_LOG("the holder was not told");
}

FIXTURE(dax) {
	char path[PATH_MAX];
};

FIXTURE_VARIANT(dax) {
	const char *dir;
};

FIXTURE_VARIANT_ADD(dax, xfs) { .dir = MNT_DAX_XFS, };
FIXTURE_VARIANT_ADD(dax, ext4) { .dir = MNT_DAX_EXT4, };

FIXTURE_SETUP(dax)
{
	int fd = ll_make_file(variant->dir, "safety.dax", LEN, 'd', self->path,
			      sizeof(self->path));

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 300));
}

FIXTURE_TEARDOWN(dax)
{
	unlink(self->path);
	ll_module_restore();
}

/* Rule 2: the owner may grow its pinned file; shrinking it is EDEADLK. */
TEST_F_TIMEOUT(dax, owner_grows_pinned_file, 120)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	EXPECT_EQ(0, ftruncate(fd, 2 * LEN)) TH_LOG("errno %d", errno);
	EXPECT_EQ(0, fallocate(fd, 0, 2 * LEN, LEN));
	EXPECT_EQ(0, fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			       LEN, LEN)) TH_LOG("outside the pin");
	EXPECT_EQ(-1, ftruncate(fd, LEN / 2));
	EXPECT_EQ(EDEADLK, errno);
	file_mr_unreg(&r);
	EXPECT_EQ(0, ftruncate(fd, 0));
	close(fd);
}

/*
 * Rule 3: a pin counts under a lease only through the leased file (with
 * implicit leases, the other open file gets its own: lease_implicit_test).
 */
TEST_F(dax, pin_of_another_open_is_not_under_the_lease)
{
	struct file_mr r = { 0 };
	int leased = open(self->path, O_RDWR);
	int other = open(self->path, O_RDWR);

	ASSERT_LE(0, leased);
	ASSERT_LE(0, other);
	ASSERT_EQ(0, ll_sh("echo off > " LL_PARAM("implicit")));
	ASSERT_EQ(0, ll_setlease(leased, LL_SHARED));
	EXPECT_EQ(-EOPNOTSUPP, file_mr_reg(&r, other, LEN));
	EXPECT_EQ(0, ll_stat("pins"));
	file_mr_unreg(&r);
	close(other);
	close(leased);
}

/* Rule 7: no unload while pins exist. */
TEST_F(dax, rmmod_refused_under_pin)
{
	struct file_mr r = { 0 };
	int fd = open(self->path, O_RDWR);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	ASSERT_EQ(0, file_mr_reg(&r, fd, LEN));
	EXPECT_EQ(-1, syscall(SYS_delete_module, "layoutlease", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(ll_module_loaded());
	file_mr_unreg(&r);
	EXPECT_EQ(0, ll_stat("pins"));
	close(fd);
}

/* Rule 4: no new pin joins a lease that is breaking. */
TEST_F_TIMEOUT(dax, no_new_pin_under_a_broken_lease, 120)
{
	int up[2], st, err = 0;
	pid_t o, breaker;

	ASSERT_EQ(0, pipe(up));
	o = fork();
	ASSERT_LE(0, o);
	if (o == 0) {
		struct file_mr r = { 0 };
		int fd, sfd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sfd = ll_sig_fd(LL_SIG);
		fd = open(self->path, O_RDWR);
		if (sfd < 0 || fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
		    ll_setlease(fd, LL_SHARED) || write(up[1], "R", 1) != 1 ||
		    ll_wait_sig(sfd, WAIT_S * 1000) != fd)
			_exit(2);
		err = file_mr_reg(&r, fd, LEN);
		file_mr_unreg(&r);
		ll_setlease(fd, F_UNLCK);
		_exit(write(up[1], &err, sizeof(err)) == sizeof(err) ? 0 : 3);
	}
	close(up[1]);
	ASSERT_EQ(0, ll_read_full(up[0], (char[1]){ 0 }, 1, LL_REPORT_MS));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 60000));
	breaker = ll_truncate_elsewhere(self->path, 0);
	ASSERT_EQ(0, ll_read_full(up[0], &err, sizeof(err), LL_REPORT_MS));
	EXPECT_EQ(-EAGAIN, err);
	ASSERT_EQ(o, waitpid(o, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, ll_stat("pins"));
}

/*
 * Rule 5: user A leases and registers its file, hands the MR (its uverbs
 * descriptor) to user B over SCM_RIGHTS, closes its own and ignores the
 * break.  Revocation (@policy) must not reach B, which A could not kill
 * itself: neither a kill nor a fence of the context B holds.
 */
static void revocation_spares_other_user(struct __test_metadata *_metadata,
					 FIXTURE_DATA(dax) *self,
					 const char *policy, const char *stat,
					 const char *log)
{
	long revocations = ll_stat(stat);
	int sv[2], up[2], st, fd;
	pid_t a, b, breaker;
	char c = 0;

	ASSERT_EQ(0, ll_sh("echo %s > " LL_PARAM("revoke"), policy));
	fd = open(self->path, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fchown(fd, UID_A, UID_A));
	close(fd);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	ASSERT_EQ(0, pipe(up));
	b = fork();
	ASSERT_LE(0, b);
	if (b == 0) {
		int mr;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setresgid(UID_B, UID_B, UID_B) ||
		    setresuid(UID_B, UID_B, UID_B))
			_exit(2);
		mr = ll_recv_fd(sv[1]);
		if (mr < 0 || write(up[1], "B", 1) != 1)
			_exit(3);
		for (;;)
			pause();
	}
	a = fork();
	ASSERT_LE(0, a);
	if (a == 0) {
		struct file_mr r = { 0 };
		int sfd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (setresgid(UID_A, UID_A, UID_A) ||
		    setresuid(UID_A, UID_A, UID_A))
			_exit(2);
		sfd = ll_sig_fd(LL_SIG);
		fd = open(self->path, O_RDWR);
		if (sfd < 0 || fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
		    ll_setlease(fd, LL_SHARED) || file_mr_reg(&r, fd, LEN))
			_exit(3);
		munmap(r.buf, LEN);
		if (ll_send_fds(sv[0], (int[]){ r.ctx->cmd_fd }, 1))
			_exit(4);
		close(r.ctx->cmd_fd);
		close(r.ctx->async_fd);
		if (write(up[1], "A", 1) != 1 ||
		    ll_wait_sig(sfd, WAIT_S * 1000) != fd ||
		    write(up[1], "S", 1) != 1)
			_exit(5);
		for (;;)
			pause();
	}
	close(up[1]);
	ASSERT_EQ(0, ll_read_full(up[0], &c, 1, LL_REPORT_MS));
	ASSERT_EQ(0, ll_read_full(up[0], &c, 1, LL_REPORT_MS));
	EXPECT_EQ(1, ll_stat("pins"));
	ll_dmesg_mark();
	breaker = ll_truncate_elsewhere(self->path, 0);
	ASSERT_EQ(0, ll_read_full(up[0], &c, 1, LL_REPORT_MS));
	EXPECT_EQ('S', c) TH_LOG("the owner is told");
	EXPECT_EQ(0, ll_dmesg_wait(log));
	/* rule 6: after the grace, the pins stay and the breaker gives up */
	st = ll_wait_exit(breaker, WAIT_S);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == ETXTBSY)
		TH_LOG("the breaker's wait is bounded: 0x%x", st);
	EXPECT_EQ(0, waitpid(b, &st, WNOHANG)) TH_LOG("B is alive");
	EXPECT_EQ(revocations, ll_stat(stat));
	EXPECT_EQ(LEN, ll_file_size(self->path));
	/* B's holder ends; the pins go, and a truncate goes through */
	kill(b, SIGKILL);
	ASSERT_EQ(b, waitpid(b, &st, 0));
	EXPECT_EQ(0, ll_wait_stat("pins", 0));
	EXPECT_EQ(0, truncate(self->path, 0));
	kill(a, SIGKILL);
	waitpid(a, &st, 0);
	close(up[0]);
	close(sv[0]);
	close(sv[1]);
}

TEST_F_TIMEOUT(dax, revocation_kills_no_other_user, 120)
{
	revocation_spares_other_user(_metadata, self, "kill", "revocations",
				     "pid .* holds it, but the lease.s owner may not kill it");
}

TEST_F_TIMEOUT(dax, fence_spares_other_user, 120)
{
	revocation_spares_other_user(_metadata, self, "fence", "fences",
				     "not fencing MR .* holds its verbs context, but the lease.s owner may not signal it");
}

/*
 * A child that leases the file and registers it, reports 'R', and then
 * ignores the break.  With @thread_exit its main thread exits and another
 * thread holds on: its file table is then no longer the leader's.
 */
static pid_t start_stubborn(const char *path, bool thread_exit, int *report)
{
	int up[2];
	pid_t pid;

	if (pipe(up))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct file_mr r = { 0 };
		pthread_t t;
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(LL_SIG, SIG_IGN);
		fd = open(path, O_RDWR);
		if (fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
		    ll_setlease(fd, LL_SHARED) || file_mr_reg(&r, fd, LEN) ||
		    write(up[1], "R", 1) != 1)
			_exit(2);
		if (thread_exit &&
		    !pthread_create(&t, NULL, (void *(*)(void *))pause, NULL))
			pthread_exit(NULL);
		for (;;)
			pause();
	}
	close(up[1]);
	*report = up[0];
	return pid;
}

/* Rule 6: revoke=wait ends the breaker's wait at the deadline: ETXTBSY. */
TEST_F_TIMEOUT(dax, revoke_wait_refuses_at_the_deadline, 120)
{
	int report, st;
	pid_t holder, breaker;
	double t0;
	char c;

	ASSERT_EQ(0, ll_sh("echo wait > " LL_PARAM("revoke")));
	holder = start_stubborn(self->path, false, &report);
	ASSERT_EQ(0, ll_read_full(report, &c, 1, LL_REPORT_MS));
	t0 = ll_now();
	breaker = ll_truncate_elsewhere(self->path, 0);
	st = ll_wait_exit(breaker, WAIT_S);
	if (st == -ETIMEDOUT)
		kill(breaker, SIGKILL), waitpid(breaker, &st, 0), st = -1;
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == ETXTBSY)
		TH_LOG("status 0x%x", st);
	TH_LOG("the breaker waited %.2f s for a 0.3 s timeout", ll_now() - t0);
	EXPECT_EQ(LEN, ll_file_size(self->path));
	EXPECT_EQ(1, ll_stat("leases")) TH_LOG("the pinned lease stays");
	kill(holder, SIGKILL);
	ASSERT_EQ(holder, waitpid(holder, &st, 0));
	EXPECT_EQ(0, ll_wait_stat("pins", 0));
	EXPECT_EQ(0, ll_wait_stat("leases", 0));
	close(report);
}

/* Rules 5, 6: a holder whose main thread exited is found and revoked. */
TEST_F_TIMEOUT(dax, revocation_finds_a_thread_after_pthread_exit, 120)
{
	long revocations = ll_stat("revocations");
	int report, st;
	pid_t holder, breaker;
	char c;

	ASSERT_EQ(0, ll_sh("echo kill > " LL_PARAM("revoke")));
	holder = start_stubborn(self->path, true, &report);
	ASSERT_EQ(0, ll_read_full(report, &c, 1, LL_REPORT_MS));
	breaker = ll_truncate_elsewhere(self->path, 0);
	st = ll_wait_exit(holder, WAIT_S);
	EXPECT_TRUE(st >= 0 && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		TH_LOG("the holder was killed: 0x%x", st);
	if (st == -ETIMEDOUT)
		kill(holder, SIGKILL), waitpid(holder, &st, 0);
	st = ll_wait_exit(breaker, WAIT_S);
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ(0, ll_file_size(self->path));
	EXPECT_EQ(revocations + 1, ll_stat("revocations"));
	EXPECT_EQ(0, ll_wait_stat("pins", 0));
	close(report);
}

FIXTURE(mod) {
	long break_time;
};

FIXTURE_SETUP(mod)
{
	self->break_time = ll_read_long("/proc/sys/fs/lease-break-time");
	ASSERT_LT(0, self->break_time);
}

FIXTURE_TEARDOWN(mod)
{
	ll_write_long("/proc/sys/kernel/ftrace_enabled", 1);
	ll_write_long("/proc/sys/fs/lease-break-time", self->break_time);
	ll_module_restore();
}

/*
 * Rule 10: /proc/fs/layoutlease shows pids in the reader's pid namespace
 * and leaves out what it cannot see.
 */
TEST_F(mod, proc_shows_the_readers_pid_namespace)
{
	char path[PATH_MAX], cli[PATH_MAX];
	struct holder h;
	struct stat st;
	int fd;

	ll_tree_path(cli, sizeof(cli), "tools/layoutlease/layoutlease");
	fd = ll_make_file(MNT_TMPFS, "pidns.dat", 4096, 'p', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	close(fd);
	ASSERT_EQ(0, holder_start(&h, path, LL_SHARED, HOLD_IGNORE));
	/* a lease of the parent namespace is not listed in a child one */
	EXPECT_EQ(0, ll_sh("unshare --pid --fork --mount-proc sh -c "
			   "'! grep -q \":%lu \" /proc/fs/layoutlease/leases'",
			   st.st_ino));
	EXPECT_EQ(0, holder_finish(&h));
	/* one set there is listed with its pid there: 1 */
	EXPECT_EQ(0, ll_sh("unshare --pid --fork --mount-proc %s hold %s -- "
			   "sh -c 'grep -q \"^[0-9]* 1 .*:%lu \" "
			   "/proc/fs/layoutlease/leases'",
			   cli, path, st.st_ino));
	unlink(path);
}

/* Rule 9: an administrator can end any lease, an exclusive one too. */
TEST_F_TIMEOUT(mod, admin_breaks_an_exclusive_lease, 120)
{
	char path[PATH_MAX], cli[PATH_MAX];
	struct ll_lease_line l;
	struct holder h;
	struct stat st;
	pid_t user;
	int fd;

	ll_tree_path(cli, sizeof(cli), "tools/layoutlease/layoutlease");
	fd = ll_make_file(MNT_TMPFS, "admin.dat", 4096, 'a', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	close(fd);
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 300));
	ASSERT_EQ(0, holder_start(&h, path, LL_EXCL, HOLD_IGNORE));
	ASSERT_EQ(1, ll_lease_line(&st, &l));
	EXPECT_EQ(-1, truncate(path, 0));
	EXPECT_EQ(ETXTBSY, errno);
	/* only root */
	user = fork();
	ASSERT_LE(0, user);
	if (user == 0) {
		if (setresuid(UID_A, UID_A, UID_A))
			_exit(2);
		_exit(ll_sh("%s break %llu 2>/dev/null", cli, l.id) ? 0 : 1);
	}
	ASSERT_EQ(0, WEXITSTATUS(ll_wait_exit(user, WAIT_S)));
	EXPECT_EQ(0, ll_sh("%s break %llu", cli, l.id));
	ASSERT_EQ(0, ll_wait_stat("leases", 0)) TH_LOG("gone at its timeout");
	EXPECT_EQ(0, truncate(path, 0));
	EXPECT_EQ(1, holder_finish(&h)) TH_LOG("the owner was told");
	EXPECT_NE(0, ll_sh("%s break %llu 2>/dev/null", cli, l.id));
	unlink(path);
}

/* Rule 7: ftrace cannot be switched off under the module. */
TEST_F(mod, ftrace_off_is_refused)
{
	EXPECT_EQ(-EBUSY, ll_write_long("/proc/sys/kernel/ftrace_enabled", 0));
	EXPECT_EQ(1, ll_read_long("/proc/sys/kernel/ftrace_enabled"));
}

/* Rule 6: lease-break-time 0 (never) gives 45 s and a log line, not 1 ms */
TEST_F(mod, default_timeout_is_sane)
{
	char ko[PATH_MAX];

	ll_module_path(ko, sizeof(ko));
	ll_dmesg_mark();
	ASSERT_EQ(0, ll_write_long("/proc/sys/fs/lease-break-time", 0));
	ASSERT_EQ(0, ll_sh("rmmod layoutlease && insmod %s", ko));
	EXPECT_EQ(45000, ll_read_long(LL_PARAM("break_timeout_ms")));
	EXPECT_EQ(0, ll_dmesg_wait("fs.lease-break-time is 0: break timeout 45 s"));
}

TEST_HARNESS_MAIN
