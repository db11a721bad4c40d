// SPDX-License-Identifier: GPL-2.0
/*
 * perftest's ib_write_bw with --mmap=FILE over rxe0, on XFS without DAX,
 * runs unchanged with layoutlease loaded.  perftest maps the --mmap file
 * MAP_SHARED as the buffer of its MR, on the server and on the client
 * alike, so each side's registration of its file is listed in
 * /proc/fs/layoutlease/pins while the test runs (under no lease: page
 * cache files need none), and the listing is empty again afterwards.
 *
 * dax: the same on DAX XFS and DAX ext4, where a stock kernel refuses the
 * registrations (EOPNOTSUPP, as with implicit=off, seen with strace).
 * Each gets an implicit lease: with implicit=deny it runs to its
 * bandwidth line and a truncate of the server's file meanwhile fails with
 * ETXTBSY; with implicit=fence the truncate completes after the break
 * timeout, the server's MR is fenced and perftest reports an error
 * instead of hanging.
 */
#include "kselftest_harness.h"
#include "lease_util.h"
#include "spawn_util.h"

#define ADDR		"10.99.0.1"
#define PORT		18777	/* perftest's TCP port for its exchange */
#define FILE_LEN	(1 << 20)
#define MSG_SIZE	4096
/* the longest a whole run may take */
#define RUN_MS		(180000 * ll_slowness())

FIXTURE(perftest) {
	char path[2][PATH_MAX];		/* the server's and the client's */
	struct stat st[2];
	struct child side[2];
};

FIXTURE_SETUP(perftest)
{
	static const char *const name[2] = { "perftest-server.dat",
					     "perftest-client.dat" };
	/*
	 * perftest's MRs are writable: 6.5+ refuses writable long-term pins
	 * of XFS page cache (rdma_util.h), so those kernels run it on tmpfs.
	 */
	const char *dir = ll_kernel_at_least(6, 5) ? MNT_TMPFS : MNT_XFS;
	int i, fd;

	if (access("/usr/bin/ib_write_bw", X_OK))
		SKIP(return, "perftest is not installed");
	TH_LOG("ib_write_bw --mmap on %s", dir);
	for (i = 0; i < 2; i++) {
		fd = ll_make_file(dir, name[i], FILE_LEN, 'p',
				  self->path[i], sizeof(self->path[i]));
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fstat(fd, &self->st[i]));
		close(fd);
	}
}

/*
 * Stop one side.  A side a failed test did not wait for first logs what it
 * printed and nobody read, and how it exited: which side failed first, and
 * why, is in that output.
 */
static void side_stop(struct child *c)
{
	if (c->tag && c->pid > 0 && child_exited(c))
		fprintf(stderr, "#   %s| exited with %d\n", c->tag,
			child_status(child_wait(c, 0)));
	else if (c->tag)
		child_drain(c, 0);
	child_stop(c);
}

FIXTURE_TEARDOWN(perftest)
{
	int i;

	for (i = 0; i < 2; i++) {
		side_stop(&self->side[i]);
		unlink(self->path[i]);
	}
}

/* Is a TCP socket listening on @port (/proc/net/tcp, state 0A)? */
static bool tcp_listening(unsigned int port)
{
	FILE *f = fopen("/proc/net/tcp", "r");
	unsigned int p, state;
	char line[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, " %*u: %*x:%x %*x:%*x %x", &p,
			       &state) == 2 && p == port && state == 0x0a;
	fclose(f);
	return found;
}

/*
 * Start one side of ib_write_bw, 0 the server, 1 the client, with its
 * buffer mapped from @path, for @secs seconds (-D), under strace when
 * @traced (its failed write() and ioctl() calls, with their errno).
 */
static int start_bw(struct child *c, int i, const char *path,
		    const char *secs, bool traced)
{
	char mmap_arg[PATH_MAX + 8], port[8];
	char *argv[] = { "strace", "-f", "-Z", "-e", "trace=write,ioctl",
			 "ib_write_bw", "-F", "-d", "rxe0", "-x", "1",
			 "-s", "4096", "-D", (char *)secs, "-p", port, mmap_arg,
			 i ? ADDR : NULL, NULL };

	snprintf(port, sizeof(port), "%d", PORT);
	snprintf(mmap_arg, sizeof(mmap_arg), "--mmap=%s", path);
	return child_start(c, i ? "client" : "server", traced ? argv : argv + 5);
}

static int start_side(FIXTURE_DATA(perftest) *self, int i)
{
	return start_bw(&self->side[i], i, self->path[i], "4", false);
}

