// SPDX-License-Identifier: GPL-2.0
/*
 * Unloading the module: every lease goes, breakers are woken, and nothing
 * of the module is left behind, also while leases are set and broken.
 */
#include <sys/mman.h>
#include <sys/resource.h>

#include "kselftest_harness.h"
#include "lease_util.h"
#include "rdma_util.h"

#define FILE_LEN	(16 * 1024)

static const char * const dirs[] = {
	MNT_DAX_XFS, MNT_DAX_EXT4, MNT_XFS, MNT_TMPFS,
};

#define NDIRS	(sizeof(dirs) / sizeof(dirs[0]))

/* Poll /proc until the lease on file @st is breaking; 0 when it is. */
static int wait_breaking(const struct stat *st)
{
	double end = ll_now() + 30;
	struct ll_lease_line l;

	while (ll_lease_line(st, &l) != 1 || strcmp(l.state, "breaking")) {
		if (ll_now() > end)
			return -ETIMEDOUT;
		usleep(5000);
	}
	return 0;
}

FIXTURE(unload) {
};

FIXTURE_SETUP(unload)
{
}

/* The module as the other tests expect it: loaded, with its defaults. */
FIXTURE_TEARDOWN(unload)
{
	ll_module_restore();
}

/*
 * A uverbs command holds the module: rmmod fails while one runs, however
 * long it takes (its buffer faults in a userfaultfd range here), and
 * succeeds once it returned.
 */
TEST_F(unload, rmmod_refused_while_a_command_runs)
{
	struct ibv_context *ctx = open_rxe0();
	struct cmd_hold h;

	ASSERT_NE(NULL, ctx);
	ASSERT_EQ(0, cmd_hold_start(&h, ctx->cmd_fd));
	EXPECT_NE(0, ll_sh("rmmod layoutlease 2>/dev/null"));
	EXPECT_TRUE(ll_module_loaded());
	/* the header filled in is no command's */
	EXPECT_GT(0, cmd_hold_release(&h));
	EXPECT_EQ(0, ll_sh("rmmod layoutlease"));
	EXPECT_FALSE(ll_module_loaded());
	ibv_close_device(ctx);
}

TEST_F(unload, rmmod_with_live_leases)
{
	char path[NDIRS][PATH_MAX], ko[PATH_MAX];
	struct holder h[NDIRS];
	struct stat st[NDIRS];
	pid_t breaker;
	int i, status;

	ll_module_path(ko, sizeof(ko));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 600000));
	for (i = 0; i < NDIRS; i++) {
		int fd = ll_make_file(dirs[i], "unload.dat", FILE_LEN, 'u',
				      path[i], sizeof(path[i]));

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fstat(fd, &st[i]));
		close(fd);
		ASSERT_EQ(0, holder_start(&h[i], path[i],
					  i ? LL_SHARED : LL_EXCL,
					  HOLD_IGNORE));
	}
	/* a breaker waits on the shared lease of dirs[1] */
	breaker = ll_truncate_elsewhere(path[1], 0);
	ASSERT_LT(0, breaker);
	ASSERT_EQ(0, wait_breaking(&st[1]));
	EXPECT_EQ(NDIRS, ll_stat("leases"));

	ASSERT_EQ(0, ll_sh("rmmod layoutlease"));
	ASSERT_EQ(breaker, waitpid(breaker, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status)) TH_LOG("the breaker went on");
	for (i = 0; i < NDIRS; i++)
		EXPECT_EQ(0, ll_proc_locks_leases(&st[i]));
	EXPECT_NE(0, access("/dev/layout_lease", F_OK));
	ASSERT_EQ(0, ll_sh("insmod %s", ko));
	for (i = 0; i < NDIRS; i++) {
		/* only the lease of dirs[1] was broken before the unload */
		EXPECT_EQ(i == 1 ? 1 : 0, holder_finish(&h[i]));
		unlink(path[i]);
	}
	EXPECT_EQ(0, ll_stat("leases"));
}

