// SPDX-License-Identifier: GPL-2.0
/*
 * ibv_dax_server: serve a file (a DAX file above all) to an RDMA peer
 * under a layout lease, with libibverbs and librdmacm.
 *
 *   ibv_dax_server [-p PORT] [-t DRAIN_MS] -l ADDR FILE     the server
 *   ibv_dax_server [-p PORT] -c ADDR                        a client
 *
 * The server takes a layout lease on FILE, maps it and registers the
 * mapping for remote READ and WRITE, and tells its peer where it is.
 * When the lease is broken (a truncate, a hole punch...), it asks the
 * peer to pause, deregisters, unmaps and releases the lease, so that the
 * layout change can go ahead; then it leases, maps and registers the file
 * again and tells the peer the new address, key and length.  On XFS a
 * write(2) to the file by another process breaks the lease as well (XFS
 * breaks layout leases on every write): the data goes through RDMA.
 *
 * A server that does not release in time (stopped, or too slow to drain)
 * is fenced by layoutlease (revoke=fence): its MR is destroyed and every
 * later verbs call on its context fails with EIO.  It learns it from the
 * lease: when it comes to a break and its lease is gone already (F_GETLEASE
 * without F_LAYOUT), or when deregistering, or any verbs call that a
 * query of the device confirms, fails with EIO (or on
 * IBV_EVENT_DEVICE_FATAL, should the device go away).  It then tears
 * everything down and starts again from scratch by executing itself:
 * librdmacm keeps a process's device contexts open for the process's
 * life, a fenced one included, so a fresh image is the way to a fresh
 * context.  The client reconnects when its server goes away.
 *
 * Messages (SEND/RECV on the connection, struct msg, big-endian):
 *   ADVERT  server to client: the buffer's address, rkey and length;
 *           RDMA READ and WRITE of it may go on
 *   PAUSE   server to client: the buffer is going away, start no new work
 *   PAUSED  client to server: no work of mine is in flight any more
 *
 * The client reads commands from stdin, one at a time, and holds them
 * while the server has paused the buffer:
 *   write OFFSET TEXT       RDMA WRITE of TEXT to OFFSET of the file
 *   read OFFSET LENGTH      RDMA READ of LENGTH bytes at OFFSET, printed
 *   quit                    (or end of input)
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/layout_lease.h>
#include <rdma/rdma_cma.h>

#include "leased_buf.h"

#define DEFAULT_PORT	"7471"
#define DRAIN_MS	1000	/* how long the peer may take to pause */
#define CM_TIMEOUT_MS	5000	/* address and route resolution */
#define NRECV		4	/* receives kept posted */
#define DATA_LEN	65536	/* the client's local buffer */
#define LINE_MAX_LEN	4096
#define RECONNECT_MS	200	/* the client's pace of reconnection */
#define RECONNECT_TRIES	150	/* 30 s */

enum msg_type { MSG_ADVERT = 1, MSG_PAUSE, MSG_PAUSED };

struct msg {
	uint32_t type;
	uint32_t rkey;
	uint64_t addr;
	uint64_t len;
};

/* One connection, on either side: its CQ, QP and posted receives. */
struct conn {
	struct rdma_cm_id *id;		/* NULL: no connection */
	struct ibv_comp_channel *ch;
	struct ibv_cq *cq;
	struct ibv_mr *recv_mr;
	struct msg recv[NRECV];
	bool up;			/* established */
};

static int post_recv(struct conn *c, int i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)&c->recv[i], .length = sizeof(c->recv[i]),
		.lkey = c->recv_mr->lkey,
	};
	struct ibv_recv_wr wr = { .wr_id = i, .sg_list = &sge, .num_sge = 1 };
	struct ibv_recv_wr *bad;

	return -ibv_post_recv(c->id->qp, &wr, &bad);	/* it returns an errno */
}

static void conn_destroy(struct conn *c)
{
	if (c->id && c->id->qp)
		rdma_destroy_qp(c->id);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->ch)
		ibv_destroy_comp_channel(c->ch);
	if (c->recv_mr)
		ibv_dereg_mr(c->recv_mr);
	if (c->id)
		rdma_destroy_id(c->id);
	memset(c, 0, sizeof(*c));
}

