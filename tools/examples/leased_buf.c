// SPDX-License-Identifier: GPL-2.0
/*
 * A file mapping under a layout lease: the lease protocol every RDMA
 * application that registers file memory (a DAX file above all) follows.
 *
 *   lease:   F_SETSIG, F_SETOWN, F_SETLEASE(F_LAYOUT | F_RDLCK), fstat(),
 *            mmap(MAP_SHARED), then the caller registers the mapping
 *   break:   the F_SETSIG signal arrives with si_fd; the caller quiesces
 *            its peers and deregisters, then leased_buf_release() unmaps
 *            and returns the lease (F_UNLCK): the truncate, hole punch or
 *            other layout change goes ahead
 *   again:   leased_buf_lease() once more.  While a truncate or
 *            fallocate() is under way (from its break until it ends) a new
 *            layout lease is refused with EAGAIN, so that nobody pins
 *            blocks that are about to be freed.  No event says when it
 *            ends: the callers retry with a doubling delay
 *            (LEASE_RETRY_*_MS) from a timer in their event loop.
 *
 *            The first attempt waits too.  XFS breaks layout leases on
 *            every write(), and a new lease is not refused while such a
 *            writer waits: a holder that leases again at once can get
 *            each new lease broken in turn while the writer never gets
 *            through.
 *
 * The lease belongs to the open file description, and releasing it
 * clears F_SETSIG and F_SETOWN, so they are set again before every lease.
 * The size is read after the lease is taken: a truncate has to break the
 * lease first, so the size cannot shrink under the mapping until the
 * lease is released.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/layout_lease.h>

#include "leased_buf.h"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX	0x00200000
#endif

int signals_to_fd(const int *sigs, int n)
{
	sigset_t set;
	int i;

	sigemptyset(&set);
	for (i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	/*
	 * Blocked in every thread (call this before any library starts
	 * one), the signals stay pending until the event loop reads them
	 * from the signalfd: no signal handler, no async-signal-safety.
	 */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

int leased_buf_open(struct leased_buf *b, const char *path)
{
	struct statx stx;

	memset(b, 0, sizeof(*b));
	b->path = path;
	b->fd = open(path, O_RDWR | O_CLOEXEC);
	if (b->fd < 0)
		return -errno;
	if (!statx(b->fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx))
		b->dax = stx.stx_attributes & STATX_ATTR_DAX;
	return 0;
}

int leased_buf_lease(struct leased_buf *b)
{
	struct stat st;
	int err;

	if (fcntl(b->fd, F_SETSIG, LEASE_SIG) ||
	    fcntl(b->fd, F_SETOWN, getpid()) ||
	    fcntl(b->fd, F_SETLEASE, F_LAYOUT | F_RDLCK))
		return -errno;
	if (fstat(b->fd, &st)) {
		err = -errno;
		goto release;
	}
	if (st.st_size == 0) {
		err = -ENODATA;		/* nothing to map */
		goto release;
	}
	b->addr = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       b->fd, 0);
	if (b->addr == MAP_FAILED) {
		err = -errno;
		b->addr = NULL;
		goto release;
	}
	b->len = st.st_size;
	return 0;
release:
	fcntl(b->fd, F_SETLEASE, F_UNLCK);
	return err;
}

int leased_buf_release(struct leased_buf *b)
{
	if (b->addr && munmap(b->addr, b->len))
		return -errno;
	b->addr = NULL;
	b->len = 0;
	return fcntl(b->fd, F_SETLEASE, F_UNLCK) ? -errno : 0;
}

void leased_buf_close(struct leased_buf *b)
{
	if (b->addr)
		leased_buf_release(b);
	if (b->fd >= 0)
		close(b->fd);	/* the lease goes with the last close anyway */
	b->fd = -1;
}

int timer_arm(int tfd, unsigned int ms)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = ms / 1000,
			      .tv_nsec = (ms % 1000) * 1000000L },
	};

	return timerfd_settime(tfd, 0, &its, NULL) ? -errno : 0;
}

bool timer_expired(int tfd)
{
	unsigned long long n;

	return read(tfd, &n, sizeof(n)) == sizeof(n) && n;
}

void say(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	/* CLOCK_MONOTONIC: the same clock as the kernel log's timestamps */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("[%5ld.%06ld] %s[%d]: ", (long)ts.tv_sec, ts.tv_nsec / 1000,
	       program_invocation_short_name, getpid());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}
