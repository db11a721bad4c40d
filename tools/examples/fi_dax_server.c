// SPDX-License-Identifier: GPL-2.0
/*
 * fi_dax_server: serve a file (a DAX file above all) to an RDMA peer
 * under a layout lease, with libfabric: the twin of ibv_dax_server.c.
 *
 *   fi_dax_server [-p PORT] [-t DRAIN_MS] -l ADDR FILE     the server
 *   fi_dax_server [-p PORT] -c ADDR                        a client
 *
 * The same protocol, messages and client commands as ibv_dax_server (the
 * key is 64 bits here, as libfabric has it), over an FI_EP_MSG endpoint
 * of the verbs provider: a reliable connection set up with rdma_cm.
 *
 * libfabric's verbs provider caches memory registrations by default:
 * fi_close() of an MR would leave the MR registered (and the file
 * pinned) in the cache, so the layout change would wait for it until the
 * lease is revoked.  An application that registers file memory under a
 * layout lease turns the cache off (FI_MR_CACHE_MAX_COUNT=0, before the
 * first libfabric call), so that fi_mr_reg() registers at once and
 * fi_close() deregisters at once.
 *
 * A server that does not release in time (stopped, or too slow) has its
 * registrations revoked at the break timeout: with revoke=fence its verbs
 * context is destroyed.  libfabric does not show the context's events, so
 * the server learns it from the lease: when it comes to a break and its
 * lease is gone already (F_GETLEASE without F_LAYOUT), when closing its
 * MR fails with EIO, or when another call fails with EIO and the lease is
 * gone, it starts again from scratch by executing itself,
 * as ibv_dax_server does.  The client reconnects when its server goes.
 */
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/layout_lease.h>
#include <rdma/fabric.h>
#include <rdma/fi_cm.h>
#include <rdma/fi_domain.h>
#include <rdma/fi_endpoint.h>
#include <rdma/fi_errno.h>
#include <rdma/fi_rma.h>

#include "leased_buf.h"

#define DEFAULT_PORT	"7471"
#define DRAIN_MS	1000	/* how long the peer may take to pause */
#define CM_TIMEOUT_MS	10000	/* connection set-up */
#define NRECV		4	/* receives kept posted */
#define DATA_LEN	65536	/* the client's local buffer */
#define LINE_MAX_LEN	4096
#define RECONNECT_MS	200	/* the client's pace of reconnection */
#define RECONNECT_TRIES	150	/* 30 s */
#define FI_API		FI_VERSION(1, 17)

enum msg_type { MSG_ADVERT = 1, MSG_PAUSE, MSG_PAUSED };

struct msg {
	uint32_t type;
	uint32_t pad;
	uint64_t key;
	uint64_t addr;
	uint64_t len;
};

/* The fabric, domain and event queue of one side. */
struct fab {
	struct fi_info *info;
	struct fid_fabric *fabric;
	struct fid_domain *domain;
	struct fid_eq *eq;
	int eq_fd;
};

/* One connection, on either side: its endpoint, CQ and receives. */
struct conn {
	struct fid_ep *ep;		/* NULL: no connection */
	struct fid_cq *cq;
	struct fid_mr *recv_mr;
	int cq_fd;
	struct msg recv[NRECV];
	bool up;			/* FI_CONNECTED */
};

static const char *fi_err(int err)
{
	return fi_strerror(err < 0 ? -err : err);
}

