/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A file mapping under a layout lease, for the RDMA examples
 * (ibv_dax_server.c, fi_dax_server.c): the part that does not depend on
 * the RDMA API.  See leased_buf.c.
 */
#ifndef _LEASED_BUF_H
#define _LEASED_BUF_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * The realtime signal a lease break is delivered with (F_SETSIG).  A
 * realtime signal carries si_fd, the descriptor the lease was set
 * through, and queues instead of merging with other signals.
 */
#define LEASE_SIG		(SIGRTMIN + 1)

/* Retrying the lease while a layout change is under way (see below). */
#define LEASE_RETRY_FIRST_MS	5
#define LEASE_RETRY_MAX_MS	128
#define LEASE_RETRY_GIVE_UP_MS	(120 * 1000)

struct leased_buf {
	const char *path;
	int fd;			/* open O_RDWR for the program's lifetime */
	void *addr;		/* the whole file, mapped MAP_SHARED ... */
	size_t len;		/* ... while the lease is held; else NULL, 0 */
	bool dax;		/* the file is DAX (statx STATX_ATTR_DAX) */
};

/* Block @sigs[0..n-1] and return a signalfd for them, or -1 (errno). */
int signals_to_fd(const int *sigs, int n);

/* Open @path for leasing; -errno on failure. */
int leased_buf_open(struct leased_buf *b, const char *path);

/*
 * Take the layout lease, then map the file's current size.  -EAGAIN
 * while a layout change of the file is under way: try again later.
 */
int leased_buf_lease(struct leased_buf *b);

/* Unmap and release the lease (the caller has deregistered). */
int leased_buf_release(struct leased_buf *b);

void leased_buf_close(struct leased_buf *b);

/* Arm (@ms > 0) or disarm (@ms == 0) a timerfd, once. */
int timer_arm(int tfd, unsigned int ms);

/* Consume a timerfd expiry; true when it did expire. */
bool timer_expired(int tfd);

/* A progress line on stdout: "[seconds] program[pid]: text". */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* _LEASED_BUF_H */
