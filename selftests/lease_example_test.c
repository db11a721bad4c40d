// SPDX-License-Identifier: GPL-2.0
/*
 * The RDMA examples of tools/examples, and libfabric next to libibverbs.
 *
 * reg: an MR over a DAX file through ibv_reg_mr() and through libfabric's
 * fi_mr_reg() (verbs provider): refused without a layout lease, allowed
 * under one and listed under its id, the break signalled, and the pin gone
 * as soon as ibv_dereg_mr() or fi_close() returns.  libfabric's default
 * registration cache would keep it: why the examples turn the cache off.
 *
 * example: ibv_dax_server and fi_dax_server, a server and a client each,
 * on /mnt/dax-xfs: the client's RDMA WRITE lands in the file and its RDMA
 * READ returns the file's bytes; a truncate by another process breaks the
 * lease, the server has the client pause, deregisters and releases, the
 * truncate completes, and the server registers the new size again for a
 * second WRITE.  The test follows the programs' output lines.
 *
 * rpma: rpma_dax_server, a librpma program that knows nothing of leases,
 * serves a file on /mnt/dax-xfs: its rpma_mr_reg() gets an implicit
 * lease, a second process's rpma_write() lands in the file and its
 * rpma_read() returns it, and a truncate of the file fails with ETXTBSY
 * while it runs; with implicit=off the registration fails, as on a stock
 * kernel, unless rxe has on-demand paging (7.2), which pins nothing.
 */
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <rdma/fabric.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_errno.h>

#include "kselftest_harness.h"
#include "lease_util.h"
#include "rdma_util.h"
#include "spawn_util.h"

#define ADDR		"10.99.0.1"
#define LEN		(1 << 20)
#define NEW_LEN		8192
/* the longest wait for a line of output */
#define LINE_MS		(60000 * ll_slowness())
#define BREAK_MS	60000	/* break_timeout_ms while these tests run */

/* A libfabric domain on rxe0, as the examples open it. */
struct fab {
	struct fi_info *info;
	struct fid_fabric *fabric;
	struct fid_domain *domain;
};

static int fab_open(struct fab *f)
{
	struct fi_info *hints = fi_allocinfo();
	int err;

	if (!hints)
		return -FI_ENOMEM;
	hints->ep_attr->type = FI_EP_MSG;
	hints->caps = FI_MSG | FI_RMA;
	hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR |
				      FI_MR_ALLOCATED | FI_MR_PROV_KEY;
	hints->fabric_attr->prov_name = strdup("verbs");
	err = fi_getinfo(FI_VERSION(1, 17), ADDR, "7479", FI_SOURCE, hints,
			 &f->info);
	fi_freeinfo(hints);
	if (!err)
		err = fi_fabric(f->info->fabric_attr, &f->fabric, NULL);
	if (!err)
		err = fi_domain(f->fabric, f->info, &f->domain, NULL);
	return err;
}

static void fab_close(struct fab *f)
{
	if (f->domain)
		fi_close(&f->domain->fid);
	if (f->fabric)
		fi_close(&f->fabric->fid);
	if (f->info)
		fi_freeinfo(f->info);
	memset(f, 0, sizeof(*f));
}

/* The lease on file @st and its one pin, which is @pid's over [0, @end) */
static void check_pin(struct __test_metadata *_metadata, const struct stat *st,
		      pid_t pid, long long end)
{
	unsigned long long id;
	struct pin_line pin;
	char lease[24];
	long pages;
	int pins;

	ASSERT_EQ(1, pin_lines(st, &pin));
	EXPECT_EQ(pid, pin.pid);
	EXPECT_EQ(0, pin.start);
	EXPECT_EQ(end, pin.end);
	EXPECT_EQ(IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ,
		  pin.access & (IBV_ACCESS_REMOTE_WRITE |
				IBV_ACCESS_REMOTE_READ));
	ASSERT_EQ(1, lease_pins(st, &id, &pins, &pages));
	snprintf(lease, sizeof(lease), "%llu", id);
	EXPECT_STREQ(lease, pin.lease) TH_LOG("the pin is under the lease");
	EXPECT_EQ(1, pins);
	EXPECT_EQ((end + 4095) / 4096, pages);
}