/* fi_getinfo() for the verbs provider's reliable connections. */
static int fab_open(struct fab *f, const char *addr, const char *port,
		    bool server)
{
	struct fi_eq_attr eq_attr = { .wait_obj = FI_WAIT_FD };
	struct fi_info *hints = fi_allocinfo();
	int err;

	if (!hints)
		return -FI_ENOMEM;
	hints->ep_attr->type = FI_EP_MSG;
	hints->caps = FI_MSG | FI_RMA;
	hints->domain_attr->mr_mode = FI_MR_LOCAL | FI_MR_VIRT_ADDR |
				      FI_MR_ALLOCATED | FI_MR_PROV_KEY;
	hints->domain_attr->threading = FI_THREAD_DOMAIN;
	hints->fabric_attr->prov_name = strdup("verbs");
	err = fi_getinfo(FI_API, addr, port, server ? FI_SOURCE : 0, hints,
			 &f->info);
	fi_freeinfo(hints);
	if (err) {
		say("error: fi_getinfo(verbs, %s:%s): %s", addr, port,
		    fi_err(err));
		return err;
	}
	if (f->info->tx_attr->inject_size < sizeof(struct msg)) {
		say("error: inject size %zu", f->info->tx_attr->inject_size);
		return -FI_ENOSYS;
	}
	err = fi_fabric(f->info->fabric_attr, &f->fabric, NULL);
	if (!err)
		err = fi_eq_open(f->fabric, &eq_attr, &f->eq, NULL);
	if (!err)
		err = fi_control(&f->eq->fid, FI_GETWAIT, &f->eq_fd);
	if (!err)
		err = fi_domain(f->fabric, f->info, &f->domain, NULL);
	if (err)
		say("error: opening %s: %s", f->info->domain_attr->name,
		    fi_err(err));
	return err;
}

static void fab_close(struct fab *f)
{
	if (f->domain)
		fi_close(&f->domain->fid);
	if (f->eq)
		fi_close(&f->eq->fid);
	if (f->fabric)
		fi_close(&f->fabric->fid);
	if (f->info)
		fi_freeinfo(f->info);
	memset(f, 0, sizeof(*f));
}

static int post_recv(struct conn *c, int i)
{
	ssize_t ret = fi_recv(c->ep, &c->recv[i], sizeof(c->recv[i]),
			      fi_mr_desc(c->recv_mr), 0, &c->recv[i]);

	return ret ? (int)ret : 0;
}

static void conn_destroy(struct conn *c)
{
	if (c->ep)
		fi_close(&c->ep->fid);
	if (c->cq)
		fi_close(&c->cq->fid);
	if (c->recv_mr)
		fi_close(&c->recv_mr->fid);
	memset(c, 0, sizeof(*c));
}

/* Endpoint, CQ and receives for @info; the caller connects or accepts. */
static int conn_create(struct conn *c, struct fab *f, struct fi_info *info)
{
	struct fi_cq_attr cq_attr = {
		.size = 2 * (8 + NRECV), .format = FI_CQ_FORMAT_MSG,
		.wait_obj = FI_WAIT_FD,
	};
	int i, err;

	memset(c, 0, sizeof(*c));
	err = fi_endpoint(f->domain, info, &c->ep, NULL);
	if (!err)
		err = fi_cq_open(f->domain, &cq_attr, &c->cq, NULL);
	if (!err)
		err = fi_control(&c->cq->fid, FI_GETWAIT, &c->cq_fd);
	if (!err)
		err = fi_ep_bind(c->ep, &c->cq->fid, FI_TRANSMIT | FI_RECV);
	if (!err)
		err = fi_ep_bind(c->ep, &f->eq->fid, 0);
	if (!err)
		err = fi_enable(c->ep);
	if (!err)
		err = fi_mr_reg(f->domain, c->recv, sizeof(c->recv), FI_RECV,
				0, 0, 0, &c->recv_mr, NULL);
	for (i = 0; !err && i < NRECV; i++)
		err = post_recv(c, i);
	if (err) {
		say("error: setting up a connection: %s", fi_err(err));
		conn_destroy(c);
	}
	return err;
}

/* Send a message; injected, so @m may go away at once. */
static int send_msg(struct conn *c, enum msg_type type, uint64_t key,
		    uint64_t addr, uint64_t len)
{
	struct msg m = {
		.type = htobe32(type), .key = htobe64(key),
		.addr = htobe64(addr), .len = htobe64(len),
	};

	return (int)fi_inject(c->ep, &m, sizeof(m), 0);
}