/* CQ, QP and receives for @id; the caller connects or accepts. */
static int conn_create(struct conn *c, struct rdma_cm_id *id,
		       struct ibv_pd *pd)
{
	struct ibv_qp_init_attr attr = {
		.cap = { .max_send_wr = 8, .max_recv_wr = NRECV,
			 .max_send_sge = 1, .max_recv_sge = 1,
			 .max_inline_data = sizeof(struct msg) },
		.qp_type = IBV_QPT_RC,
		.sq_sig_all = 1,
	};
	int i, err;

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->ch = ibv_create_comp_channel(id->verbs);
	if (!c->ch)
		goto fail;
	c->cq = ibv_create_cq(id->verbs, 2 * (8 + NRECV), NULL, c->ch, 0);
	if (!c->cq)
		goto fail;
	errno = ibv_req_notify_cq(c->cq, 0);
	if (errno)
		goto fail;
	attr.send_cq = c->cq;
	attr.recv_cq = c->cq;
	if (rdma_create_qp(id, pd, &attr))
		goto fail;
	c->recv_mr = ibv_reg_mr(pd, c->recv, sizeof(c->recv),
				IBV_ACCESS_LOCAL_WRITE);
	if (!c->recv_mr)
		goto fail;
	for (i = 0; i < NRECV; i++) {
		err = post_recv(c, i);
		if (err) {
			errno = -err;
			goto fail;
		}
	}
	return 0;
fail:
	err = errno ? -errno : -EIO;
	if (id->qp)
		rdma_destroy_qp(id);
	c->id = NULL;		/* the caller owns @id on failure */
	conn_destroy(c);
	return err;
}

/* Send a message; inline, so @m may go away at once. */
static int send_msg(struct conn *c, enum msg_type type, uint32_t rkey,
		    uint64_t addr, uint64_t len)
{
	struct msg m = {
		.type = htobe32(type), .rkey = htobe32(rkey),
		.addr = htobe64(addr), .len = htobe64(len),
	};
	struct ibv_sge sge = { .addr = (uintptr_t)&m, .length = sizeof(m) };
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_SEND,
		.send_flags = IBV_SEND_INLINE,
	};
	struct ibv_send_wr *bad;

	return -ibv_post_send(c->id->qp, &wr, &bad);	/* it returns an errno */
}

/*
 * Take the completion channel's event and re-arm it, before polling the
 * CQ empty: a completion that comes after the poll raises a new event.
 */
static int conn_rearm(struct conn *c)
{
	struct ibv_cq *cq;
	void *ctx;

	if (ibv_get_cq_event(c->ch, &cq, &ctx))
		return -errno;
	ibv_ack_cq_events(cq, 1);
	return -ibv_req_notify_cq(cq, 0);
}

static void msg_decode(const struct msg *in, struct msg *out)
{
	out->type = be32toh(in->type);
	out->rkey = be32toh(in->rkey);
	out->addr = be64toh(in->addr);
	out->len = be64toh(in->len);
}

/* ---------------------------------------------------------------- server */

enum server_state {
	SERVING,	/* leased, mapped, registered, advertised */
	DRAINING,	/* broken: waiting for the peer to pause */
	WAITING,	/* released: retrying the lease */
};

struct server {
	struct leased_buf buf;
	struct rdma_event_channel *ec;
	struct rdma_cm_id *listen;
	struct ibv_pd *pd;
	struct ibv_mr *mr;		/* over buf; NULL while released */
	struct conn peer;		/* one peer at a time */
	int sfd;			/* signalfd: break, SIGINT, SIGTERM */
	int tfd;			/* timerfd: drain timeout, lease retry */
	enum server_state state;
	unsigned int drain_ms;
	unsigned int retry_ms;		/* next lease retry delay */
	unsigned int waited_ms;		/* retrying for this long */
	bool refused;			/* the lease was refused (EAGAIN) */
	bool registered_once;
	bool stop;
	bool restart;			/* fenced: start again */
};

static char **server_argv;		/* to start again with */

/*
 * The registrations were revoked (fenced): nothing of the verbs context
 * works any more.  The break signals of the lease are over, and signals
 * survive exec: drop them.
 */
static int start_again(struct server *s, const char *why)
{
	struct signalfd_siginfo si;

	say("%s: the registrations were revoked; starting again", why);
	while (read(s->sfd, &si, sizeof(si)) == sizeof(si))
		;
	s->restart = true;
	s->stop = true;
	return 0;
}