/*
 * Poll the listing until both sides' pins are there, each side's over its
 * own file; there is no event for a registration.  Fails when either
 * side exits first or the deadline passes.
 */
static int wait_for_pins(FIXTURE_DATA(perftest) *self, struct pin_line *pin)
{
	double end = ll_now() + RUN_MS / 1000.0;
	bool seen[2] = { false, false };
	int i;

	while (!seen[0] || !seen[1]) {
		for (i = 0; i < 2; i++)
			if (!seen[i] && pin_lines(&self->st[i], &pin[i]))
				seen[i] = true;
		if (seen[0] && seen[1])
			break;
		if (child_exited(&self->side[0]) ||
		    child_exited(&self->side[1]) || ll_now() > end)
			return -ETIMEDOUT;
		usleep(20000);
	}
	return 0;
}

/*
 * The side's report: a line of numbers after the "#bytes" header, whose
 * iteration count (writes completed) must not be 0.  Its MB/s are not
 * asserted: perftest derives them from a CPU frequency it measures by
 * regressing the cycle counter on gettimeofday(), which a host with more
 * vCPU threads than cores can spoil (r^2 < 0.9, seen); -F has it report
 * 0 MB/s then instead of exiting before its final exchange.
 */
static int bandwidth(struct child *c, double *avg)
{
	unsigned long iters;
	unsigned int bytes;
	double peak;
	char line[512];
	int err;

	err = child_expect(c, "BW average[MB/sec]", line, sizeof(line),
			   RUN_MS);
	if (!err)
		err = child_expect(c, "", line, sizeof(line), RUN_MS);
	if (err)
		return err;
	if (sscanf(line, " %u %lu %lf %lf", &bytes, &iters, &peak, avg) != 4)
		return -EBADMSG;
	return bytes == MSG_SIZE && iters > 0 ? 0 : -EBADMSG;
}

TEST_F_TIMEOUT(perftest, write_bw_mmap_pins_listed, 400)
{
	struct pin_line pin[2];
	double end, avg;
	int i, st;

	ASSERT_EQ(0, start_side(self, 0));
	end = ll_now() + RUN_MS / 1000.0;
	while (!tcp_listening(PORT)) {	/* no event says it listens */
		ASSERT_FALSE(child_exited(&self->side[0]));
		ASSERT_LT(ll_now(), end);
		usleep(20000);
	}
	ASSERT_EQ(0, start_side(self, 1));

	ASSERT_EQ(0, wait_for_pins(self, pin)) TH_LOG("no pins seen");
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(self->side[i].pid, pin[i].pid);
		EXPECT_STREQ("ib_write_bw", pin[i].comm);
		EXPECT_STREQ("-", pin[i].lease);
		EXPECT_EQ(0, pin[i].start);
		EXPECT_LE(MSG_SIZE, pin[i].end);
	}

	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, bandwidth(&self->side[i], &avg));
		TH_LOG("%s: %.2f MB/s average", self->side[i].tag, avg);
		st = child_wait(&self->side[i], RUN_MS);
		EXPECT_TRUE(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		EXPECT_EQ(0, pin_lines(&self->st[i], NULL));
	}
	EXPECT_EQ(0, ll_stat("pins"));
}

FIXTURE(dax) {
	char path[2][PATH_MAX];
	struct stat st[2];
	struct child side[2];
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
	static const char *const name[2] = { "perftest-server.dat",
					     "perftest-client.dat" };
	int i, fd;

	if (access("/usr/bin/ib_write_bw", X_OK))
		SKIP(return, "perftest is not installed");
	for (i = 0; i < 2; i++) {
		fd = ll_make_file(variant->dir, name[i], FILE_LEN, 'p',
				  self->path[i], sizeof(self->path[i]));
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, fsync(fd));
		ASSERT_EQ(0, fstat(fd, &self->st[i]));
		close(fd);
	}
}

FIXTURE_TEARDOWN(dax)
{
	int i;

	for (i = 0; i < 2; i++) {
		side_stop(&self->side[i]);
		unlink(self->path[i]);
	}
	ll_module_restore();
}

/* Start the server, wait for it to listen, start the client. */
static void start_pair(struct __test_metadata *_metadata,
		       FIXTURE_DATA(dax) *self, const char *secs, bool traced)
{
	double end = ll_now() + RUN_MS / 1000.0;

	ASSERT_EQ(0, start_bw(&self->side[0], 0, self->path[0], secs,
			      traced));
	while (!tcp_listening(PORT)) {	/* no event says it listens */
		ASSERT_FALSE(child_exited(&self->side[0]));
		ASSERT_LT(ll_now(), end);
		usleep(20000);
	}
	ASSERT_EQ(0, start_bw(&self->side[1], 1, self->path[1], secs,
			      traced));
}

