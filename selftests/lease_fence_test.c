// SPDX-License-Identifier: GPL-2.0
/*
 * revoke=fence: a holder that ignores the break keeps its life and loses
 * its MRs.  At the deadline the module fences each uverbs file whose
 * registrations pin under the lease: those MRs are destroyed, the pins go,
 * the breaker proceeds, the holder's lease is gone and its later verbs
 * calls fail with EIO, and a peer's RDMA WRITE to the old rkey fails with
 * a remote access error.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "lease_util.h"
#include "rdma_util.h"

#define LEN	(1 << 20)

FIXTURE(fence) {
	char path[PATH_MAX];
	long timeout;
};

FIXTURE_VARIANT(fence) {
	const char *dir;
};

FIXTURE_VARIANT_ADD(fence, dax_xfs) {
	.dir = MNT_DAX_XFS,
};

FIXTURE_VARIANT_ADD(fence, dax_ext4) {
	.dir = MNT_DAX_EXT4,
};

FIXTURE_VARIANT_ADD(fence, tmpfs) {
	.dir = MNT_TMPFS,
};

FIXTURE_SETUP(fence)
{
	int fd = ll_make_file(variant->dir, "fence.dat", LEN, 'f', self->path,
			      sizeof(self->path));

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	self->timeout = ll_read_long(LL_PARAM("break_timeout_ms"));
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 300));
	ASSERT_EQ(0, ll_sh("grep -qx fence " LL_PARAM("revoke")))
		TH_LOG("fence is the default policy");
}

FIXTURE_TEARDOWN(fence)
{
	ll_write_long(LL_PARAM("break_timeout_ms"), self->timeout);
	ll_sh("echo fence > " LL_PARAM("revoke"));
	unlink(self->path);
}

/* What the holder tells its peer: where to write. */
struct target {
	uint32_t qpn, rkey;
	uint64_t addr;
};

/* What the holder saw once fenced. */
struct fence_report {
	int lease;		/* F_GETLEASE once its lease went */
	int reg_errno;		/* of a new ibv_reg_mr(): 0 if it worked */
	int post_errno;		/* of ibv_post_send() on its QP */
	int dereg;		/* ibv_dereg_mr() of the fenced MR */
};

/* What the holder's own QP saw of the peer's write to the fenced MR. */
struct qp_report {
	int wc_status;		/* its receive posted before: -1 if none */
};

/* Wait up to @ms for @fd's layout lease to go. */
static int ll_wait_unleased(int fd, int ms)
{
	double end = ll_now() + ms / 1000.0;

	while (fcntl(fd, F_GETLEASE) & F_LAYOUT) {
		if (ll_now() > end)
			return -ETIMEDOUT;
		usleep(10000);
	}
	return 0;
}

/*
 * The holder: leases @path, registers all of it, connects a QP to the
 * peer's and ignores the break; reports 'R' and its target, 'S' at the
 * break signal, then, once its lease is gone, what its verbs calls get,
 * and after 'q' what its receive in flight got.  Exits 0 when told 'x'.
 */
