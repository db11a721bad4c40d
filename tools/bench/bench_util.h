/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What llbench and llprof share: errors, files, mappings, the soft-RoCE
 * device and the owner of a lease that a breaker breaks (P4).
 */
#ifndef LL_BENCH_UTIL_H
#define LL_BENCH_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <infiniband/verbs.h>
#include <linux/layout_lease.h>

#define PAGE		4096UL
#define BREAK_SIG	(SIGRTMIN + 1)

/* "PROGRAM: error: what (errno's text)", and exit 1 */
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "%s: error: ", program_invocation_short_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (%s)\n", strerror(err));
	exit(1);
}

/* @path, @len bytes of data, open read-write */
static int make_file(const char *path, size_t len)
{
	static char buf[1 << 20];
	size_t done;
	int fd;

	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("open %s", path);
	if (!buf[0])
		memset(buf, 0x5a, sizeof(buf));
	for (done = 0; done < len; done += sizeof(buf)) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n)
			die("write %s", path);
	}
	return fd;
}

static struct ibv_context *open_rxe0(void)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	int i, n;

	list = ibv_get_device_list(&n);
	for (i = 0; list && i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), "rxe0"))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	if (!ctx)
		die("no rxe0");
	return ctx;
}

/* every page present before it is registered */
static void touch(void *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += PAGE)
		((volatile char *)buf)[i] = ((volatile char *)buf)[i];
}

/* @path made @len bytes long and mapped shared, its pages present */
static void *map_file(const char *path, size_t len)
{
	void *buf;
	int fd = make_file(path, len);

	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (buf == MAP_FAILED)
		die("mmap %s", path);
	close(fd);
	touch(buf, len);
	return buf;
}

/*
 * The owner of the lease a P4 breaker breaks, in a child: @n rounds of
 * truncating @path to two pages, taking the lease (@layout or classic)
 * with BREAK_SIG, saying so on @ready and waiting for @done.  Its signal
 * handler calls owner_at_break(owner_round) first, then releases.
 */
static void (*owner_at_break)(int round);
static int owner_fd, owner_round;

static void owner_on_break(int sig, siginfo_t *si, void *uc)
{
	if (owner_at_break)
		owner_at_break(owner_round);
	fcntl(owner_fd, F_SETLEASE, F_UNLCK);
}

static void __attribute__((noreturn))
lease_owner(const char *path, int layout, int n, int ready, int done)
{
	struct sigaction sa = { .sa_sigaction = owner_on_break,
				.sa_flags = SA_SIGINFO | SA_RESTART };
	char c;

	sigaction(BREAK_SIG, &sa, NULL);
	owner_fd = open(path, O_RDONLY);
	for (owner_round = 0; owner_round < n; owner_round++) {
		if (truncate(path, 2 * PAGE))
			_exit(errno);
		if (fcntl(owner_fd, F_SETSIG, BREAK_SIG) ||
		    fcntl(owner_fd, F_SETLEASE, layout ?
			  F_LAYOUT | F_RDLCK : F_RDLCK))
			_exit(100 + errno);
		if (write(ready, "r", 1) != 1 || read(done, &c, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

/*
 * Make @path and start its lease owner (lease_owner()) in a child; the
 * parent's ends of the pipes go to *@ready (a byte when the lease is set)
 * and *@done (a byte when the round is over).
 */
static pid_t start_lease_owner(const char *path, int layout, int n,
			       void (*at_break)(int round), int *ready,
			       int *done)
{
	int r[2], d[2];
	pid_t pid;

	if (pipe(r) || pipe(d))
		die("pipe");
	close(make_file(path, 2 * PAGE));
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		close(r[0]);
		close(d[1]);
		owner_at_break = at_break;
		lease_owner(path, layout, n, r[1], d[0]);
	}
	close(r[1]);
	close(d[0]);
	*ready = r[0];
	*done = d[1];
	return pid;
}

#endif /* LL_BENCH_UTIL_H */