static int advertise(struct server *s)
{
	int err;

	if (!s->peer.up || s->state != SERVING)
		return 0;
	err = send_msg(&s->peer, MSG_ADVERT, s->mr->rkey,
		       (uintptr_t)s->buf.addr, s->buf.len);
	if (err)
		say("error: advertising the buffer: %s", strerror(-err));
	else
		say("advertised %zu bytes at %p, rkey 0x%x", s->buf.len,
		    s->buf.addr, s->mr->rkey);
	return err;
}

/* Arm the timer for the next lease attempt, each delay twice the last. */
static int retry_later(struct server *s)
{
	int err;

	if (s->waited_ms >= LEASE_RETRY_GIVE_UP_MS) {
		say("error: %s is still changing after %u ms", s->buf.path,
		    s->waited_ms);
		return -ETIMEDOUT;
	}
	s->waited_ms += s->retry_ms;
	err = timer_arm(s->tfd, s->retry_ms);
	if (s->retry_ms < LEASE_RETRY_MAX_MS)
		s->retry_ms *= 2;
	return err;
}

/* Lease, map and register the file, or arrange to try again. */
static int try_lease(struct server *s)
{
	const int access = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
			   IBV_ACCESS_REMOTE_READ;
	int err = leased_buf_lease(&s->buf);

	if (err == -EAGAIN) {
		if (!s->refused)
			say("lease refused (EAGAIN): the layout change is under way; retrying");
		s->refused = true;
		return retry_later(s);
	}
	if (err) {
		say("error: leasing and mapping %s: %s%s", s->buf.path,
		    err == -ENODATA ? "the file is empty" : strerror(-err),
		    err == -EINVAL ? " (is layoutlease loaded?)" : "");
		return err;
	}
	s->mr = ibv_reg_mr(s->pd, s->buf.addr, s->buf.len, access);
	if (!s->mr) {
		err = -errno;
		say("error: ibv_reg_mr of %s: %s", s->buf.path, strerror(-err));
		leased_buf_release(&s->buf);
		return err;
	}
	say("%s %zu bytes of %s (%s), rkey 0x%x",
	    s->registered_once ? "re-registered" : "leased and registered",
	    s->buf.len, s->buf.path, s->buf.dax ? "DAX" : "page cache",
	    s->mr->rkey);
	s->registered_once = true;
	s->state = SERVING;
	return advertise(s);
}

/* The peer is quiet (or gone, or too slow): let the layout change go. */
static int finish_drain(struct server *s)
{
	int err;

	timer_arm(s->tfd, 0);
	err = ibv_dereg_mr(s->mr);
	if (err == EIO) {
		s->mr = NULL;
		return start_again(s, "ibv_dereg_mr: EIO");
	}
	if (err) {
		say("error: ibv_dereg_mr: %s", strerror(err));
		return -err;
	}
	s->mr = NULL;
	say("deregistered");
	err = leased_buf_release(&s->buf);
	if (err) {
		say("error: releasing the lease: %s", strerror(-err));
		return err;
	}
	say("released the lease and the mapping; waiting for the layout change");
	s->state = WAITING;
	s->retry_ms = LEASE_RETRY_FIRST_MS;
	s->waited_ms = 0;
	s->refused = false;
	return retry_later(s);	/* not at once: see leased_buf.c */
}

static int on_break(struct server *s, const struct signalfd_siginfo *si)
{
	int err;

	if ((int)si->ssi_fd != s->buf.fd || s->state != SERVING) {
		say("break signal for fd %d in another state: ignored",
		    si->ssi_fd);
		return 0;
	}
	/* too late: the break timed out before this server saw it */
	if (!(fcntl(s->buf.fd, F_GETLEASE) & F_LAYOUT)) {
		s->mr = NULL;	/* destroyed by the fence */
		return start_again(s, "break: the lease is gone already");
	}
	say("break: the layout of %s is changing; draining", s->buf.path);
	s->state = DRAINING;
	if (!s->peer.up)
		return finish_drain(s);
	err = send_msg(&s->peer, MSG_PAUSE, 0, 0, 0);
	if (err) {
		say("error: asking the peer to pause: %s", strerror(-err));
		return finish_drain(s);
	}
	say("asked the peer to pause");
	return timer_arm(s->tfd, s->drain_ms);
}