static void holder(const char *path, int in, int out)
{
	struct fence_report rep = { 0 };
	struct signalfd_siginfo si;
	struct file_mr r = { 0 };
	struct ibv_qp *qp;
	struct ibv_cq *cq;
	struct target t;
	union ibv_gid gid;
	uint32_t peer;
	int fd, sfd;
	void *anon;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sfd = ll_sig_fd(LL_SIG);
	fd = open(path, O_RDWR);
	if (sfd < 0 || fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
	    ll_setlease(fd, LL_SHARED) || file_mr_reg(&r, fd, LEN))
		_exit(2);
	cq = ibv_create_cq(r.ctx, 8, NULL, NULL, 0);
	qp = cq ? create_rc_qp(r.pd, cq) : NULL;
	if (!qp || ibv_query_gid(r.ctx, 1, 1, &gid))
		_exit(3);
	t = (struct target){ .qpn = qp->qp_num, .rkey = r.mr->rkey,
			     .addr = (uintptr_t)r.buf };
	if (write(out, "R", 1) != 1 || write(out, &t, sizeof(t)) != sizeof(t) ||
	    ll_read_full(in, &peer, sizeof(peer), LL_REPORT_MS) ||
	    connect_qp(qp, peer, &gid))
		_exit(4);
	{
		/* work in flight over the MR when the fence comes */
		struct ibv_sge sge = { .addr = (uintptr_t)r.buf, .length = 64,
				       .lkey = r.mr->lkey };
		struct ibv_recv_wr wr = { .sg_list = &sge, .num_sge = 1 }, *bad;

		if (ibv_post_recv(qp, &wr, &bad) || write(out, "C", 1) != 1)
			_exit(4);
	}
	if (read(sfd, &si, sizeof(si)) != sizeof(si) || write(out, "S", 1) != 1)
		_exit(5);
	/* ignore the break; the lease goes once the fence is done */
	if (ll_wait_unleased(fd, LL_REPORT_MS))
		_exit(6);
	rep.lease = fcntl(fd, F_GETLEASE);
	anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	rep.reg_errno = ibv_reg_mr(r.pd, anon, 4096, IBV_ACCESS_LOCAL_WRITE) ?
			0 : errno;
	{
		struct ibv_sge sge = { .addr = (uintptr_t)anon, .length = 8,
				       .lkey = r.mr->lkey };
		struct ibv_send_wr wr = { .sg_list = &sge, .num_sge = 1,
					  .opcode = IBV_WR_SEND }, *bad;

		rep.post_errno = ibv_post_send(qp, &wr, &bad);
	}
	rep.dereg = ibv_dereg_mr(r.mr);
	if (write(out, "F", 1) != 1 ||
	    write(out, &rep, sizeof(rep)) != sizeof(rep))
		_exit(7);
	/* the peer wrote to the old rkey: what this side saw of it */
	if (read(in, &c, 1) != 1)
		_exit(8);
	{
		struct qp_report q = { .wc_status = -1 };
		double end = ll_now() + 10;
		struct ibv_wc wc;
		int n;

		/* a CQ is polled in user space: it answers, or hangs */
		while ((n = ibv_poll_cq(cq, 1, &wc)) == 0 && ll_now() < end)
			;
		if (n == 1)
			q.wc_status = wc.status;
		if (write(out, &q, sizeof(q)) != sizeof(q))
			_exit(9);
	}
	if (read(in, &c, 1) != 1)
		_exit(10);
	_exit(0);
}

/*
 * Fork a child that runs @fn(@path, in, out) and exits, with a pipe each
 * way: the parent writes to @to[1] and reads from @from[0].  Its pid, or
 * -1.
 */
static pid_t start_child(void (*fn)(const char *path, int in, int out),
			 const char *path, int to[2], int from[2])
{
	pid_t pid;

	if (pipe(to))
		return -1;
	if (pipe(from)) {
		close(to[0]);
		close(to[1]);
		return -1;
	}
	pid = fork();
	if (!pid) {
		close(to[1]);
		close(from[0]);
		fn(path, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	return pid;
}

/* The peer: an RC QP of its own on rxe0, connected to the holder's. */
struct peer {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	struct qp_pair qp;		/* only .a and .cq */
	char buf[4096];
};

static int peer_open(struct peer *p, uint32_t holder_qpn)
{
	union ibv_gid gid;

	p->ctx = open_rxe0();
	p->pd = p->ctx ? ibv_alloc_pd(p->ctx) : NULL;
	if (!p->pd || ibv_query_gid(p->ctx, 1, 1, &gid))
		return -ENODEV;
	p->mr = ibv_reg_mr(p->pd, p->buf, sizeof(p->buf), RDMA_ACCESS);
	p->qp.cq = ibv_create_cq(p->ctx, 8, NULL, NULL, 0);
	p->qp.a = p->qp.cq ? create_rc_qp(p->pd, p->qp.cq) : NULL;
	if (!p->mr || !p->qp.a)
		return -errno;
	return connect_qp(p->qp.a, holder_qpn, &gid);
}

static void peer_close(struct peer *p)
{
	if (p->qp.a)
		ibv_destroy_qp(p->qp.a);
	if (p->qp.cq)
		ibv_destroy_cq(p->qp.cq);
	if (p->mr)
		ibv_dereg_mr(p->mr);
	if (p->pd)
		ibv_dealloc_pd(p->pd);
	if (p->ctx)
		ibv_close_device(p->ctx);
}

/*
 * RDMA WRITE a page of @fill to the holder's MR: 0, or the work
 * completion's status, negated.  Should no answer come (a QP that is gone
 * gets none, and rxe's requester does not end such a write with a retry
 * error), after 2 s the peer moves its QP to the error state, which
 * completes the write with a flush error: the write is over when this
 * returns.
 */
static int peer_write(struct peer *p, const struct target *t, char fill)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)p->buf, .length = sizeof(p->buf),
		.lkey = p->mr->lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_RDMA_WRITE,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = t->addr, .rkey = t->rkey },
	}, *bad;
	struct ibv_qp_attr err = { .qp_state = IBV_QPS_ERR };
	double end = ll_now() + 2;
	struct ibv_wc wc;
	int n;

	memset(p->buf, fill, sizeof(p->buf));
	if (ibv_post_send(p->qp.a, &wr, &bad))
		return -errno;
	while ((n = ibv_poll_cq(p->qp.cq, 1, &wc)) == 0)
		if (end && ll_now() > end) {
			if (ibv_modify_qp(p->qp.a, &err, IBV_QP_STATE))
				return -errno;
			end = 0;
		}
	if (n < 0)
		return -EIO;
	return -(int)wc.status;
}

