// SPDX-License-Identifier: GPL-2.0
/*
 * Long-term pin records of RDMA memory registrations: what is recorded,
 * pins keeping their lease alive (open, lease, mmap, register, munmap,
 * close), require_lease, ib_uverbs coming and going, and no reference
 * cycle hidden from AF_UNIX garbage collection.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "lease_util.h"
#include "rdma_util.h"

#define LEN	(1 << 20)
#define PAGES	(LEN / 4096)

FIXTURE(pin) {
	char path[PATH_MAX];
	int fd;
	struct stat st;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
};

FIXTURE_VARIANT(pin) {
	const char *dir;
	int access;			/* of the file MRs */
};

FIXTURE_VARIANT_ADD(pin, xfs) {
	.dir = MNT_XFS,
	.access = RDMA_PAGECACHE_ACCESS,
};

FIXTURE_VARIANT_ADD(pin, tmpfs) {
	.dir = MNT_TMPFS,
	.access = RDMA_ACCESS,		/* no dirty tracking */
};

FIXTURE_SETUP(pin)
{
	self->fd = ll_make_file(variant->dir, "pin.dat", LEN, 'p', self->path,
				sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fstat(self->fd, &self->st));
	self->ctx = open_rxe0();
	ASSERT_NE(NULL, self->ctx);
	self->pd = ibv_alloc_pd(self->ctx);
	ASSERT_NE(NULL, self->pd);
}

FIXTURE_TEARDOWN(pin)
{
	ibv_dealloc_pd(self->pd);
	ibv_close_device(self->ctx);
	if (self->fd >= 0)
		close(self->fd);
	unlink(self->path);
	ll_write_long(LL_PARAM("require_lease"), 0);
}

static void *map_file(int fd)
{
	return mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

TEST_F(pin, file_mr_is_recorded)
{
	struct pin_line l;
	struct ibv_mr *mr;
	void *buf = map_file(self->fd);

	ASSERT_NE(MAP_FAILED, buf);
	mr = ibv_reg_mr(self->pd, buf, LEN, variant->access);
	ASSERT_NE(NULL, mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));
	ASSERT_EQ(1, pin_lines(&self->st, &l));
	EXPECT_EQ(getpid(), l.pid);
	EXPECT_STREQ("lease_pin_test", l.comm);
	EXPECT_EQ(major(self->st.st_dev), l.maj);
	EXPECT_EQ(minor(self->st.st_dev), l.min);
	EXPECT_EQ(0, l.start);
	EXPECT_EQ(LEN, l.end);
	EXPECT_EQ(PAGES, l.pages);
	EXPECT_STREQ("-", l.lease);
	EXPECT_EQ(variant->access, l.access);
	EXPECT_EQ(1, ll_stat("pins"));
	EXPECT_EQ(PAGES, ll_stat("pinned_pages"));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(0, pin_lines(&self->st, NULL));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_stat("pinned_pages"));
	munmap(buf, LEN);
}

/* Half a file mapping, half anonymous: only the file part is recorded. */
TEST_F(pin, only_file_pages_are_recorded)
{
	struct pin_line l;
	struct ibv_mr *mr;
	char *buf;

	buf = mmap(NULL, 2 * LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_EQ(buf + LEN, mmap(buf + LEN, LEN, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_FIXED, self->fd, 0));
	mr = ibv_reg_mr(self->pd, buf + LEN / 2, LEN, variant->access);
	ASSERT_NE(NULL, mr);
	ASSERT_EQ(1, pin_lines(&self->st, &l));
	EXPECT_EQ(0, l.start);
	EXPECT_EQ(LEN / 2, l.end);
	EXPECT_EQ(PAGES / 2, l.pages);
	EXPECT_EQ(PAGES / 2, ll_stat("pinned_pages"));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	munmap(buf, 2 * LEN);
}

TEST_F(pin, anonymous_mr_is_not_recorded)
{
	struct ibv_mr *mr;
	void *buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	mr = ibv_reg_mr(self->pd, buf, LEN, RDMA_ACCESS);
	ASSERT_NE(NULL, mr);
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	munmap(buf, LEN);
}

TEST_F(pin, pin_under_lease)
{
	unsigned long long id;
	struct pin_line l;
	struct ibv_mr *mr;
	long pages;
	int pins;
	void *buf;

	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	buf = map_file(self->fd);
	mr = ibv_reg_mr(self->pd, buf, LEN, variant->access);
	ASSERT_NE(NULL, mr);
	ASSERT_EQ(1, lease_pins(&self->st, &id, &pins, &pages));
	EXPECT_EQ(1, pins);
	EXPECT_EQ(PAGES, pages);
	ASSERT_EQ(1, pin_lines(&self->st, &l));
	EXPECT_EQ(id, strtoull(l.lease, NULL, 10));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	ASSERT_EQ(1, lease_pins(&self->st, &id, &pins, &pages));
	EXPECT_EQ(0, pins);
	EXPECT_EQ(0, pages);
	EXPECT_EQ(0, ll_setlease(self->fd, F_UNLCK));
	munmap(buf, LEN);
}

/*
 * The sequence that makes a pin outlive its descriptors: open, F_SETLEASE,
 * mmap, register, munmap, close.
 */
TEST_F(pin, lease_outlives_fd_while_pinned)
{
	unsigned long long id;
	struct ibv_mr *mr;
	long pages;
	int pins;
	void *buf;

	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	buf = map_file(self->fd);
	mr = ibv_reg_mr(self->pd, buf, LEN, variant->access);
	ASSERT_NE(NULL, mr);
	munmap(buf, LEN);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(1, ll_proc_locks_leases(&self->st));
	ASSERT_EQ(1, lease_pins(&self->st, &id, &pins, &pages));
	EXPECT_EQ(1, pins);
	EXPECT_EQ(1, ll_stat("leases"));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	EXPECT_EQ(0, lease_pins(&self->st, &id, &pins, &pages));
	EXPECT_EQ(0, ll_stat("leases"));
	EXPECT_EQ(0, ll_stat("pins"));
}

TEST_F(pin, require_lease)
{
	struct ibv_mr *mr;
	void *buf = map_file(self->fd);
	void *anon = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_EQ(0, ll_write_long(LL_PARAM("require_lease"), 1));
	ll_dmesg_mark();
	mr = ibv_reg_mr(self->pd, buf, LEN, variant->access);
	EXPECT_EQ(NULL, mr);
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_dmesg_wait("without a layout lease refused"));
	mr = ibv_reg_mr(self->pd, anon, LEN, RDMA_ACCESS);
	ASSERT_NE(NULL, mr) TH_LOG("anonymous memory needs no lease");
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	mr = ibv_reg_mr(self->pd, buf, LEN, variant->access);
	ASSERT_NE(NULL, mr);
	EXPECT_EQ(1, ll_stat("pins"));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(0, ll_setlease(self->fd, F_UNLCK));
	munmap(buf, LEN);
	munmap(anon, LEN);
}

