// SPDX-License-Identifier: GPL-2.0
/*
 * Races, each run many times: MR deregistration against a break,
 * F_GETLEASE and lease release against the break timeout, process exit
 * during a revocation.
 * (rmmod during breaks is in lease_unload_test.)  The run must end with
 * no lease, no pin, no hang, and a clean dmesg.
 */
#include <sched.h>
#include <sys/mman.h>

#include "kselftest_harness.h"
#include "lease_util.h"
#include "rdma_util.h"

#define LEN	(64 * 1024)

FIXTURE(stress) {
	char path[PATH_MAX];
	long timeout;
	int stop[2];
	pid_t breaker;
};

FIXTURE_SETUP(stress)
{
	int fd = ll_make_file(MNT_DAX_XFS, "stress.dat", LEN, 's', self->path,
			      sizeof(self->path));

	ASSERT_LE(0, fd);
	close(fd);
	self->timeout = ll_read_long(LL_PARAM("break_timeout_ms"));
	/* registrations here are under explicit leases, or refused */
	ASSERT_EQ(0, ll_sh("echo off > " LL_PARAM("implicit")));
	ASSERT_EQ(0, pipe(self->stop));
	self->breaker = -1;
}

FIXTURE_TEARDOWN(stress)
{
	ll_write_long(LL_PARAM("break_timeout_ms"), self->timeout);
	ll_sh("echo fence > " LL_PARAM("revoke") "; echo deny > "
	      LL_PARAM("implicit"));
	unlink(self->path);
}

/*
 * Another process truncating the file until @stop's write end is closed:
 * in a loop, or when @paced once for each byte written there.
 */
static pid_t start_truncator(const char *path, int stop[2], bool paced)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct pollfd p = { .fd = stop[0], .events = POLLIN };
		int fd, n = 0;
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(stop[1]);
		fd = open(path, O_RDWR);
		while (fd >= 0 && (paced ? read(stop[0], &c, 1) == 1 :
				   poll(&p, 1, 0) == 0)) {
			/* EINTR and EDEADLK aside, every truncate must work */
			if (ftruncate(fd, n++ & 1 ? LEN : LEN / 2) &&
			    errno != EINTR)
				_exit(1);
		}
		_exit(fd < 0 ? 2 : 0);
	}
	return pid;
}

/* What a run caused, so that a reader sees the races happened. */
static void report(const char *name, long breaks, long timeouts, long revoked)
{
	ksft_print_msg("%s: %ld breaks, %ld timeouts, %ld revocations\n", name,
		       ll_stat("breaks") - breaks, ll_stat("timeouts") - timeouts,
		       ll_stat("revocations") - revoked);
	fflush(stdout);		/* the test runs in a child that _exit()s */
}

/* A signalfd for LL_SIG, the signal leases are set to send. */
static int break_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, LL_SIG);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, 0);
}

/*
 * A leased fd that signals breaks as LL_SIG, or -errno.  While the layout
 * change that broke the last lease is under way, F_SETLEASE says EAGAIN:
 * the holder waits for it and tries again, as an application would.
 */