/*
 * A holder that ignores the break is fenced at the deadline and lives:
 * the truncate completes, what the peer wrote before is in the file, the
 * old rkey takes no more writes, and the holder's verbs calls fail.
 */
TEST_F_TIMEOUT(fence, holder_is_fenced_and_lives, 120)
{
	int to[2], from[2], fd, st;
	long fences = ll_stat("fences");
	struct fence_report rep;
	struct qp_report q;
	struct peer p = { 0 };
	char re[96], c, page[4096];
	struct target t;
	pid_t h, breaker;

	h = start_child(holder, self->path, to, from);
	ASSERT_LT(0, h);
	ASSERT_EQ(0, ll_read_full(from[0], &c, 1, LL_REPORT_MS));
	ASSERT_EQ('R', c);
	ASSERT_EQ(0, ll_read_full(from[0], &t, sizeof(t), LL_REPORT_MS));
	ASSERT_EQ(0, peer_open(&p, t.qpn));
	ASSERT_EQ(sizeof(p.qp.a->qp_num),
		  write(to[1], &p.qp.a->qp_num, sizeof(p.qp.a->qp_num)));
	ASSERT_EQ(0, ll_read_full(from[0], &c, 1, LL_REPORT_MS));
	ASSERT_EQ('C', c);
	ASSERT_EQ(0, peer_write(&p, &t, 'P')) TH_LOG("a write before the break");
	EXPECT_EQ(1, ll_stat("pins"));

	ll_dmesg_mark();
	breaker = ll_truncate_elsewhere(self->path, 4096);
	ASSERT_EQ(0, ll_read_full(from[0], &c, 1, LL_REPORT_MS));
	EXPECT_EQ('S', c);
	ASSERT_EQ(0, ll_read_full(from[0], &c, 1, LL_REPORT_MS));
	ASSERT_EQ('F', c) TH_LOG("the holder sees the fence");
	ASSERT_EQ(0, ll_read_full(from[0], &rep, sizeof(rep), LL_REPORT_MS));
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("the truncate completes");
	EXPECT_EQ(4096, ll_file_size(self->path));
	EXPECT_EQ(0, waitpid(h, &st, WNOHANG)) TH_LOG("the holder lives");

	EXPECT_EQ(F_UNLCK, rep.lease) TH_LOG("the holder's lease is gone");
	EXPECT_EQ(EIO, rep.reg_errno) TH_LOG("no new MR on a fenced context");
	EXPECT_NE(0, rep.post_errno);
	EXPECT_EQ(EIO, rep.dereg);
	EXPECT_EQ(fences + 1, ll_stat("fences"));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_stat("leases"));
	snprintf(re, sizeof(re), "fencing MR [0-9]* of pid %d ", h);
	EXPECT_EQ(0, ll_dmesg_wait(re));

	/* the old rkey takes nothing more */
	EXPECT_EQ(-IBV_WC_REM_ACCESS_ERR, peer_write(&p, &t, 'Q'))
		TH_LOG("the peer's write fails");
	/* the holder's work in flight completes with an error */
	ASSERT_EQ(1, write(to[1], "q", 1));
	ASSERT_EQ(0, ll_read_full(from[0], &q, sizeof(q), LL_REPORT_MS));
	EXPECT_EQ(IBV_WC_WR_FLUSH_ERR, q.wc_status)
		TH_LOG("its receive: %s", q.wc_status < 0 ? "no completion" :
		       ibv_wc_status_str(q.wc_status));
	/* and the bytes written before the fence are in the file */
	fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(sizeof(page), pread(fd, page, sizeof(page), 0));
	close(fd);
	memset(p.buf, 'P', sizeof(p.buf));
	EXPECT_EQ(0, memcmp(page, p.buf, sizeof(page)));

	ASSERT_EQ(1, write(to[1], "x", 1));
	ASSERT_EQ(h, waitpid(h, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	peer_close(&p);
	close(to[1]);
	close(from[0]);
}

/*
 * A holder with a command running on its uverbs file when its lease is
 * revoked: it leases @path, registers it, starts a command that stays in
 * flight (cmd_hold_start()), reports 'H' and ignores the break; on 'g' it
 * lets the command go on, then reports 'U' once its lease is gone.
 */
static void late_holder(const char *path, int in, int out)
{
	struct file_mr r = { 0 };
	struct cmd_hold h;
	int fd;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(LL_SIG, SIG_IGN);
	fd = open(path, O_RDWR);
	if (fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
	    ll_setlease(fd, LL_SHARED) || file_mr_reg(&r, fd, LEN))
		_exit(2);
	if (cmd_hold_start(&h, r.ctx->cmd_fd) || write(out, "H", 1) != 1)
		_exit(3);
	if (read(in, &c, 1) != 1)
		_exit(4);
	cmd_hold_release(&h);
	if (ll_wait_unleased(fd, LL_REPORT_MS) || write(out, "U", 1) != 1)
		_exit(5);
	if (read(in, &c, 1) != 1)
		_exit(6);
	_exit(0);
}

/*
 * The fence waits for the commands running on the file; one that outlasts
 * the grace leaves the lease refusing (the breaker gets ETXTBSY), and the
 * fence destroys the MR when the command is over: the pins go, the lease
 * goes, and the next truncate completes.
 */
TEST_F_TIMEOUT(fence, command_outlasting_the_grace, 120)
{
	int to[2], from[2], st;
	long fences = ll_stat("fences");
	pid_t h, breaker;
	char c;

	h = start_child(late_holder, self->path, to, from);
	ASSERT_LT(0, h);
	ASSERT_EQ(0, ll_read_full(from[0], &c, 1, LL_REPORT_MS));
	ASSERT_EQ('H', c);
	EXPECT_EQ(1, ll_stat("pins"));

	/* deadline, fence (waiting for the command), grace over: ETXTBSY */
	breaker = ll_truncate_elsewhere(self->path, 4096);
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(ETXTBSY, WEXITSTATUS(st));
	EXPECT_EQ(1, ll_stat("pins"));

	ASSERT_EQ(1, write(to[1], "g", 1));
	ASSERT_EQ(0, ll_read_full(from[0], &c, 1, LL_REPORT_MS));
	EXPECT_EQ('U', c) TH_LOG("the lease goes once the fence is done");
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(fences + 1, ll_stat("fences"));
	breaker = ll_truncate_elsewhere(self->path, 4096);
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(4096, ll_file_size(self->path));

	ASSERT_EQ(1, write(to[1], "x", 1));
	ASSERT_EQ(h, waitpid(h, &st, 0));
	EXPECT_TRUE(WIFEXITED(st) && !WEXITSTATUS(st));
	close(to[1]);
	close(from[0]);
}

/*
 * The owner hands its verbs context to B and closes its own descriptors:
 * B, a fork child or a process it sent the uverbs fd to (SCM_RIGHTS), is
 * the holder of the MR.  B is fenced, and lives.
 */
static void fence_handoff(struct __test_metadata *_metadata, const char *path,
			  bool scm)
{
	long fences = ll_stat("fences");
	int up[2], sv[2], st;
	pid_t a, b, breaker;
	char c;

	ASSERT_EQ(0, pipe(up));
	a = fork();
	ASSERT_LE(0, a);
	if (!a) {
		struct file_mr r = { 0 };
		int fd, sfd = ll_sig_fd(LL_SIG);
		struct signalfd_siginfo si;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (sfd < 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
			_exit(2);
		if (scm && (b = fork()) == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			b = getpid();
			if (ll_recv_fd(sv[1]) < 0 ||
			    write(up[1], &b, sizeof(b)) != sizeof(b))
				_exit(2);
			for (;;)
				pause();
		}
		fd = open(path, O_RDWR);
		if (fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
		    ll_setlease(fd, LL_SHARED) || file_mr_reg(&r, fd, LEN))
			_exit(3);
		munmap(r.buf, LEN);
		close(fd);
		if (!scm && (b = fork()) == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			b = getpid();
			if (write(up[1], &b, sizeof(b)) != sizeof(b))
				_exit(2);
			for (;;)
				pause();
		}
		if (scm && ll_send_fds(sv[0], (int[]){ r.ctx->cmd_fd }, 1))
			_exit(4);
		close(r.ctx->cmd_fd);
		close(r.ctx->async_fd);
		if (read(sfd, &si, sizeof(si)) != sizeof(si) ||
		    write(up[1], "S", 1) != 1)
			_exit(5);
		for (;;)
			pause();
	}
	close(up[1]);
	ASSERT_EQ(0, ll_read_full(up[0], &b, sizeof(b), LL_REPORT_MS));
	ASSERT_EQ(0, ll_wait_stat("pins", 1));
	breaker = ll_truncate_elsewhere(path, 0);
	ASSERT_EQ(0, ll_read_full(up[0], &c, 1, LL_REPORT_MS));
	EXPECT_EQ('S', c) TH_LOG("the owner is told");
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, ll_file_size(path));
	EXPECT_EQ(fences + 1, ll_stat("fences"));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, kill(b, 0)) TH_LOG("B, the MR's holder, lives");
	EXPECT_EQ(0, waitpid(a, &st, WNOHANG)) TH_LOG("and so does the owner");
	kill(a, SIGKILL);
	waitpid(a, &st, 0);
	close(up[0]);
}