/* Poll until both sides' pins are listed (no event for a registration). */
static int dax_pins(FIXTURE_DATA(dax) *self, struct pin_line *pin)
{
	double end = ll_now() + RUN_MS / 1000.0;
	int i, seen;

	for (;;) {
		for (i = 0, seen = 0; i < 2; i++)
			seen += pin_lines(&self->st[i], &pin[i]) == 1;
		if (seen == 2)
			return 0;
		if (child_exited(&self->side[0]) ||
		    child_exited(&self->side[1]) || ll_now() > end)
			return -ETIMEDOUT;
		usleep(20000);
	}
}

TEST_F_TIMEOUT(dax, write_bw_runs_under_implicit_leases, 400)
{
	struct ll_lease_line l;
	struct pin_line pin[2];
	char id[24];
	double avg;
	int i, st;

	ASSERT_EQ(0, ll_sh("grep -qx deny " LL_PARAM("implicit")));
	start_pair(_metadata, self, "8", false);
	ASSERT_EQ(0, dax_pins(self, pin)) TH_LOG("no pins seen");
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(1, ll_lease_line(&self->st[i], &l));
		EXPECT_STREQ("implicit", l.mode);
		EXPECT_EQ(self->side[i].pid, l.pid);
		snprintf(id, sizeof(id), "%llu", l.id);
		EXPECT_STREQ(id, pin[i].lease);
	}
	/* while it runs, the server's file keeps its blocks */
	EXPECT_EQ(ETXTBSY, WEXITSTATUS(ll_wait_exit(
		  ll_truncate_elsewhere(self->path[0], 0), 60)));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, bandwidth(&self->side[i], &avg));
		TH_LOG("%s: %.2f MB/s average", self->side[i].tag, avg);
		st = child_wait(&self->side[i], RUN_MS);
		EXPECT_EQ(0, child_status(st));
		EXPECT_EQ(FILE_LEN, ll_file_size(self->path[i]));
		EXPECT_EQ(0, ll_lease_line(&self->st[i], &l));
	}
	EXPECT_EQ(0, ll_stat("pins"));
}

TEST_F_TIMEOUT(dax, write_bw_fails_to_register_with_implicit_off, 400)
{
	char line[512];

	ASSERT_EQ(0, ll_sh("echo off > " LL_PARAM("implicit")));
	start_pair(_metadata, self, "4", true);
	/* the registration's write() to the uverbs file, as strace saw it */
	ASSERT_EQ(0, child_expect(&self->side[0], "EOPNOTSUPP", line,
				  sizeof(line), RUN_MS));
	TH_LOG("server: %s", line);
	EXPECT_EQ(0, child_expect(&self->side[0], "Couldn't allocate MR",
				  line, sizeof(line), RUN_MS));
	EXPECT_NE(0, child_status(child_wait(&self->side[0], RUN_MS)));
	EXPECT_NE(0, child_status(child_wait(&self->side[1], RUN_MS)));
	EXPECT_EQ(0, ll_stat("pins"));
}

TEST_F_TIMEOUT(dax, write_bw_is_fenced_not_hung_with_implicit_fence, 400)
{
	long fences = ll_stat("fences");
	struct pin_line pin[2];
	double t0, t;
	char line[512];
	int i, st;

	ASSERT_EQ(0, ll_sh("echo fence > " LL_PARAM("implicit")));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 1000));
	start_pair(_metadata, self, "60", false);
	ASSERT_EQ(0, dax_pins(self, pin)) TH_LOG("no pins seen");
	t0 = ll_now();
	EXPECT_EQ(0, WEXITSTATUS(ll_wait_exit(
		  ll_truncate_elsewhere(self->path[0], 0), 60)));
	t = ll_now() - t0;
	TH_LOG("the truncate took %.0f ms", t * 1000);
	EXPECT_LE(1.0, t);
	EXPECT_EQ(0, ll_file_size(self->path[0]));
	EXPECT_EQ(fences + 1, ll_stat("fences"));
	/* the client's writes to the fenced MR fail: it says so and exits */
	EXPECT_EQ(0, child_expect(&self->side[1], "Completion with error",
				  line, sizeof(line), RUN_MS));
	TH_LOG("client: %s", line);
	for (i = 0; i < 2; i++) {
		st = child_status(child_wait(&self->side[i], RUN_MS));
		TH_LOG("side %d exits with %d", i, st);
		EXPECT_LT(0, st);
	}
	EXPECT_EQ(0, ll_stat("pins"));
}

TEST_HARNESS_MAIN