static int on_signal(struct server *s)
{
	struct signalfd_siginfo si;

	if (read(s->sfd, &si, sizeof(si)) != sizeof(si))
		return -errno;
	if ((int)si.ssi_signo == LEASE_SIG)
		return on_break(s, &si);
	say("%s: shutting down", strsignal(si.ssi_signo));
	s->stop = true;
	return 0;
}

static int on_timer(struct server *s)
{
	if (!timer_expired(s->tfd))
		return 0;
	if (s->state == DRAINING) {
		say("the peer did not pause within %u ms; deregistering anyway",
		    s->drain_ms);
		return finish_drain(s);
	}
	return s->state == WAITING ? try_lease(s) : 0;
}

static int peer_gone(struct server *s)
{
	say("peer disconnected");
	conn_destroy(&s->peer);
	return s->state == DRAINING ? finish_drain(s) : 0;
}

static int accept_peer(struct server *s, struct rdma_cm_id *id)
{
	struct rdma_conn_param param = {
		.responder_resources = 1, .initiator_depth = 1,
		.rnr_retry_count = 7,
	};
	int err;

	if (s->peer.id) {
		say("refusing a second peer");
		rdma_reject(id, NULL, 0);
		rdma_destroy_id(id);
		return 0;
	}
	err = conn_create(&s->peer, id, s->pd);
	if (!err && rdma_accept(id, &param))
		err = -errno;
	if (err) {
		say("error: accepting a peer: %s", strerror(-err));
		if (s->peer.id)
			conn_destroy(&s->peer);
		else
			rdma_destroy_id(id);
	}
	return 0;	/* the server goes on without this peer */
}

static int on_cm_event(struct server *s)
{
	enum rdma_cm_event_type type;
	struct rdma_cm_event *ev;
	struct rdma_cm_id *id;

	if (rdma_get_cm_event(s->ec, &ev))
		return -errno;
	type = ev->event;
	id = ev->id;
	/* ack first: rdma_destroy_id() waits for the id's events' acks */
	rdma_ack_cm_event(ev);
	switch (type) {
	case RDMA_CM_EVENT_CONNECT_REQUEST:
		return accept_peer(s, id);
	case RDMA_CM_EVENT_ESTABLISHED:
		if (id != s->peer.id)
			return 0;
		s->peer.up = true;
		say("peer connected");
		return advertise(s);
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_CONNECT_ERROR:
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_REJECTED:
		return id == s->peer.id ? peer_gone(s) : 0;
	case RDMA_CM_EVENT_DEVICE_REMOVAL:
		say("error: the RDMA device went away");
		return -ENODEV;
	default:
		return 0;
	}
}

static int on_message(struct server *s, const struct ibv_wc *wc)
{
	struct msg m;
	int err;

	msg_decode(&s->peer.recv[wc->wr_id], &m);
	err = post_recv(&s->peer, wc->wr_id);
	if (err)
		return err;
	if (m.type != MSG_PAUSED || s->state != DRAINING)
		return 0;
	say("peer paused");
	return finish_drain(s);
}

static int on_completions(struct server *s)
{
	struct ibv_wc wc;
	int n = 0, err = conn_rearm(&s->peer);

	while (!err && (n = ibv_poll_cq(s->peer.cq, 1, &wc)) > 0) {
		if (wc.status != IBV_WC_SUCCESS) {
			say("peer connection failed: %s",
			    ibv_wc_status_str(wc.status));
			rdma_disconnect(s->peer.id);
			return 0;	/* DISCONNECTED follows */
		}
		if (wc.opcode == IBV_WC_RECV)
			err = on_message(s, &wc);
	}
	return err ? err : n < 0 ? -EIO : 0;
}

/*
 * An event of the verbs context: on IBV_EVENT_DEVICE_FATAL (the device
 * went away) nothing on the context works any more, the process does:
 * start again.
 */
static int on_async_event(struct server *s)
{
	struct ibv_async_event ev;

	if (ibv_get_async_event(s->listen->verbs, &ev))
		return -errno;
	ibv_ack_async_event(&ev);
	say("async event: %s", ibv_event_type_str(ev.event_type));
	if (ev.event_type != IBV_EVENT_DEVICE_FATAL)
		return 0;
	s->mr = NULL;
	return start_again(s, "the verbs context is gone");
}