static int leased_fd(const char *path)
{
	int fd = open(path, O_RDWR), ret;

	if (fd < 0)
		return -errno;
	do {
		ret = fcntl(fd, F_SETSIG, LL_SIG) ? -errno :
		      ll_setlease(fd, LL_SHARED);
	} while (ret == -EAGAIN && !sched_yield());
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

static int wait_break(int sfd)
{
	struct signalfd_siginfo si;

	return read(sfd, &si, sizeof(si)) == sizeof(si) ? 0 : -errno;
}

static void stop_truncator(struct __test_metadata *_metadata,
			   FIXTURE_DATA(stress) *self)
{
	int st;

	close(self->stop[1]);
	ASSERT_EQ(self->breaker, waitpid(self->breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/*
 * Register under a lease; when the break comes, deregister and release
 * just as the 2 ms timeout leaves the pins in place (revoke=unlock).  The
 * truncator breaks the lease when told: after the registration, or in
 * one round of four just before it, when the break may come first.  (A
 * truncator in a loop broke most leases before ibv_reg_mr() on the debug
 * kernel, and the race was hardly run.)  The timeouts and delays of these
 * races are times ll_slowness(): they are set for the speed of a stock
 * kernel under TCG.
 */
TEST_F_TIMEOUT(stress, dereg_against_break, 600)
{
	long b = ll_stat("breaks"), t = ll_stat("timeouts");
	int i, fd, sfd, rounds = 1000, lost = 0, early = 0;
	struct ibv_context *ctx;
	struct ibv_pd *pd;

	/* this process holds the MRs: at a timeout, leave them (no kill) */
	ASSERT_EQ(0, ll_sh("echo unlock > " LL_PARAM("revoke")));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"),
				   2 * ll_slowness()));
	sfd = break_signals();
	ASSERT_LE(0, sfd);
	/* first: a truncator with the uverbs fd would hold the MRs too */
	self->breaker = start_truncator(self->path, self->stop, true);
	ctx = open_rxe0();
	pd = ibv_alloc_pd(ctx);
	ASSERT_NE(NULL, pd);
	for (i = 0; i < rounds; i++) {
		struct ibv_mr *mr;
		void *buf;

		fd = leased_fd(self->path);
		ASSERT_LE(0, fd);
		buf = mmap(NULL, LEN / 2, PROT_READ | PROT_WRITE, MAP_SHARED,
			   fd, 0);
		ASSERT_NE(MAP_FAILED, buf);
		if (i % 4 == 0) {
			ASSERT_EQ(1, write(self->stop[1], "t", 1));
			early++;
		}
		mr = ibv_reg_mr(pd, buf, LEN / 2, RDMA_ACCESS);
		ASSERT_TRUE(mr || i % 4 == 0)
			TH_LOG("round %d: no break yet: %s", i, strerror(errno));
		if (i % 4)
			ASSERT_EQ(1, write(self->stop[1], "t", 1));
		/*
		 * The break may come first: a broken lease takes no new pin
		 * (EAGAIN), and after its 2 ms timeout there is no lease.
		 */
		if (!mr) {
			int err = errno, type = ll_getlease(fd);
			bool unbroken = (type & F_LAYOUT) &&
					(type & (F_RDLCK | F_WRLCK | F_UNLCK)) !=
					F_UNLCK;

			ASSERT_TRUE(err == EAGAIN || err == EOPNOTSUPP)
				TH_LOG("errno %d", err);
			/*
			 * F_GETLEASE said F_RDLCK here once the broken lease
			 * timed out, on the debug kernel: a module bug, fixed
			 * (getlease_against_timeout, testing.rst).
			 */
			if (unbroken)
				ll_sh("sed 's/^/# /' /proc/fs/layoutlease/leases /proc/fs/layoutlease/stats");
			ASSERT_FALSE(unbroken)
				TH_LOG("round %d: %s, and the lease is not broken: 0x%x",
				       i, strerror(err), type);
			lost++;
		}
		ASSERT_EQ(0, wait_break(sfd));
		if (mr)
			ibv_dereg_mr(mr);
		munmap(buf, LEN / 2);
		ll_setlease(fd, F_UNLCK);
		close(fd);
	}
	stop_truncator(_metadata, self);
	ksft_print_msg("%d of %d leases broken just before ibv_reg_mr() were gone before it\n",
		       lost, early);
	report("dereg_against_break", b, t, ll_stat("revocations"));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_stat("leases"));
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	close(sfd);
}

/*
 * F_GETLEASE, again and again, while the timeout removes a broken lease:
 * once the lease reads as broken it never reads as held again, and then
 * it reads as gone.  F_GETLEASE used to find the lease and read its state
 * afterwards, so that a lease the timeout removed in between read as held
 * (F_RDLCK): seen on the debug kernel in dereg_against_break.
 */
TEST_F_TIMEOUT(stress, getlease_against_timeout, 600)
{
	long b = ll_stat("breaks"), t = ll_stat("timeouts"), reads = 0;
	int i, fd, sfd, type, rounds = 500;
	double t0;

	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"),
				   2 * ll_slowness()));
	sfd = break_signals();
	ASSERT_LE(0, sfd);
	self->breaker = start_truncator(self->path, self->stop, true);
	for (i = 0; i < rounds; i++) {
		bool broken = false;

		fd = leased_fd(self->path);
		ASSERT_LE(0, fd);
		ASSERT_EQ(1, write(self->stop[1], "t", 1));
		t0 = ll_now();
		do {
			/* a truncator that died would leave the lease held */
			ASSERT_GT(LL_REPORT_MS / 1000.0, ll_now() - t0)
				TH_LOG("round %d: the lease was never removed", i);
			type = ll_getlease(fd);
			reads++;
			if (type == (F_LAYOUT | F_UNLCK))
				broken = true;
			else
				ASSERT_TRUE((type == F_LAYOUT && !broken) ||
					    type == F_UNLCK)
					TH_LOG("round %d: 0x%x after it read as broken: %d",
					       i, type, broken);
		} while (type & F_LAYOUT);
		ASSERT_EQ(0, wait_break(sfd));
		close(fd);
	}
	stop_truncator(_metadata, self);
	ksft_print_msg("%ld F_GETLEASE in %d rounds\n", reads, rounds);
	report("getlease_against_timeout", b, t, ll_stat("revocations"));
	EXPECT_EQ(rounds, ll_stat("timeouts") - t);
	EXPECT_EQ(0, ll_stat("leases"));
	close(sfd);
}

