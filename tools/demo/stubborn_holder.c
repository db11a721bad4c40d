// SPDX-License-Identifier: GPL-2.0
/*
 * stubborn_holder FILE: the application the demo must survive.  It takes
 * a layout lease on FILE, registers the whole file with rxe0 for RDMA,
 * and then ignores every break: the module revokes its pins at the break
 * timeout.  With revoke=fence (the default) its MR is destroyed and it
 * lives on: it watches its lease, and once the lease is gone reports what
 * a new registration gets; with revoke=kill it is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include <linux/layout_lease.h>

#define BREAK_SIG	(SIGRTMIN + 1)

static void say(const char *fmt, const char *arg)
{
	struct timespec ts;

	/* as the examples' progress lines: the kernel log's clock */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	printf("[%5ld.%06ld] stubborn_holder[%d]: ", (long)ts.tv_sec,
	       ts.tv_nsec / 1000, getpid());
	printf(fmt, arg);
	putchar('\n');
	fflush(stdout);
}

static struct ibv_pd *rxe0_pd(void)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), "rxe0"))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	return ctx ? ibv_alloc_pd(ctx) : NULL;
}

int main(int argc, char **argv)
{
	struct signalfd_siginfo si;
	struct pollfd p;
	struct ibv_pd *pd;
	struct stat st;
	sigset_t set;
	void *buf;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: stubborn_holder FILE\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, BREAK_SIG);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pd = rxe0_pd();
	fd = open(argv[1], O_RDWR);
	if (!pd || fd < 0 || fstat(fd, &st) ||
	    fcntl(fd, F_SETSIG, BREAK_SIG) ||
	    fcntl(fd, F_SETLEASE, F_LAYOUT | F_RDLCK)) {
		say("error: %s", strerror(errno));
		return 1;
	}
	buf = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   0);
	if (buf == MAP_FAILED ||
	    !ibv_reg_mr(pd, buf, st.st_size, IBV_ACCESS_LOCAL_WRITE |
			IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ)) {
		say("error: registering the file: %s", strerror(errno));
		return 1;
	}
	say("leased and registered %s; breaks will be ignored", argv[1]);
	p = (struct pollfd){ .fd = signalfd(-1, &set, 0), .events = POLLIN };
	while (poll(&p, 1, -1) < 0 || read(p.fd, &si, sizeof(si)) != sizeof(si))
		;
	say("break signal: %s", "ignored");
	/* the lease goes at the break timeout, once the MR is revoked */
	while (fcntl(fd, F_GETLEASE) & F_LAYOUT)
		usleep(10000);
	say("the lease is gone; %s", "still running");
	errno = 0;
	if (!ibv_reg_mr(pd, buf, 4096, IBV_ACCESS_LOCAL_WRITE))
		say("a new registration fails: %s", strerror(errno));
	for (;;)
		pause();
}