static int server_listen(struct server *s, const char *addr,
			 const char *port)
{
	struct rdma_addrinfo hints = {
		.ai_flags = RAI_PASSIVE, .ai_port_space = RDMA_PS_TCP,
	}, *res;
	int err;

	if (rdma_getaddrinfo(addr, port, &hints, &res)) {
		err = errno ? -errno : -EINVAL;
		say("error: %s:%s: %s", addr, port, strerror(-err));
		return err;
	}
	err = 0;
	if (rdma_create_id(s->ec, &s->listen, NULL, RDMA_PS_TCP) ||
	    rdma_bind_addr(s->listen, res->ai_src_addr) ||
	    rdma_listen(s->listen, 1))
		err = -errno;
	rdma_freeaddrinfo(res);
	if (!err && !s->listen->verbs)
		err = -ENODEV;	/* bound to no RDMA device's address */
	if (err) {
		say("error: listening on %s:%s: %s", addr, port,
		    strerror(-err));
		return err;
	}
	s->pd = ibv_alloc_pd(s->listen->verbs);
	if (!s->pd)
		return -errno;
	say("listening on %s:%s (%s)", addr, port,
	    ibv_get_device_name(s->listen->verbs->device));
	return 0;
}

/*
 * Is the verbs context fenced?  Every command on a fenced context fails
 * with EIO (Documentation/layout-leases.rst, "Fencing").
 */
static bool fenced(struct server *s)
{
	struct ibv_device_attr attr;

	return ibv_query_device(s->listen->verbs, &attr) == EIO;
}