FIXTURE(reg) {
	char path[PATH_MAX];
	int fd, sfd;
	struct stat st;
	void *buf;
	long timeout;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *ibv_mr;
	struct fab fab;
	struct fid_mr *fi_mr;
};

FIXTURE_VARIANT(reg) {
	bool fabric;
};

FIXTURE_VARIANT_ADD(reg, ibverbs) {
	.fabric = false,
};

FIXTURE_VARIANT_ADD(reg, libfabric) {
	.fabric = true,
};

FIXTURE_SETUP(reg)
{
	sigset_t set;

	self->fd = ll_make_file(MNT_DAX_XFS, "reg.dat", LEN, 'r', self->path,
				sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fsync(self->fd));
	ASSERT_EQ(0, fstat(self->fd, &self->st));
	self->buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	sigemptyset(&set);
	sigaddset(&set, LL_SIG);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	self->sfd = signalfd(-1, &set, 0);
	ASSERT_LE(0, self->sfd);
	self->timeout = ll_read_long(LL_PARAM("break_timeout_ms"));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), BREAK_MS));
	if (variant->fabric) {
		/* as the examples do: fi_close() deregisters at once */
		ASSERT_EQ(0, setenv("FI_MR_CACHE_MAX_COUNT", "0", 1));
		ASSERT_EQ(0, fab_open(&self->fab));
	} else {
		self->ctx = open_rxe0();
		ASSERT_NE(NULL, self->ctx);
		self->pd = ibv_alloc_pd(self->ctx);
		ASSERT_NE(NULL, self->pd);
	}
}

FIXTURE_TEARDOWN(reg)
{
	if (self->ibv_mr)
		ibv_dereg_mr(self->ibv_mr);
	if (self->fi_mr)
		fi_close(&self->fi_mr->fid);
	fab_close(&self->fab);
	if (self->pd)
		ibv_dealloc_pd(self->pd);
	if (self->ctx)
		ibv_close_device(self->ctx);
	munmap(self->buf, LEN);
	close(self->fd);
	close(self->sfd);
	ll_write_long(LL_PARAM("break_timeout_ms"), self->timeout);
	ll_sh("echo deny > " LL_PARAM("implicit"));
	unlink(self->path);
}

/* Register the mapping for remote READ and WRITE: 0 or -errno. */
static int reg_file(FIXTURE_DATA(reg) *self, bool fabric)
{
	if (fabric)
		return fi_mr_reg(self->fab.domain, self->buf, LEN,
				 FI_REMOTE_READ | FI_REMOTE_WRITE, 0, 0, 0,
				 &self->fi_mr, NULL);
	self->ibv_mr = ibv_reg_mr(self->pd, self->buf, LEN, RDMA_ACCESS);
	return self->ibv_mr ? 0 : -errno;
}

static int dereg_file(FIXTURE_DATA(reg) *self, bool fabric)
{
	int err;

	if (fabric) {
		err = fi_close(&self->fi_mr->fid);
		self->fi_mr = NULL;
		return err;
	}
	err = ibv_dereg_mr(self->ibv_mr);
	self->ibv_mr = NULL;
	return -err;
}

TEST_F(reg, dax_without_lease_is_refused_with_implicit_off)
{
	ASSERT_EQ(0, ll_sh("echo off > " LL_PARAM("implicit")));
	/* the verbs provider passes ibv_reg_mr()'s errno on */
	EXPECT_EQ(variant->fabric ? -FI_EOPNOTSUPP : -EOPNOTSUPP,
		  reg_file(self, variant->fabric));
	EXPECT_EQ(0, pin_lines(&self->st, NULL));
	EXPECT_EQ(0, ll_stat("pins"));
}