TEST_F_TIMEOUT(fence, fork_child_is_fenced_and_lives, 120)
{
	fence_handoff(_metadata, self->path, false);
}

TEST_F_TIMEOUT(fence, scm_rights_receiver_is_fenced_and_lives, 120)
{
	fence_handoff(_metadata, self->path, true);
}

/*
 * One verbs context registers two files, each under a lease of its own.
 * The first lease's revocation fences the context; the second's, later,
 * fences it again for its own MR: its breaker goes on too.
 */
TEST_F_TIMEOUT(fence, second_lease_of_a_fenced_context, 120)
{
	long fences = ll_stat("fences");
	char other[PATH_MAX], dir[PATH_MAX];
	int up[2], st, fd;
	pid_t h, breaker;
	char c;

	snprintf(dir, sizeof(dir), "%s", variant->dir);
	fd = ll_make_file(dir, "fence2.dat", LEN, 'g', other, sizeof(other));
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, pipe(up));
	h = fork();
	ASSERT_LE(0, h);
	if (!h) {
		const char *paths[2] = { self->path, other };
		struct ibv_context *ctx;
		struct ibv_pd *pd;
		int i, sfd = ll_sig_fd(LL_SIG);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		ctx = open_rxe0();
		pd = ctx ? ibv_alloc_pd(ctx) : NULL;
		if (sfd < 0 || !pd)
			_exit(2);
		for (i = 0; i < 2; i++) {
			void *buf;

			fd = open(paths[i], O_RDWR);
			if (fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
			    ll_setlease(fd, LL_SHARED))
				_exit(3);
			buf = mmap(NULL, LEN, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, 0);
			if (buf == MAP_FAILED ||
			    !ibv_reg_mr(pd, buf, LEN, RDMA_ACCESS))
				_exit(4);
		}
		if (write(up[1], "R", 1) != 1)
			_exit(5);
		for (;;)
			pause();	/* breaks ignored */
	}
	close(up[1]);
	ASSERT_EQ(0, ll_read_full(up[0], &c, 1, LL_REPORT_MS));
	ASSERT_EQ(2, ll_stat("pins"));

	breaker = ll_truncate_elsewhere(self->path, 0);
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(fences + 1, ll_stat("fences"));
	EXPECT_EQ(1, ll_stat("pins")) TH_LOG("the other lease's MR stays");

	breaker = ll_truncate_elsewhere(other, 0);
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st)) TH_LOG("the second truncate: %s",
					     strerror(WEXITSTATUS(st)));
	EXPECT_EQ(fences + 2, ll_stat("fences"));
	EXPECT_EQ(0, ll_stat("pins"));
	EXPECT_EQ(0, ll_file_size(other));
	EXPECT_EQ(0, waitpid(h, &st, WNOHANG)) TH_LOG("the holder lives");
	kill(h, SIGKILL);
	waitpid(h, &st, 0);
	close(up[0]);
	unlink(other);
}

