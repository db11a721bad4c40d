// SPDX-License-Identifier: GPL-2.0
/*
 * perftest's ib_write_bw with --mmap=FILE over rxe0, on XFS without DAX,
 * runs unchanged with layoutlease loaded.  perftest maps the --mmap file
 * MAP_SHARED as the buffer of its MR, on the server and on the client
 * alike, so each side's registration of its file is listed in
 * /proc/fs/layoutlease/pins while the test runs (under no lease: page
 * cache files need none), and the listing is empty again afterwards.
 */
#include "kselftest_harness.h"
#include "lease_util.h"
#include "spawn_util.h"

#define ADDR		"10.99.0.1"
#define PORT		18777	/* perftest's TCP port for its exchange */
#define FILE_LEN	(1 << 20)
#define MSG_SIZE	4096
#define RUN_MS		180000	/* the longest a whole run may take */

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

FIXTURE_TEARDOWN(perftest)
{
	int i;

	for (i = 0; i < 2; i++) {
		child_stop(&self->side[i]);
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

/* Start one side of ib_write_bw: 0 is the server, 1 the client. */
static int start_side(FIXTURE_DATA(perftest) *self, int i)
{
	char mmap_arg[PATH_MAX + 8], port[8];
	char *argv[] = { "ib_write_bw", "-d", "rxe0", "-x", "1",
			 "-s", "4096", "-D", "4", "-p", port, mmap_arg,
			 i ? ADDR : NULL, NULL };

	snprintf(port, sizeof(port), "%d", PORT);
	snprintf(mmap_arg, sizeof(mmap_arg), "--mmap=%s", self->path[i]);
	return child_start(&self->side[i], i ? "client" : "server", argv);
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
			if (!seen[i] && pin_lines(self->st[i].st_ino, &pin[i]))
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

/* The side's report: a line of numbers after the "#bytes" header. */
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
		EXPECT_TRUE(avg > 0);
		st = child_wait(&self->side[i], RUN_MS);
		EXPECT_TRUE(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
		EXPECT_EQ(0, pin_lines(self->st[i].st_ino, NULL));
	}
	EXPECT_EQ(0, ll_stat("pins"));
}

TEST_HARNESS_MAIN