TEST_F_TIMEOUT(reg, pin_under_lease_until_deregistered, 120)
{
	struct signalfd_siginfo si;
	pid_t breaker;
	int st;

	ASSERT_EQ(0, fcntl(self->fd, F_SETSIG, LL_SIG));
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	ASSERT_EQ(0, reg_file(self, variant->fabric));
	check_pin(_metadata, &self->st, getpid(), LEN);

	breaker = ll_truncate_elsewhere(self->path, 4096);
	ASSERT_LT(0, breaker);
	ASSERT_EQ(0, ll_read_full(self->sfd, &si, sizeof(si), LL_REPORT_MS));
	EXPECT_EQ(self->fd, (int)si.ssi_fd);
	EXPECT_EQ(LL_SIG, (int)si.ssi_signo);
	EXPECT_EQ(0, waitpid(breaker, &st, WNOHANG)) TH_LOG("truncate ran");
	EXPECT_EQ(1, pin_lines(&self->st, NULL));

	/* the pin goes with the deregistration, the lease still held */
	ASSERT_EQ(0, dereg_file(self, variant->fabric));
	EXPECT_EQ(0, pin_lines(&self->st, NULL));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(F_LAYOUT | F_UNLCK, ll_getlease(self->fd));
	EXPECT_EQ(0, waitpid(breaker, &st, WNOHANG)) TH_LOG("truncate ran");

	ASSERT_EQ(0, ll_setlease(self->fd, F_UNLCK));
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ(4096, ll_file_size(self->path));
}

/*
 * libfabric's registration cache, on by default in the verbs provider:
 * fi_close() leaves the MR registered, and its file pinned, until the
 * domain is closed.  A lease holder would not let go of the file at a
 * break; the examples set FI_MR_CACHE_MAX_COUNT=0.
 */
TEST(fi_mr_cache_keeps_the_pin)
{
	struct fab f = { 0 };
	char path[PATH_MAX];
	struct fid_mr *mr;
	struct stat st;
	void *buf;
	int fd;

	ASSERT_EQ(0, unsetenv("FI_MR_CACHE_MAX_COUNT"));
	/* tmpfs: writable MRs of its pages are allowed on 6.5+ too */
	fd = ll_make_file(MNT_TMPFS, "cache.dat", LEN, 'c', path, sizeof(path));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &st));
	buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(0, fab_open(&f));
	ASSERT_EQ(0, fi_mr_reg(f.domain, buf, LEN,
			       FI_REMOTE_READ | FI_REMOTE_WRITE, 0, 0, 0, &mr,
			       NULL));
	EXPECT_EQ(1, pin_lines(&st, NULL));
	ASSERT_EQ(0, fi_close(&mr->fid));
	EXPECT_EQ(1, pin_lines(&st, NULL)) TH_LOG("cached, still pinned");
	fab_close(&f);
	EXPECT_EQ(0, pin_lines(&st, NULL));
	munmap(buf, LEN);
	close(fd);
	unlink(path);
}

FIXTURE(example) {
	char path[PATH_MAX];
	char prog[PATH_MAX];
	int fd;				/* the test's own view of the file */
	struct stat st;
	struct child server, client;
	struct holder holder;
	pid_t breaker;
	long timeout;
};

FIXTURE_VARIANT(example) {
	const char *prog;
	const char *port;
};

FIXTURE_VARIANT_ADD(example, ibverbs) {
	.prog = "ibv_dax_server",
	.port = "7471",
};

FIXTURE_VARIANT_ADD(example, libfabric) {
	.prog = "fi_dax_server",
	.port = "7472",
};