/* What the holder of a race round does at the break. */
enum race {
	RACE_DEREG,		/* deregisters and closes the device */
	RACE_EXIT,		/* exits */
	RACE_RMMOD,		/* nothing; the test tries rmmod meanwhile */
};

#define ROUNDS	1000

static pid_t race_holder(const char *path, enum race race, int out)
{
	pid_t h = fork();

	if (!h) {
		unsigned int seed = getpid();
		struct signalfd_siginfo si;
		struct file_mr r = { 0 };
		int fd, sfd = ll_sig_fd(LL_SIG);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(path, O_RDWR);
		if (sfd < 0 || fd < 0 || fcntl(fd, F_SETSIG, LL_SIG) ||
		    ll_setlease(fd, LL_SHARED) || file_mr_reg(&r, fd, LEN) ||
		    write(out, "R", 1) != 1)
			_exit(2);
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			_exit(3);
		/*
		 * act at some point of the fence's way: its deadline is 1 ms
		 * away, its work item runs later under TCG
		 */
		usleep(rand_r(&seed) % 20000);
		if (race == RACE_DEREG) {
			file_mr_unreg(&r);
			_exit(0);
		}
		if (race == RACE_EXIT)
			_exit(0);
		for (;;)
			pause();
	}
	return h;
}

static long module_refcnt(const char *module)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", module);
	return ll_read_long(path);
}