static void msg_decode(const struct msg *in, struct msg *out)
{
	out->type = be32toh(in->type);
	out->key = be64toh(in->key);
	out->addr = be64toh(in->addr);
	out->len = be64toh(in->len);
}

/* The error behind -FI_EAVAIL from fi_cq_read(), as a message. */
static const char *cq_error(struct fid_cq *cq, struct fi_cq_err_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (fi_cq_readerr(cq, e, 0) < 0)
		return "unknown error";
	return fi_cq_strerror(cq, e->prov_errno, e->err_data, NULL, 0);
}

/*
 * Read one event from @eq without waiting: its type, or -FI_EAGAIN, or
 * the negative error of an error entry (logged; entry->fid says whose),
 * or another negative error (entry->fid NULL).
 */
static int eq_read(struct fid_eq *eq, struct fi_eq_cm_entry *entry)
{
	struct fi_eq_err_entry e = { 0 };
	uint32_t event;
	ssize_t ret;

	entry->fid = NULL;
	ret = fi_eq_read(eq, &event, entry, sizeof(*entry), 0);
	if (ret >= 0)
		return event;
	if (ret != -FI_EAVAIL)
		return (int)ret;
	if (fi_eq_readerr(eq, &e, 0) < 0)
		return -FI_EIO;
	entry->fid = e.fid;
	say("connection event error: %s", fi_strerror(e.err));
	return -(e.err ? e.err : FI_EIO);
}

/* ---------------------------------------------------------------- server */

enum server_state {
	SERVING,	/* leased, mapped, registered, advertised */
	DRAINING,	/* broken: waiting for the peer to pause */
	WAITING,	/* released: retrying the lease */
};

struct server {
	struct leased_buf buf;
	struct fab fab;
	struct fid_pep *pep;
	struct fid_mr *mr;		/* over buf; NULL while released */
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
	bool restart;			/* revoked: start again */
};

static char **server_argv;		/* to start again with */