FIXTURE_SETUP(example)
{
	char rel[64];

	self->fd = ll_make_file(MNT_DAX_XFS, "example.dat", LEN, 'A',
				self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fsync(self->fd));
	ASSERT_EQ(0, fstat(self->fd, &self->st));
	snprintf(rel, sizeof(rel), "tools/examples/%s", variant->prog);
	ll_tree_path(self->prog, sizeof(self->prog), rel);
	ASSERT_EQ(0, access(self->prog, X_OK))
		TH_LOG("%s: run make in tools/examples", self->prog);
	self->timeout = ll_read_long(LL_PARAM("break_timeout_ms"));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), BREAK_MS));
}

FIXTURE_TEARDOWN(example)
{
	child_stop(&self->client);
	child_stop(&self->server);
	if (self->holder.pid > 0) {
		kill(self->holder.pid, SIGKILL);
		waitpid(self->holder.pid, NULL, 0);
	}
	if (self->breaker > 0)
		waitpid(self->breaker, NULL, 0);
	close(self->fd);
	ll_write_long(LL_PARAM("break_timeout_ms"), self->timeout);
	unlink(self->path);
}

/* Wait for a line of @c's output containing @want. */
static int expect(struct child *c, const char *want)
{
	char line[512];

	return child_expect(c, want, line, sizeof(line), LINE_MS);
}

/* Give the client @cmd and wait for its answer, which contains @want. */
static int client_do(struct child *c, const char *cmd, const char *want)
{
	int err = child_send(c, cmd);

	return err ? err : expect(c, want);
}

/* Does the file hold @s at @off, as read(2) sees it? */
static bool file_has(int fd, off_t off, const char *s)
{
	char buf[64] = "";
	ssize_t n = strlen(s);

	return pread(fd, buf, n, off) == n && !memcmp(buf, s, n);
}

/*
 * The server (which waits @drain_ms for its client to pause) leased and
 * registered the file, and the client has its address.
 */
static void start_both(struct __test_metadata *_metadata,
		       FIXTURE_DATA(example) *self, const char *port,
		       const char *drain_ms)
{
	char *server[] = { self->prog, "-l", ADDR, "-p", (char *)port,
			   "-t", (char *)drain_ms, self->path, NULL };
	char *client[] = { self->prog, "-c", ADDR, "-p", (char *)port, NULL };
	char line[512];

	ASSERT_EQ(0, child_start(&self->server, "server", server));
	ASSERT_EQ(0, child_expect(&self->server, "leased and registered",
				  line, sizeof(line), LINE_MS));
	EXPECT_NE(NULL, strstr(line, "1048576 bytes"));
	EXPECT_NE(NULL, strstr(line, "(DAX)"));
	check_pin(_metadata, &self->st, self->server.pid, LEN);
	ASSERT_EQ(0, child_start(&self->client, "client", client));
	ASSERT_EQ(0, expect(&self->client, "server buffer: 1048576 bytes"));
}

/*
 * A truncate by another process, while a second lease holder keeps it
 * from finishing: the server's side of the break can be looked at after
 * its release, before the layout change ends.
 */
static void break_and_release(struct __test_metadata *_metadata,
			      FIXTURE_DATA(example) *self)
{
	int st;

	ASSERT_EQ(0, holder_start(&self->holder, self->path, LL_SHARED,
				  HOLD_IGNORE));
	self->breaker = ll_truncate_elsewhere(self->path, NEW_LEN);
	ASSERT_LT(0, self->breaker);
	ASSERT_EQ(0, expect(&self->server, "break: the layout of"));
	ASSERT_EQ(0, expect(&self->server, "asked the peer to pause"));
	ASSERT_EQ(0, expect(&self->client, "server paused its buffer"));
	ASSERT_EQ(0, expect(&self->client, "told the server: paused"));
	ASSERT_EQ(0, expect(&self->server, "peer paused"));
	ASSERT_EQ(0, expect(&self->server, "deregistered"));
	ASSERT_EQ(0, expect(&self->server, "released the lease"));
	ASSERT_EQ(0, expect(&self->server, "lease refused (EAGAIN)"));

	/* nothing pinned; the truncate waits for the other holder */
	EXPECT_EQ(0, pin_lines(&self->st, NULL));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_stat("pinned_pages"));
	EXPECT_EQ(0, waitpid(self->breaker, &st, WNOHANG));

	/* the other holder goes: the truncate completes */
	EXPECT_EQ(1, holder_finish(&self->holder));
	self->holder.pid = 0;
	ASSERT_EQ(self->breaker, waitpid(self->breaker, &st, 0));
	self->breaker = 0;
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ(NEW_LEN, ll_file_size(self->path));
}

