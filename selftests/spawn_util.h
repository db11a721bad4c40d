/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Programs run by the selftests as a user would run them: stdin and
 * stdout on pipes, each output line echoed to the TAP log, and the test
 * synchronised on the lines the program prints and on its exit (a pidfd),
 * each with a deadline, never on sleeps.
 */
#ifndef _LL_SPAWN_UTIL_H
#define _LL_SPAWN_UTIL_H

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "lease_util.h"

struct child {
	const char *tag;	/* its name in the log */
	pid_t pid;		/* 0: not running */
	int pidfd;
	int in;			/* its stdin, -1 once closed */
	int out;		/* its stdout and stderr */
	char buf[8192];		/* output not yet returned as lines */
	size_t len;
};

/* Run @argv with its stdin and stdout on pipes; 0 or -errno. */
static inline int child_start(struct child *c, const char *tag,
			      char *const argv[])
{
	int in[2], out[2], err;

	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->in = -1;
	c->out = -1;
	c->pidfd = -1;
	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	fflush(stderr);
	c->pid = fork();
	err = c->pid < 0 ? -errno : 0;
	if (c->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(out[1], 2) < 0)
			_exit(126);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = out[0];
	if (err)
		return err;	/* child_stop() closes the pipes */
	c->pidfd = syscall(SYS_pidfd_open, c->pid, 0);
	return c->pidfd < 0 ? -errno : 0;
}

/* Write a line to the child's stdin. */
static inline int child_send(struct child *c, const char *line)
{
	size_t n = strlen(line);

	if (write(c->in, line, n) != (ssize_t)n || write(c->in, "\n", 1) != 1)
		return -errno;
	return 0;
}

/* Take the next whole line out of c->buf into @line, if there is one. */
static inline bool child_take_line(struct child *c, char *line, size_t len)
{
	char *nl = memchr(c->buf, '\n', c->len);
	size_t n;

	if (!nl && c->len < sizeof(c->buf) - 1)
		return false;
	n = nl ? (size_t)(nl - c->buf) : c->len;
	snprintf(line, len, "%.*s", (int)n, c->buf);
	n += nl ? 1 : 0;
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
	fprintf(stderr, "#   %s| %s\n", c->tag, line);
	return true;
}

/*
 * Wait up to @ms for a line of output containing @want (earlier lines
 * are logged and skipped); the line is left in @line.  0, -ETIMEDOUT, or
 * -EPIPE when the output ended first.
 */
static inline int child_expect(struct child *c, const char *want, char *line,
			       size_t len, int ms)
{
	double end = ll_now() + ms / 1000.0;
	struct pollfd p = { .fd = c->out, .events = POLLIN };

	for (;;) {
		ssize_t n;
		int left;

		while (child_take_line(c, line, len))
			if (strstr(line, want))
				return 0;
		left = (int)((end - ll_now()) * 1000);
		if (poll(&p, 1, left > 0 ? left : 0) != 1)
			return -ETIMEDOUT;
		n = read(c->out, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
		if (n <= 0) {
			if (c->len) {	/* a last line without newline */
				c->buf[c->len++] = '\n';
				continue;
			}
			return -EPIPE;
		}
		c->len += n;
	}
}

/* Log the rest of the output until it ends (or @ms passes). */
static inline void child_drain(struct child *c, int ms)
{
	char line[1024];

	while (child_expect(c, "", line, sizeof(line), ms) == 0)
		;
}

/*
 * Wait up to @ms for the child to exit; its wait status, or -ETIMEDOUT
 * (it is still running).  Its output is logged to the end.
 */
static inline int child_wait(struct child *c, int ms)
{
	struct pollfd p = { .fd = c->pidfd, .events = POLLIN };
	int st;

	if (poll(&p, 1, ms) != 1)
		return -ETIMEDOUT;
	if (waitpid(c->pid, &st, 0) != c->pid)
		return -errno;
	c->pid = 0;
	child_drain(c, 0);
	return st;
}

/* Has the child exited (without reaping it)? */
static inline bool child_exited(struct child *c)
{
	struct pollfd p = { .fd = c->pidfd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/* Kill the child if it still runs, reap it and close the pipes. */
static inline void child_stop(struct child *c)
{
	if (!c->tag)
		return;		/* never started */
	if (c->pid > 0) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	if (c->in >= 0)
		close(c->in);
	if (c->out >= 0)
		close(c->out);
	if (c->pidfd >= 0)
		close(c->pidfd);
	memset(c, 0, sizeof(*c));	/* tag NULL: stopped */
}

#endif /* _LL_SPAWN_UTIL_H */