static int server_loop(struct server *s)
{
	int err = 0;

	while (!s->stop && !err) {
		struct pollfd p[5] = {
			{ .fd = s->ec->fd, .events = POLLIN },
			{ .fd = s->sfd, .events = POLLIN },
			{ .fd = s->tfd, .events = POLLIN },
			{ .fd = s->peer.ch ? s->peer.ch->fd : -1,
			  .events = POLLIN },
			{ .fd = s->listen->verbs->async_fd, .events = POLLIN },
		};

		if (poll(p, 5, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		/* first: a fenced context fails everything else */
		if (p[4].revents & POLLIN) {
			err = on_async_event(s);
			continue;
		}
		if (p[1].revents & POLLIN)
			err = on_signal(s);
		/*
		 * A signal may stop the server (its registrations revoked by a
		 * fence): then every verbs call fails with EIO, so nothing
		 * else of this round is handled.
		 */
		if (err || s->stop)
			continue;
		if ((p[3].revents & POLLIN) && s->peer.ch)
			err = on_completions(s);
		if (!err && (p[0].revents & POLLIN))
			err = on_cm_event(s);
		if (!err && (p[2].revents & POLLIN))
			err = on_timer(s);
		/*
		 * A handler may meet the fence first, before the break's
		 * signal is read (the server was stopped and is let go on
		 * after the fence): a verbs call failed with EIO.
		 */
		if (err == -EIO && fenced(s))
			err = start_again(s, "a verbs call: EIO");
	}
	return err;
}

static void server_stop(struct server *s)
{
	if (s->peer.id) {
		rdma_disconnect(s->peer.id);
		conn_destroy(&s->peer);
	}
	if (s->mr && !ibv_dereg_mr(s->mr))
		say("deregistered");
	leased_buf_close(&s->buf);
	if (s->pd)
		ibv_dealloc_pd(s->pd);
	if (s->listen)
		rdma_destroy_id(s->listen);
	if (s->ec)
		rdma_destroy_event_channel(s->ec);
	if (s->tfd >= 0)
		close(s->tfd);
	if (s->sfd >= 0)
		close(s->sfd);
}

static int run_server(const char *addr, const char *port,
		      unsigned int drain_ms, const char *path)
{
	const int sigs[] = { LEASE_SIG, SIGINT, SIGTERM };
	struct server s = { .drain_ms = drain_ms, .sfd = -1, .tfd = -1 };
	int err;

	s.buf.fd = -1;
	s.sfd = signals_to_fd(sigs, 3);
	s.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (s.sfd < 0 || s.tfd < 0) {
		err = -errno;
		goto out;
	}
	err = leased_buf_open(&s.buf, path);
	if (err) {
		say("error: %s: %s", path, strerror(-err));
		goto out;
	}
	s.ec = rdma_create_event_channel();
	err = s.ec ? server_listen(&s, addr, port) : -errno;
	if (err)
		goto out;
	s.state = WAITING;
	s.retry_ms = LEASE_RETRY_FIRST_MS;
	err = try_lease(&s);
	if (!err)
		err = server_loop(&s);
out:
	if (err)
		say("error: %s", strerror(-err));
	server_stop(&s);
	if (!err && s.restart) {
		/* the lease and every descriptor are close-on-exec */
		execv("/proc/self/exe", server_argv);
		say("error: starting again: %s", strerror(errno));
		return 1;
	}
	if (!err)
		say("stopped");
	return err ? 1 : 0;
}

/* ---------------------------------------------------------------- client */

struct client {
	const char *addr, *port;	/* the server's */
	struct rdma_event_channel *ec;
	struct ibv_pd *pd;
	struct conn conn;
	struct ibv_mr *data_mr;
	char data[DATA_LEN];		/* WRITE source, READ sink */
	struct msg remote;		/* the last ADVERT */
	bool have_buf;			/* advertised and not paused */
	bool busy;			/* an RDMA operation in flight */
	bool pause_asked;		/* tell PAUSED once not busy */
	bool eof;
	uint64_t op_off;		/* the operation in flight */
	uint32_t op_len;
	char line[LINE_MAX_LEN];	/* stdin, not yet a whole line */
	size_t line_len;
};

/* Wait for the next CM event, which must be @want. */
static int wait_cm(struct client *c, enum rdma_cm_event_type want)
{
	struct rdma_cm_event *ev;
	int got, status;

	if (rdma_get_cm_event(c->ec, &ev))
		return -errno;
	got = ev->event;
	status = ev->status;
	rdma_ack_cm_event(ev);
	if (got == (int)want)
		return 0;
	say("error: %s (status %d) instead of %s", rdma_event_str(got),
	    status, rdma_event_str(want));
	return -ECONNREFUSED;
}

static int client_connect(struct client *c, const char *addr,
			  const char *port)
{
	struct rdma_addrinfo hints = { .ai_port_space = RDMA_PS_TCP }, *res;
	struct rdma_conn_param param = {
		.responder_resources = 1, .initiator_depth = 1,
		.retry_count = 7, .rnr_retry_count = 7,
	};
	struct rdma_cm_id *id;
	int err;

	if (rdma_getaddrinfo(addr, port, &hints, &res)) {
		err = errno ? -errno : -EINVAL;
		say("error: %s:%s: %s", addr, port, strerror(-err));
		return err;
	}
	err = rdma_create_id(c->ec, &id, NULL, RDMA_PS_TCP) ? -errno : 0;
	if (!err && rdma_resolve_addr(id, res->ai_src_addr, res->ai_dst_addr,
				      CM_TIMEOUT_MS))
		err = -errno;
	rdma_freeaddrinfo(res);
	if (!err)
		err = wait_cm(c, RDMA_CM_EVENT_ADDR_RESOLVED);
	if (!err && rdma_resolve_route(id, CM_TIMEOUT_MS))
		err = -errno;
	if (!err)
		err = wait_cm(c, RDMA_CM_EVENT_ROUTE_RESOLVED);
	if (!err) {
		c->pd = ibv_alloc_pd(id->verbs);
		err = c->pd ? conn_create(&c->conn, id, c->pd) : -errno;
	}
	if (err) {
		rdma_destroy_id(id);
		return err;
	}
	c->data_mr = ibv_reg_mr(c->pd, c->data, sizeof(c->data),
				IBV_ACCESS_LOCAL_WRITE);
	if (!c->data_mr || rdma_connect(id, &param))
		return -errno;
	err = wait_cm(c, RDMA_CM_EVENT_ESTABLISHED);
	if (!err)
		say("connected to %s:%s", addr, port);
	return err;
}

static int tell_paused(struct client *c)
{
	int err = send_msg(&c->conn, MSG_PAUSED, 0, 0, 0);

	c->pause_asked = false;
	if (!err)
		say("told the server: paused, nothing in flight");
	return err;
}

static int on_server_message(struct client *c, const struct msg *m)
{
	switch (m->type) {
	case MSG_ADVERT:
		c->remote = *m;
		c->have_buf = true;
		say("server buffer: %llu bytes at 0x%llx, rkey 0x%x",
		    (unsigned long long)m->len, (unsigned long long)m->addr,
		    m->rkey);
		return 0;
	case MSG_PAUSE:
		c->have_buf = false;
		say("server paused its buffer: holding new work");
		if (c->busy) {
			c->pause_asked = true;
			return 0;
		}
		return tell_paused(c);
	default:
		say("error: unknown message %u", m->type);
		return -EPROTO;
	}
}

static void op_done(struct client *c, const struct ibv_wc *wc)
{
	char text[DATA_LEN + 1];
	uint32_t i;

	c->busy = false;
	if (wc->opcode == IBV_WC_RDMA_WRITE) {
		say("wrote %u bytes at %llu", c->op_len,
		    (unsigned long long)c->op_off);
		return;
	}
	for (i = 0; i < c->op_len; i++)
		text[i] = c->data[i] >= 0x20 && c->data[i] < 0x7f ?
			  c->data[i] : '.';
	text[i] = '\0';
	say("read %u bytes at %llu: %s", c->op_len,
	    (unsigned long long)c->op_off, text);
}

static int client_completion(struct client *c, const struct ibv_wc *wc)
{
	struct msg m;
	int err;

	if (wc->status != IBV_WC_SUCCESS) {
		say("error: %s failed: %s",
		    wc->opcode == IBV_WC_RDMA_READ ? "RDMA READ" :
		    wc->opcode == IBV_WC_RDMA_WRITE ? "RDMA WRITE" :
		    "a message", ibv_wc_status_str(wc->status));
		return -EIO;
	}
	switch (wc->opcode) {
	case IBV_WC_RECV:
		msg_decode(&c->conn.recv[wc->wr_id], &m);
		err = post_recv(&c->conn, wc->wr_id);
		return err ? err : on_server_message(c, &m);
	case IBV_WC_RDMA_WRITE:
	case IBV_WC_RDMA_READ:
		op_done(c, wc);
		return c->pause_asked ? tell_paused(c) : 0;
	default:
		return 0;
	}
}

static int client_completions(struct client *c)
{
	struct ibv_wc wc;
	int n = 0, err = conn_rearm(&c->conn);

	while (!err && (n = ibv_poll_cq(c->conn.cq, 1, &wc)) > 0)
		err = client_completion(c, &wc);
	return err ? err : n < 0 ? -EIO : 0;
}

/* Post an RDMA WRITE or READ of the command's bytes. */
static int start_op(struct client *c, enum ibv_wr_opcode op, uint64_t off,
		    uint32_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)c->data, .length = len,
		.lkey = c->data_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = op,
		.wr.rdma = { .remote_addr = c->remote.addr + off,
			     .rkey = c->remote.rkey },
	};
	struct ibv_send_wr *bad;
	int err;

	if (!len || len > DATA_LEN || off > c->remote.len ||
	    len > c->remote.len - off) {
		say("error: %u bytes at %llu: outside the %llu-byte buffer",
		    len, (unsigned long long)off,
		    (unsigned long long)c->remote.len);
		return 0;	/* a bad command, not a failure */
	}
	err = ibv_post_send(c->conn.id->qp, &wr, &bad);
	if (err)
		return -err;
	c->busy = true;
	c->op_off = off;
	c->op_len = len;
	return 0;
}