TEST_F_TIMEOUT(example, write_read_break_reregister, 240)
{
	int st;

	/* before the lease: on XFS a write(2) would break it */
	ASSERT_EQ(15, pwrite(self->fd, "file-bytes-4096", 15, 4096));
	start_both(_metadata, self, variant->port, "10000");
	/* an RDMA WRITE lands in the file, an RDMA READ returns its bytes */
	ASSERT_EQ(0, client_do(&self->client, "write 0 first-write",
			       "wrote 11 bytes at 0"));
	EXPECT_TRUE(file_has(self->fd, 0, "first-write"));
	ASSERT_EQ(0, client_do(&self->client, "read 4096 15",
			       "read 15 bytes at 4096: file-bytes-4096"));

	break_and_release(_metadata, self);

	/* leased, mapped and registered again at the new size */
	ASSERT_EQ(0, expect(&self->server, "re-registered 8192 bytes"));
	ASSERT_EQ(0, expect(&self->client, "server buffer: 8192 bytes"));
	check_pin(_metadata, &self->st, self->server.pid, NEW_LEN);
	ASSERT_EQ(0, client_do(&self->client, "write 100 second-write",
			       "wrote 12 bytes at 100"));
	EXPECT_TRUE(file_has(self->fd, 100, "second-write"));
	EXPECT_TRUE(file_has(self->fd, 0, "first-write"));

	/* both stop cleanly and leave nothing behind */
	ASSERT_EQ(0, child_send(&self->client, "quit"));
	st = child_wait(&self->client, LINE_MS);
	EXPECT_TRUE(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ASSERT_EQ(0, expect(&self->server, "peer disconnected"));
	ASSERT_EQ(0, kill(self->server.pid, SIGTERM));
	st = child_wait(&self->server, LINE_MS);
	EXPECT_TRUE(st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_stat("leases"));
}

/*
 * A client that does not answer (stopped) is not waited for beyond the
 * server's drain time: the server deregisters and releases anyway, and
 * the client, let go on, pauses late and carries on with the new buffer.
 */
TEST_F_TIMEOUT(example, stopped_client_is_not_waited_for, 240)
{
	int st;

	start_both(_metadata, self, variant->port, "300");
	ASSERT_EQ(0, kill(self->client.pid, SIGSTOP));
	self->breaker = ll_truncate_elsewhere(self->path, NEW_LEN);
	ASSERT_LT(0, self->breaker);
	ASSERT_EQ(0, expect(&self->server, "asked the peer to pause"));
	ASSERT_EQ(0, expect(&self->server, "did not pause within 300 ms"));
	ASSERT_EQ(0, expect(&self->server, "released the lease"));
	ASSERT_EQ(self->breaker, waitpid(self->breaker, &st, 0));
	self->breaker = 0;
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ(NEW_LEN, ll_file_size(self->path));
	ASSERT_EQ(0, expect(&self->server, "re-registered 8192 bytes"));

	ASSERT_EQ(0, kill(self->client.pid, SIGCONT));
	ASSERT_EQ(0, expect(&self->client, "server paused its buffer"));
	ASSERT_EQ(0, expect(&self->client, "server buffer: 8192 bytes"));
	ASSERT_EQ(0, client_do(&self->client, "write 8000 late",
			       "wrote 4 bytes at 8000"));
	EXPECT_TRUE(file_has(self->fd, 8000, "late"));
	ASSERT_EQ(0, client_do(&self->client, "write 8190 too-far",
			       "outside the 8192-byte buffer"));
	check_pin(_metadata, &self->st, self->server.pid, NEW_LEN);
}

/*
 * A server that does not release in time (stopped) is fenced at the break
 * timeout: the truncate completes without it.  Let go on, the server sees
 * it (ibv: IBV_EVENT_DEVICE_FATAL; fi: its lease is gone), starts again
 * (same pid), leases and registers the file again, and its client
 * reconnects and writes on.
 */
TEST_F_TIMEOUT(example, stopped_server_is_fenced_and_recovers, 240)
{
	long fences = ll_stat("fences");
	siginfo_t info;
	int st;

	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 500));
	start_both(_metadata, self, variant->port, "10000");
	ASSERT_EQ(0, client_do(&self->client, "write 0 before-fence",
			       "wrote 12 bytes at 0"));
	ASSERT_EQ(0, kill(self->server.pid, SIGSTOP));
	/* stopped before the break: it must not drain */
	ASSERT_EQ(0, waitid(P_PID, self->server.pid, &info,
			    WSTOPPED | WNOWAIT));
	self->breaker = ll_truncate_elsewhere(self->path, NEW_LEN);
	ASSERT_LT(0, self->breaker);
	ASSERT_EQ(self->breaker, waitpid(self->breaker, &st, 0));
	self->breaker = 0;
	EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	EXPECT_EQ(NEW_LEN, ll_file_size(self->path));
	EXPECT_EQ(fences + 1, ll_stat("fences"));
	EXPECT_EQ(0, ll_stat("pins"));

	ASSERT_EQ(0, kill(self->server.pid, SIGCONT));
	ASSERT_EQ(0, expect(&self->server, "starting again"));
	ASSERT_EQ(0, expect(&self->server, "leased and registered 8192 bytes"));
	check_pin(_metadata, &self->st, self->server.pid, NEW_LEN);
	ASSERT_EQ(0, expect(&self->client, "the server is gone; reconnecting"));
	ASSERT_EQ(0, expect(&self->client, "server buffer: 8192 bytes"));
	ASSERT_EQ(0, client_do(&self->client, "write 100 after-fence",
			       "wrote 11 bytes at 100"));
	EXPECT_TRUE(file_has(self->fd, 0, "before-fence"));
	EXPECT_TRUE(file_has(self->fd, 100, "after-fence"));
}