/* What the churners did, in memory shared with them. */
struct churned {
	long calls;		/* loop iterations */
	long leases;		/* leases set */
};

/* Set, break and release leases in a loop; exits when @stop is readable. */
static void churn(const char *path, bool breaker, int stop, struct churned *c)
{
	struct pollfd p = { .fd = stop, .events = POLLIN };

	signal(SIGIO, SIG_IGN);
	while (poll(&p, 1, 0) == 0) {
		int fd = open(path, O_RDWR);

		if (fd < 0)
			_exit(1);
		if (breaker) {
			if (ftruncate(fd, FILE_LEN / 2) && errno != EINTR)
				_exit(2);
		} else if (!ll_setlease(fd, LL_SHARED)) {
			__atomic_add_fetch(&c->leases, 1, __ATOMIC_RELAXED);
			if (pwrite(fd, "c", 1, 0) != 1)
				_exit(3);
			ll_setlease(fd, F_UNLCK);
		}
		close(fd);
		__atomic_add_fetch(&c->calls, 1, __ATOMIC_RELAXED);
	}
	_exit(0);
}

/*
 * rmmod and insmod while leases are being set and broken.  The churners
 * run at nice 19: they are the load, rmmod and insmod what is tested.  At
 * nice 0 the eight of them took most of the guest's two vCPUs from rmmod
 * and insmod and from the kernel threads their RCU-tasks waits depend on:
 * a cycle took 16 s with a host core to the VM, 45 to 90 s with five VMs
 * on two cores; at nice 19, 10 s with five VMs on two cores.  They still
 * run on the other vCPU, and on both whenever rmmod or insmod waits; the
 * test checks that they did.
 */
TEST_F_TIMEOUT(unload, rmmod_during_churn, 600)
{
	char path[NDIRS][PATH_MAX], ko[PATH_MAX];
	pid_t pids[2 * NDIRS];
	int i, stop[2], cycles = 12, status;
	struct churned *c;

	ll_module_path(ko, sizeof(ko));
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, c);
	ASSERT_EQ(0, pipe(stop));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 20));
	for (i = 0; i < 2 * NDIRS; i++) {
		int d = i % NDIRS;

		if (i < NDIRS) {
			int fd = ll_make_file(dirs[d], "churn.dat", FILE_LEN,
					      'c', path[d], sizeof(path[d]));

			ASSERT_LE(0, fd);
			close(fd);
		}
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(stop[1]);
			if (setpriority(PRIO_PROCESS, 0, 19))
				_exit(4);
			churn(path[d], i >= NDIRS, stop[0], c);
		}
	}
	for (i = 0; i < cycles; i++) {
		long before = __atomic_load_n(&c->calls, __ATOMIC_RELAXED), mid;

		ASSERT_EQ(0, ll_sh("rmmod layoutlease"));
		mid = __atomic_load_n(&c->calls, __ATOMIC_RELAXED);
		ASSERT_EQ(0, ll_sh("insmod %s break_timeout_ms=20", ko));
		EXPECT_LT(before, mid) TH_LOG("cycle %d: no churn during rmmod", i);
		EXPECT_LT(mid, __atomic_load_n(&c->calls, __ATOMIC_RELAXED))
			TH_LOG("cycle %d: no churn during insmod", i);
	}
	close(stop[1]);
	for (i = 0; i < 2 * NDIRS; i++) {
		ASSERT_EQ(pids[i], waitpid(pids[i], &status, 0));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	ksft_print_msg("%d cycles: %ld churn calls, %ld leases set\n", cycles,
		       c->calls, c->leases);
	fflush(stdout);		/* the test runs in a child that _exit()s */
	EXPECT_LT(0, c->leases);
	EXPECT_EQ(0, ll_stat("leases"));
	for (i = 0; i < NDIRS; i++)
		unlink(path[i]);
	munmap(c, sizeof(*c));
}

TEST_HARNESS_MAIN