/*
 * No hidden reference cycle: the uverbs fd (holding an MR that pins a
 * leased file) and the data fd in flight in an AF_UNIX socket that is itself only in flight: a
 * cycle only the garbage collector can free.  The pin record must not hide
 * a reference that keeps it alive.
 */
TEST(scm_rights_cycle_is_collected)
{
	char path[PATH_MAX], name[32];
	int i, rounds = 20;

	for (i = 0; i < rounds; i++) {
		struct ibv_context *ctx = open_rxe0();
		struct ibv_pd *pd = ibv_alloc_pd(ctx);
		int fd, sv[2], fds[3];
		struct ibv_mr *mr;
		void *buf;

		/* a file per round: truncating one in flight would break it */
		snprintf(name, sizeof(name), "cycle%d.dat", i);
		fd = ll_make_file(MNT_XFS, name, LEN, 'c', path, sizeof(path));
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
		buf = map_file(fd);
		mr = ibv_reg_mr(pd, buf, LEN, RDMA_PAGECACHE_ACCESS);
		ASSERT_NE(NULL, mr);
		munmap(buf, LEN);
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
		fds[0] = ctx->cmd_fd;
		fds[1] = fd;
		fds[2] = sv[1];		/* the receiver, in its own queue */
		ASSERT_EQ(0, ll_send_fds(sv[0], fds, 3));
		/* drop every descriptor behind libibverbs' back */
		close(ctx->async_fd);
		close(ctx->cmd_fd);
		close(fd);
		close(sv[0]);
		close(sv[1]);
	}
	/*
	 * The kernel collects in-flight cycles when a unix socket is
	 * released; the last round's cycle waits for the next release.
	 */
	{
		int sv[2];

		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
		close(sv[0]);
		close(sv[1]);
	}
	EXPECT_EQ(0, ll_wait_stat("pins", 0));
	EXPECT_EQ(0, ll_wait_stat("leases", 0));
	EXPECT_EQ(0, ll_stat("pinned_pages"));
	ll_sh("rm -f %s/cycle*.dat", MNT_XFS);
}

/* ib_uverbs unloaded and loaded again while layoutlease stays. */
TEST(ib_uverbs_comes_and_goes)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	char path[PATH_MAX];
	void *buf;
	int fd;

	/* rdma_rxe uses ib_uverbs: the soft-RoCE device goes with it */
	ASSERT_EQ(0, ll_sh("rdma link delete rxe0 && "
			   "rmmod rdma_rxe rdma_ucm ib_umad ib_uverbs"));
	ASSERT_EQ(0, ll_sh("modprobe -a ib_uverbs ib_umad rdma_ucm rdma_rxe && "
			   "rdma link add rxe0 type rxe netdev dummy0"));
	fd = ll_make_file(MNT_XFS, "again.dat", LEN, 'a', path, sizeof(path));
	ASSERT_LE(0, fd);
	ctx = open_rxe0();
	ASSERT_NE(NULL, ctx);
	pd = ibv_alloc_pd(ctx);
	buf = map_file(fd);
	mr = ibv_reg_mr(pd, buf, LEN, RDMA_PAGECACHE_ACCESS);
	ASSERT_NE(NULL, mr);
	EXPECT_EQ(1, ll_stat("pins")) TH_LOG("the hooks follow ib_uverbs");
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(0, ll_stat("pins"));
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	munmap(buf, LEN);
	close(fd);
	unlink(path);
}

TEST_HARNESS_MAIN