FIXTURE(rpma) {
	char path[PATH_MAX];
	char prog[PATH_MAX];
	struct stat st;
	struct child server, client;
};

FIXTURE_SETUP(rpma)
{
	int fd = ll_make_file(MNT_DAX_XFS, "rpma.dat", LEN, 'R', self->path,
			      sizeof(self->path));

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, fstat(fd, &self->st));
	close(fd);
	ll_tree_path(self->prog, sizeof(self->prog),
		     "tools/examples/rpma_dax_server");
	ASSERT_EQ(0, access(self->prog, X_OK))
		TH_LOG("%s: run make in tools/examples", self->prog);
}

FIXTURE_TEARDOWN(rpma)
{
	child_stop(&self->client);
	child_stop(&self->server);
	ll_module_restore();
	unlink(self->path);
}

TEST_F_TIMEOUT(rpma, unmodified_server_is_protected, 300)
{
	char *server[] = { self->prog, "-l", ADDR, "-p", "7473", self->path,
			   NULL };
	char *client[] = { self->prog, "-c", ADDR, "-p", "7473", NULL };
	struct ll_lease_line l;
	char line[256], got[16] = "";
	int fd, st;

	ASSERT_EQ(0, child_start(&self->server, "server", server));
	ASSERT_EQ(0, child_expect(&self->server, "serving", line,
				  sizeof(line), LINE_MS));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_STREQ("implicit", l.mode);
	EXPECT_EQ(self->server.pid, l.pid);
	EXPECT_EQ(1, l.pins);

	/* a second process writes and reads the file over RDMA */
	ASSERT_EQ(0, child_start(&self->client, "client", client));
	ASSERT_EQ(0, child_expect(&self->client, "connected: 1048576 bytes",
				  line, sizeof(line), LINE_MS));
	ASSERT_EQ(0, child_send(&self->client, "write 4000 over-rpma"));
	ASSERT_EQ(0, child_expect(&self->client, "wrote 9 bytes at 4000",
				  line, sizeof(line), LINE_MS));
	ASSERT_EQ(0, child_send(&self->client, "read 3998 12"));
	ASSERT_EQ(0, child_expect(&self->client, "read: ", line,
				  sizeof(line), LINE_MS));
	EXPECT_STREQ("read: RRover-rpmaR", line);
	fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(9, pread(fd, got, 9, 4000));
	EXPECT_STREQ("over-rpma", got);
	close(fd);

	/* the layout stays: a truncate is refused, the bytes stay */
	EXPECT_EQ(ETXTBSY, WEXITSTATUS(ll_wait_exit(
		  ll_truncate_elsewhere(self->path, 0), 60)));
	EXPECT_EQ(LEN, ll_file_size(self->path));
	ASSERT_EQ(0, child_send(&self->client, "read 4000 9"));
	ASSERT_EQ(0, child_expect(&self->client, "read: over-rpma", line,
				  sizeof(line), LINE_MS));

	ASSERT_EQ(0, child_send(&self->client, "quit"));
	st = child_wait(&self->client, LINE_MS);
	EXPECT_EQ(0, child_status(st));
	ASSERT_EQ(0, child_expect(&self->server, "client gone", line,
				  sizeof(line), LINE_MS));
	/* the lease goes with the server's registration */
	child_end(&self->server, SIGTERM, LINE_MS);
	EXPECT_EQ(0, ll_lease_line(&self->st, &l));
	EXPECT_EQ(0, ll_wait_exit(ll_truncate_elsewhere(self->path, 0), 60));
}