static int run_command(struct client *c, char *cmd)
{
	unsigned long long off;
	unsigned int len;
	int n = 0;

	if (!strcmp(cmd, "quit")) {
		c->eof = true;
		return 0;
	}
	if (sscanf(cmd, "write %llu %n", &off, &n) == 1 && n) {
		len = strlen(cmd + n);
		memcpy(c->data, cmd + n, len < DATA_LEN ? len : DATA_LEN);
		return start_op(c, IBV_WR_RDMA_WRITE, off, len);
	}
	if (sscanf(cmd, "read %llu %u", &off, &len) == 2)
		return start_op(c, IBV_WR_RDMA_READ, off, len);
	if (*cmd)
		say("error: unknown command '%s'", cmd);
	return 0;
}

/* Run the next whole line of input, if there is one; 1 when it did. */
static int next_command(struct client *c)
{
	char *nl = memchr(c->line, '\n', c->line_len);
	size_t used;
	int err;

	if (!nl)
		return 0;
	*nl = '\0';
	used = nl - c->line + 1;
	err = run_command(c, c->line);
	memmove(c->line, c->line + used, c->line_len - used);
	c->line_len -= used;
	return err ? err : 1;
}

static int read_stdin(struct client *c)
{
	ssize_t n = read(STDIN_FILENO, c->line + c->line_len,
			 sizeof(c->line) - 1 - c->line_len);

	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	if (n == 0) {
		if (c->line_len)	/* a last line without newline */
			c->line[c->line_len++] = '\n';
		else
			c->eof = true;
		return 0;
	}
	c->line_len += n;
	if (c->line_len == sizeof(c->line) - 1 &&
	    !memchr(c->line, '\n', c->line_len)) {
		say("error: command longer than %d bytes", LINE_MAX_LEN - 2);
		return -E2BIG;
	}
	return 0;
}