/*
 * ROUNDS rounds of a fence racing with @race, with a 1 ms break timeout:
 * the breaker gets 0 or ETXTBSY (the fence's grace is one more timeout),
 * the pins always go, and no reference is left behind.
 */
static void fence_race(struct __test_metadata *_metadata, const char *path,
		       enum race race)
{
	long uverbs = module_refcnt("ib_uverbs");
	long ours = module_refcnt("layoutlease");
	long fences = ll_stat("fences");
	int i, st, up[2], refused = 0;
	pid_t h, breaker;
	char c;

	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 1));
	for (i = 0; i < ROUNDS; i++) {
		ASSERT_EQ(0, truncate(path, LEN));
		ASSERT_EQ(0, pipe(up));
		h = race_holder(path, race, up[1]);
		ASSERT_LE(0, h);
		close(up[1]);
		ASSERT_EQ(0, ll_read_full(up[0], &c, 1, LL_REPORT_MS))
			TH_LOG("round %d: the holder registers", i);
		close(up[0]);
		breaker = ll_truncate_elsewhere(path, 4096);
		while (race == RACE_RMMOD && !waitpid(breaker, &st, WNOHANG)) {
			ASSERT_NE(0, syscall(__NR_delete_module, "layoutlease",
					     O_NONBLOCK))
				TH_LOG("round %d: rmmod under a fence", i);
		}
		if (race != RACE_RMMOD)
			ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
		ASSERT_TRUE(WIFEXITED(st));
		ASSERT_TRUE(!WEXITSTATUS(st) || WEXITSTATUS(st) == ETXTBSY)
			TH_LOG("round %d: the truncate: %s", i,
			       strerror(WEXITSTATUS(st)));
		refused += WEXITSTATUS(st) == ETXTBSY;
		kill(h, SIGKILL);
		ASSERT_EQ(h, waitpid(h, &st, 0));
		ASSERT_EQ(0, ll_wait_stat("pins", 0))
			TH_LOG("round %d: the pins go", i);
		ASSERT_EQ(0, ll_wait_stat("leases", 0));
	}
	TH_LOG("%d rounds: %ld fences, %d truncates refused within the grace",
	       ROUNDS, ll_stat("fences") - fences, refused);
	EXPECT_EQ(uverbs, module_refcnt("ib_uverbs")) TH_LOG("no uverbs file leaks");
	EXPECT_EQ(ours, module_refcnt("layoutlease"));
}

/*
 * The races, on DAX XFS, after every other test of this program: their
 * thousands of fences use up the fence log line's rate limit for a while.
 */
FIXTURE(race) {
	char path[PATH_MAX];
};

FIXTURE_SETUP(race)
{
	int fd = ll_make_file(MNT_DAX_XFS, "race.dat", LEN, 'r', self->path,
			      sizeof(self->path));

	ASSERT_LE(0, fd);
	close(fd);
	/* a thousand holders are forked next */
	rdma_preload();
}

FIXTURE_TEARDOWN(race)
{
	unlink(self->path);
	ll_module_restore();
}

TEST_F_TIMEOUT(race, fence_against_dereg, 600)
{
	fence_race(_metadata, self->path, RACE_DEREG);
}

TEST_F_TIMEOUT(race, fence_against_exit, 600)
{
	fence_race(_metadata, self->path, RACE_EXIT);
}

TEST_F_TIMEOUT(race, fence_against_rmmod, 600)
{
	fence_race(_metadata, self->path, RACE_RMMOD);
}

TEST_HARNESS_MAIN