/* When the break comes, release the lease just as it times out. */
TEST_F_TIMEOUT(stress, release_against_timeout, 600)
{
	long b = ll_stat("breaks"), t = ll_stat("timeouts");
	int i, fd, sfd, rounds = 2000, released = 0, k = ll_slowness();

	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), k));
	sfd = break_signals();
	ASSERT_LE(0, sfd);
	self->breaker = start_truncator(self->path, self->stop, false);
	for (i = 0; i < rounds; i++) {
		int r;

		struct timespec ts = { 0, (i % 16) * k * 1000000L };

		fd = leased_fd(self->path);
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, wait_break(sfd));
		/* from well before the deadline's expiry run to after it */
		nanosleep(&ts, NULL);
		r = ll_setlease(fd, F_UNLCK);
		/* released, or already timed out */
		EXPECT_TRUE(r == 0 || r == -EAGAIN);
		released += !r;
		close(fd);
	}
	stop_truncator(_metadata, self);
	report("release_against_timeout", b, t, ll_stat("revocations"));
	/* both sides of the race were run */
	EXPECT_LT(0, released);
	EXPECT_LT(t, ll_stat("timeouts"));
	EXPECT_EQ(0, ll_stat("leases"));
	close(sfd);
}

/*
 * A holder registers and ignores the break; the module kills it at the
 * timeout, while it may be exiting by itself at the same moment.  The
 * timeout is also the grace the killed holder has to exit (one more
 * timeout): 10 ms holds a stock kernel's exit under TCG; on the debug
 * kernel killed holders were gone up to 1.2 s past the deadline (other
 * VMs on the two cores), so there it is 4 s.  The holders exit by
 * themselves from 0 to 1.9 timeouts after their registration.
 */
TEST_F_TIMEOUT(stress, exit_during_revocation, 600)
{
	long b = ll_stat("breaks"), t = ll_stat("timeouts");
	long r = ll_stat("revocations");
	/*
	 * The timeout is also the grace a killed holder has to exit: 10 ms
	 * was too little on a loaded machine (7.2, a holder exiting as the
	 * deadline came, not found, its pin gone 34 ms later: ETXTBSY), and
	 * forking the breaker took long enough that no holder was still
	 * there to kill.  The debug kernel's exits took up to 1.2 s.
	 */
	int i, rounds = 100, st, timeout = ll_slowness() > 1 ? 4000 : 100;
	double t0, late = 0;

	rdma_preload();		/* for the holders forked next */
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), timeout));
	ASSERT_EQ(0, ll_sh("echo kill > " LL_PARAM("revoke")));
	for (i = 0; i < rounds; i++) {
		int up[2];
		pid_t holder, breaker;
		char c;

		ASSERT_EQ(0, pipe(up));
		holder = fork();
		ASSERT_LE(0, holder);
		if (holder == 0) {
			struct ibv_context *ctx = open_rxe0();
			struct ibv_pd *pd = ibv_alloc_pd(ctx);
			int fd = open(self->path, O_RDWR);
			long ms = (i % 20) * timeout / 10;
			struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };
			void *buf;

			signal(SIGIO, SIG_IGN);
			if (fd < 0 || ll_setlease(fd, LL_SHARED))
				_exit(2);
			buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0);
			if (!ibv_reg_mr(pd, buf, LEN, RDMA_ACCESS))
				_exit(3);
			if (write(up[1], "R", 1) != 1)
				_exit(4);
			/* exit around the deadline, or be killed */
			nanosleep(&ts, NULL);
			_exit(0);
		}
		close(up[1]);
		ASSERT_EQ(0, ll_read_full(up[0], &c, 1, LL_REPORT_MS));
		close(up[0]);
		t0 = ll_now();
		breaker = fork();
		if (breaker == 0) {
			int fd;

			close_range(3, ~0U, 0);
			fd = open(self->path, O_RDWR);
			_exit(fd < 0 ? 255 : ftruncate(fd, LEN) ? errno : 0);
		}
		ASSERT_EQ(holder, waitpid(holder, &st, 0));
		/* at most this long after the deadline, the holder was gone */
		if (ll_now() - t0 - timeout / 1000.0 > late)
			late = ll_now() - t0 - timeout / 1000.0;
		ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
		EXPECT_EQ(0, WEXITSTATUS(st))
			TH_LOG("round %d: the truncate: %s", i,
			       strerror(WEXITSTATUS(st)));
	}
	ksft_print_msg("holders gone at most %.0f ms after the %d ms deadline\n",
		       late * 1000, timeout);
	report("exit_during_revocation", b, t, r);
	/* the exits raced with timeouts and with revocations */
	EXPECT_LT(t, ll_stat("timeouts"));
	EXPECT_LT(r, ll_stat("revocations"));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_stat("leases"));
}

TEST_HARNESS_MAIN
