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
	int out;		/* its stdout, and its stderr unless split */
	int err;		/* its stderr when split off, else -1 */
	char buf[8192];		/* output not yet returned as lines */
	size_t len;
};

/*
 * Run @argv with its stdin and stdout on pipes, its stderr on a pipe of
 * its own (c->err) if @split_err, else on stdout's; 0 or -errno.  It
 * inherits no other descriptor: none of the test's leases follows it.
 */
static inline int child_spawn(struct child *c, const char *tag,
			      char *const argv[], bool split_err)
{
	int in[2], out[2], errp[2] = { -1, -1 }, err;

	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->in = -1;
	c->out = -1;
	c->err = -1;
	c->pidfd = -1;
	if (pipe2(in, O_CLOEXEC))
		return -errno;
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		return -errno;
	}
	if (split_err && pipe2(errp, O_CLOEXEC)) {
		err = -errno;
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		return err;
	}
	fflush(stderr);
	c->pid = fork();
	err = c->pid < 0 ? -errno : 0;
	if (c->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 ||
		    dup2(split_err ? errp[1] : out[1], 2) < 0)
			_exit(126);
		close_range(3, ~0U, 0);
		execvp(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->in = in[1];
	c->out = out[0];
	if (split_err) {
		close(errp[1]);
		c->err = errp[0];
	}
	if (err)
		return err;	/* child_stop() closes the pipes */
	c->pidfd = syscall(SYS_pidfd_open, c->pid, 0);
	return c->pidfd < 0 ? -errno : 0;
}

/* Run @argv with its stdin and its stdout and stderr on pipes. */
static inline int child_start(struct child *c, const char *tag,
			      char *const argv[])
{
	return child_spawn(c, tag, argv, false);
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

/*
 * Read @fd to its end, for at most @ms, into @buf of @size (what does
 * not fit is dropped), NUL-terminated; its length, or -ETIMEDOUT.
 */
static inline ssize_t child_read_all(int fd, char *buf, size_t size, int ms)
{
	double end = ll_now() + ms / 1000.0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char drop[4096];
	size_t len = 0;
	ssize_t n;
	int left;

	for (;;) {
		buf[len] = '\0';
		left = (int)((end - ll_now()) * 1000);
		if (poll(&p, 1, left > 0 ? left : 0) != 1)
			return -ETIMEDOUT;
		if (len < size - 1)
			n = read(fd, buf + len, size - 1 - len);
		else
			n = read(fd, drop, sizeof(drop));
		if (n <= 0)
			return len;
		if (len < size - 1)
			len += n;
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

/* The exit status of wait status @st as a shell shows it, or -1. */
static inline int child_status(int st)
{
	if (st < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
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
	if (c->err >= 0)
		close(c->err);
	if (c->pidfd >= 0)
		close(c->pidfd);
	memset(c, 0, sizeof(*c));	/* tag NULL: stopped */
}

/*
 * Send @sig to the child if it still runs and give it @ms to exit, so
 * that it can clean up; then child_stop() it.
 */
static inline void child_end(struct child *c, int sig, int ms)
{
	if (c->tag && c->pid > 0 && !kill(c->pid, sig))
		child_wait(c, ms);
	child_stop(c);
}

#endif /* _LL_SPAWN_UTIL_H */