static void client_disconnect(struct client *c)
{
	if (c->conn.id)
		rdma_disconnect(c->conn.id);
	if (c->data_mr)
		ibv_dereg_mr(c->data_mr);
	c->data_mr = NULL;
	conn_destroy(&c->conn);
	if (c->pd)
		ibv_dealloc_pd(c->pd);
	c->pd = NULL;
}

/*
 * A CM event on the client's side can only end the connection: the server
 * went away, and may come back (it starts again when it is fenced).  Work
 * in flight is lost; commands wait for the new connection's buffer.
 */
static int client_cm_event(struct client *c)
{
	struct rdma_cm_event *ev;
	int type, i, err = 0;

	if (rdma_get_cm_event(c->ec, &ev))
		return -errno;
	type = ev->event;
	rdma_ack_cm_event(ev);
	say("%s: the server is gone; reconnecting", rdma_event_str(type));
	if (c->busy)
		say("error: the operation in flight is lost");
	c->have_buf = c->busy = c->pause_asked = false;
	for (i = 0; i < RECONNECT_TRIES; i++) {
		client_disconnect(c);
		if (i)
			usleep(RECONNECT_MS * 1000);
		err = client_connect(c, c->addr, c->port);
		if (!err)
			return 0;
	}
	return err;
}

static int client_loop(struct client *c)
{
	int n, err = 0;

	while (!err && !(c->eof && !c->busy)) {
		bool ready = c->have_buf && !c->busy && !c->eof;
		struct pollfd p[3] = {
			{ .fd = c->ec->fd, .events = POLLIN },
			{ .fd = c->conn.ch->fd, .events = POLLIN },
			{ .fd = ready ? STDIN_FILENO : -1, .events = POLLIN },
		};

		if (ready) {
			n = next_command(c);
			if (n < 0)
				return n;
			if (n > 0)
				continue;	/* it may have made us busy */
		}
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[0].revents & POLLIN) {
			err = client_cm_event(c);
			continue;
		}
		if (p[1].revents & POLLIN)
			err = client_completions(c);
		if (!err && (p[2].revents & (POLLIN | POLLHUP)))
			err = read_stdin(c);
	}
	return err;
}

static int run_client(const char *addr, const char *port)
{
	struct client *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return 1;
	c->addr = addr;
	c->port = port;
	c->ec = rdma_create_event_channel();
	err = c->ec ? client_connect(c, addr, port) : -errno;
	if (!err)
		err = client_loop(c);
	if (err)
		say("error: %s", strerror(-err));
	client_disconnect(c);
	if (c->ec)
		rdma_destroy_event_channel(c->ec);
	free(c);
	if (!err)
		say("done");
	return err ? 1 : 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [-p PORT] [-t DRAIN_MS] -l ADDR FILE   serve FILE\n"
		"       %s [-p PORT] -c ADDR                      client; commands on stdin:\n"
		"           write OFFSET TEXT | read OFFSET LENGTH | quit\n",
		prog, prog);
}

int main(int argc, char **argv)
{
	const char *listen = NULL, *connect = NULL, *port = DEFAULT_PORT;
	unsigned int drain_ms = DRAIN_MS;
	int opt;

	while ((opt = getopt(argc, argv, "l:c:p:t:h")) != -1) {
		switch (opt) {
		case 'l':
			listen = optarg;
			break;
		case 'c':
			connect = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 't':
			drain_ms = strtoul(optarg, NULL, 0);
			break;
		default:
			usage(argv[0]);
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!!listen == !!connect || (listen && optind != argc - 1) ||
	    (connect && optind != argc)) {
		usage(argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	server_argv = argv;
	if (connect)
		return run_client(connect, port);
	return run_server(listen, port, drain_ms, argv[optind]);
}