/*
 * The lease's registrations were revoked (fenced): nothing of the verbs
 * context works any more.  The break signals of that lease are over, and
 * signals survive exec: drop them.
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
	err = send_msg(&s->peer, MSG_ADVERT, fi_mr_key(s->mr),
		       (uintptr_t)s->buf.addr, s->buf.len);
	if (err)
		say("error: advertising the buffer: %s", fi_err(err));
	else
		say("advertised %zu bytes at %p, key 0x%llx", s->buf.len,
		    s->buf.addr, (unsigned long long)fi_mr_key(s->mr));
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
	err = fi_mr_reg(s->fab.domain, s->buf.addr, s->buf.len,
			FI_REMOTE_READ | FI_REMOTE_WRITE, 0, 0, 0, &s->mr,
			NULL);
	if (err) {
		say("error: fi_mr_reg of %s: %s", s->buf.path, fi_err(err));
		s->mr = NULL;
		leased_buf_release(&s->buf);
		return err;
	}
	say("%s %zu bytes of %s (%s), key 0x%llx",
	    s->registered_once ? "re-registered" : "leased and registered",
	    s->buf.len, s->buf.path, s->buf.dax ? "DAX" : "page cache",
	    (unsigned long long)fi_mr_key(s->mr));
	s->registered_once = true;
	s->state = SERVING;
	return advertise(s);
}

/* The peer is quiet (or gone, or too slow): let the layout change go. */
static int finish_drain(struct server *s)
{
	int err;

	timer_arm(s->tfd, 0);
	err = fi_close(&s->mr->fid);	/* deregisters: no MR cache */
	if (err == -FI_EIO) {
		s->mr = NULL;
		return start_again(s, "closing the MR: EIO");
	}
	if (err) {
		say("error: closing the MR: %s", fi_err(err));
		return err;
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
		s->mr = NULL;	/* gone with the context */
		return start_again(s, "break: the lease is gone already");
	}
	say("break: the layout of %s is changing; draining", s->buf.path);
	s->state = DRAINING;
	if (!s->peer.up)
		return finish_drain(s);
	err = send_msg(&s->peer, MSG_PAUSE, 0, 0, 0);
	if (err) {
		say("error: asking the peer to pause: %s", fi_err(err));
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

static int accept_peer(struct server *s, struct fi_info *info)
{
	int err;

	if (s->peer.ep) {
		say("refusing a second peer");
		fi_reject(s->pep, info->handle, NULL, 0);
		return 0;
	}
	/* in place: the posted receive buffers are part of s->peer */
	err = conn_create(&s->peer, &s->fab, info);
	if (err) {
		fi_reject(s->pep, info->handle, NULL, 0);
		return 0;	/* the server goes on without this peer */
	}
	err = fi_accept(s->peer.ep, NULL, 0);
	if (err) {
		say("error: accepting a peer: %s", fi_err(err));
		conn_destroy(&s->peer);
	}
	return 0;
}

static int on_eq_event(struct server *s)
{
	struct fi_eq_cm_entry entry = { 0 };
	int event, err = 0;

	while ((event = eq_read(s->fab.eq, &entry)) != -FI_EAGAIN) {
		bool ours = s->peer.ep && entry.fid == &s->peer.ep->fid;

		if (event < 0 && !entry.fid)
			return event;	/* the EQ itself failed */
		if (event == FI_CONNREQ) {
			err = accept_peer(s, entry.info);
			fi_freeinfo(entry.info);
		} else if (event == FI_CONNECTED && ours) {
			s->peer.up = true;
			say("peer connected");
			err = advertise(s);
		} else if ((event == FI_SHUTDOWN || event < 0) && ours) {
			err = peer_gone(s);
		}
		if (err)
			return err;
	}
	return 0;
}

static int on_message(struct server *s, struct fi_cq_msg_entry *comp)
{
	struct msg *buf = comp->op_context;
	struct msg m;
	int err;

	msg_decode(buf, &m);
	err = post_recv(&s->peer, buf - s->peer.recv);
	if (err)
		return err;
	if (m.type != MSG_PAUSED || s->state != DRAINING)
		return 0;
	say("peer paused");
	return finish_drain(s);
}

static int on_completions(struct server *s)
{
	struct fi_cq_msg_entry comp;
	struct fi_cq_err_entry e;
	ssize_t n;
	int err = 0;

	while (!err && s->peer.cq &&
	       (n = fi_cq_read(s->peer.cq, &comp, 1)) != -FI_EAGAIN) {
		if (n < 0) {
			say("peer connection failed: %s",
			    n == -FI_EAVAIL ? cq_error(s->peer.cq, &e) :
			    fi_err(n));
			fi_shutdown(s->peer.ep, 0);
			return peer_gone(s);
		}
		if (comp.flags & FI_RECV)
			err = on_message(s, &comp);
	}
	return err;
}

static int server_listen(struct server *s, const char *addr,
			 const char *port)
{
	int err = fab_open(&s->fab, addr, port, true);

	if (!err)
		err = fi_passive_ep(s->fab.fabric, s->fab.info, &s->pep, NULL);
	if (!err)
		err = fi_pep_bind(s->pep, &s->fab.eq->fid, 0);
	if (!err)
		err = fi_listen(s->pep);
	if (err) {
		say("error: listening on %s:%s: %s", addr, port, fi_err(err));
		return err;
	}
	say("listening on %s:%s (%s, %s provider)", addr, port,
	    s->fab.info->domain_attr->name, s->fab.info->fabric_attr->prov_name);
	return 0;
}

/* fi_trywait(): may we sleep in poll(), or are events already queued? */
static int server_timeout(struct server *s)
{
	struct fid *fids[2] = { &s->fab.eq->fid };
	int n = 1;

	if (s->peer.cq)
		fids[n++] = &s->peer.cq->fid;
	return fi_trywait(s->fab.fabric, fids, n) == FI_SUCCESS ? -1 : 0;
}

static int server_loop(struct server *s)
{
	int err = 0;

	while (!s->stop && !err) {
		struct pollfd p[4] = {
			{ .fd = s->fab.eq_fd, .events = POLLIN },
			{ .fd = s->sfd, .events = POLLIN },
			{ .fd = s->tfd, .events = POLLIN },
			{ .fd = s->peer.cq ? s->peer.cq_fd : -1,
			  .events = POLLIN },
		};

		if (poll(p, 4, server_timeout(s)) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (p[1].revents & POLLIN)
			err = on_signal(s);
		/* stopped by a signal (a fence): the rest would fail */
		if (err || s->stop)
			continue;
		err = on_completions(s);
		if (!err)
			err = on_eq_event(s);
		if (!err && (p[2].revents & POLLIN))
			err = on_timer(s);
		/*
		 * A handler may meet the fence first, before the break's
		 * signal is read (the server was stopped after its poll and
		 * let go on after the fence): EIO, and the lease is gone.
		 */
		if (err == -FI_EIO &&
		    !(fcntl(s->buf.fd, F_GETLEASE) & F_LAYOUT)) {
			s->mr = NULL;	/* gone with the context */
			err = start_again(s, "EIO: the lease is gone");
		}
	}
	return err;
}

static void server_stop(struct server *s)
{
	if (s->peer.ep) {
		fi_shutdown(s->peer.ep, 0);
		conn_destroy(&s->peer);
	}
	if (s->mr && !fi_close(&s->mr->fid))
		say("deregistered");
	leased_buf_close(&s->buf);
	if (s->pep)
		fi_close(&s->pep->fid);
	fab_close(&s->fab);
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
	err = server_listen(&s, addr, port);
	if (err)
		goto out;
	s.state = WAITING;
	s.retry_ms = LEASE_RETRY_FIRST_MS;
	err = try_lease(&s);
	if (!err)
		err = server_loop(&s);
out:
	if (err)
		say("error: %s", fi_err(err));
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
	struct fab fab;
	struct conn conn;
	struct fid_mr *data_mr;
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

static int client_connect(struct client *c, const char *addr,
			  const char *port)
{
	struct fi_eq_cm_entry entry;
	uint32_t event;
	ssize_t n;
	int err;

	err = fab_open(&c->fab, addr, port, false);
	if (!err)
		err = conn_create(&c->conn, &c->fab, c->fab.info);
	if (!err)
		err = fi_mr_reg(c->fab.domain, c->data, sizeof(c->data),
				FI_READ | FI_WRITE, 0, 0, 0, &c->data_mr,
				NULL);
	if (!err)
		err = fi_connect(c->conn.ep, c->fab.info->dest_addr, NULL, 0);
	if (err) {
		say("error: connecting to %s:%s: %s", addr, port, fi_err(err));
		return err;
	}
	n = fi_eq_sread(c->fab.eq, &event, &entry, sizeof(entry),
			CM_TIMEOUT_MS, 0);
	if (n == -FI_EAVAIL)
		n = eq_read(c->fab.eq, &entry);	/* says why */
	else if (n >= 0 && event != FI_CONNECTED)
		n = -FI_ECONNREFUSED;
	if (n < 0) {
		say("error: connecting to %s:%s: %s", addr, port, fi_err(n));
		return n;
	}
	c->conn.up = true;
	say("connected to %s:%s", addr, port);
	return 0;
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
		say("server buffer: %llu bytes at 0x%llx, key 0x%llx",
		    (unsigned long long)m->len, (unsigned long long)m->addr,
		    (unsigned long long)m->key);
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

static void op_done(struct client *c, uint64_t flags)
{
	char text[DATA_LEN + 1];
	uint32_t i;

	c->busy = false;
	if (flags & FI_WRITE) {
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

static int client_completion(struct client *c, struct fi_cq_msg_entry *comp)
{
	struct msg *buf = comp->op_context;
	struct msg m;
	int err;

	if (comp->flags & FI_RECV) {
		msg_decode(buf, &m);
		err = post_recv(&c->conn, buf - c->conn.recv);
		return err ? err : on_server_message(c, &m);
	}
	if (comp->flags & FI_RMA) {
		op_done(c, comp->flags);
		return c->pause_asked ? tell_paused(c) : 0;
	}
	return 0;
}

static int client_completions(struct client *c)
{
	struct fi_cq_msg_entry comp;
	struct fi_cq_err_entry e;
	ssize_t n;
	int err = 0;

	while (!err && (n = fi_cq_read(c->conn.cq, &comp, 1)) != -FI_EAGAIN) {
		if (n < 0) {
			say("error: %s failed: %s",
			    c->busy ? "RDMA READ or WRITE" : "a message",
			    n == -FI_EAVAIL ? cq_error(c->conn.cq, &e) :
			    fi_err(n));
			return -FI_EIO;
		}
		err = client_completion(c, &comp);
	}
	return err;
}

/* Post an RDMA WRITE or READ of the command's bytes. */
static int start_op(struct client *c, bool write, uint64_t off, uint32_t len)
{
	void *desc = fi_mr_desc(c->data_mr);
	ssize_t ret;

	if (!len || len > DATA_LEN || off > c->remote.len ||
	    len > c->remote.len - off) {
		say("error: %u bytes at %llu: outside the %llu-byte buffer",
		    len, (unsigned long long)off,
		    (unsigned long long)c->remote.len);
		return 0;	/* a bad command, not a failure */
	}
	if (write)
		ret = fi_write(c->conn.ep, c->data, len, desc, 0,
			       c->remote.addr + off, c->remote.key, c);
	else
		ret = fi_read(c->conn.ep, c->data, len, desc, 0,
			      c->remote.addr + off, c->remote.key, c);
	if (ret)
		return (int)ret;
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
		return start_op(c, true, off, len);
	}
	if (sscanf(cmd, "read %llu %u", &off, &len) == 2)
		return start_op(c, false, off, len);
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
	if (c->conn.up)
		fi_shutdown(c->conn.ep, 0);
	conn_destroy(&c->conn);
	if (c->data_mr)
		fi_close(&c->data_mr->fid);
	c->data_mr = NULL;
	fab_close(&c->fab);
}

/*
 * An event on the client's EQ can only end the connection: the server
 * went away, and may come back (it starts again when it is fenced).  Work
 * in flight is lost; commands wait for the new connection's buffer.
 */
static int client_eq_event(struct client *c)
{
	struct fi_eq_cm_entry entry;
	int event = eq_read(c->fab.eq, &entry), i, err = 0;

	if (event == -FI_EAGAIN)
		return 0;
	say("%s: the server is gone; reconnecting",
	    event == FI_SHUTDOWN ? "FI_SHUTDOWN" : "connection event");
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
	struct fid *fids[2] = { &c->fab.eq->fid, &c->conn.cq->fid };
	int n, err = 0;

	while (!err && !(c->eof && !c->busy)) {
		bool ready = c->have_buf && !c->busy && !c->eof;
		struct pollfd p[3] = {
			{ .fd = c->fab.eq_fd, .events = POLLIN },
			{ .fd = c->conn.cq_fd, .events = POLLIN },
			{ .fd = ready ? STDIN_FILENO : -1, .events = POLLIN },
		};

		if (ready) {
			n = next_command(c);
			if (n < 0)
				return n;
			if (n > 0)
				continue;	/* it may have made us busy */
		}
		if (poll(p, 3, fi_trywait(c->fab.fabric, fids, 2) ? 0 : -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		err = client_completions(c);
		if (!err)
			err = client_eq_event(c);
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
	err = client_connect(c, addr, port);
	if (!err)
		err = client_loop(c);
	if (err)
		say("error: %s", fi_err(err));
	client_disconnect(c);
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
	/* see the top of this file: fi_close() must deregister the MR */
	if (setenv("FI_MR_CACHE_MAX_COUNT", "0", 1))
		return 1;
	if (connect)
		return run_client(connect, port);
	return run_server(listen, port, drain_ms, argv[optind]);
}