/* Can rxe0 register on-demand-paging MRs (rxe from 6.13 on)? */
static bool rxe_odp(void)
{
	struct ibv_context *ctx = open_rxe0();
	struct ibv_device_attr_ex attr = { 0 };
	bool odp;

	if (!ctx)
		return false;
	odp = !ibv_query_device_ex(ctx, NULL, &attr) &&
	      (attr.odp_caps.general_caps & IBV_ODP_SUPPORT);
	ibv_close_device(ctx);
	return odp;
}

/*
 * implicit=off is a stock kernel: librpma's plain registration fails; its
 * fallback, an on-demand-paging MR, pins nothing and needs no lease, and
 * works where the device has ODP.
 */
TEST_F_TIMEOUT(rpma, implicit_off_is_a_stock_kernel, 120)
{
	char *server[] = { self->prog, "-l", ADDR, "-p", "7473", self->path,
			   NULL };
	bool odp = rxe_odp();
	char line[256];

	TH_LOG("rxe0 %s on-demand paging", odp ? "has" : "has no");
	ASSERT_EQ(0, ll_sh("echo off > " LL_PARAM("implicit")));
	ASSERT_EQ(0, child_start(&self->server, "server", server));
	ASSERT_EQ(0, child_expect(&self->server, odp ? "serving" :
				  "error: rpma_mr_reg", line, sizeof(line),
				  LINE_MS));
	if (!odp)
		EXPECT_EQ(1, child_status(child_wait(&self->server, LINE_MS)));
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	EXPECT_EQ(0, pin_lines(&self->st, NULL));
}

TEST_HARNESS_MAIN
