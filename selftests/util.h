/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the layoutlease selftests.
 */
#ifndef _LL_SELFTEST_UTIL_H
#define _LL_SELFTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

/* The test filesystems set up by tools/vm/guest-setup. */
#define MNT_DAX_XFS	"/mnt/dax-xfs"
#define MNT_DAX_EXT4	"/mnt/dax-ext4"
#define MNT_XFS		"/mnt/xfs"
#define MNT_TMPFS	"/mnt/tmpfs"

#ifndef STATX_ATTR_DAX
#define STATX_ATTR_DAX	0x00200000
#endif

/* Is the running kernel @maj.@min or later? */
static inline int ll_kernel_at_least(int maj, int min)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return 0;
	return a > maj || (a == maj && b >= min);
}

/*
 * How many times slower the running kernel is than a stock one, for the
 * time limits and the timing of races: LL_DEBUG_SLOWNESS on the debug
 * kernel (tools/vm/debug-kernel, release *-lldebug: KASAN, lockdep and
 * kmemleak under TCG), 1 elsewhere.  selftests/run_all has the same
 * factor for a program's time limit (Documentation/testing.rst).
 */
#define LL_DEBUG_SLOWNESS	8

static inline int ll_slowness(void)
{
	static const char debug[] = "-lldebug";
	struct utsname u;
	size_t n;

	if (uname(&u))
		return 1;
	n = strlen(u.release);
	return n >= sizeof(debug) - 1 &&
	       !strcmp(u.release + n - (sizeof(debug) - 1), debug) ?
	       LL_DEBUG_SLOWNESS : 1;
}

/*
 * The harness's main(), with the time limit of each test (its
 * TEST_F_TIMEOUT(), or the harness's 30 s) times ll_slowness().
 */
#ifndef TEST_HARNESS_MAIN
#error "include kselftest_harness.h before util.h"
#endif
#undef TEST_HARNESS_MAIN
#define TEST_HARNESS_MAIN \
	static void __attribute__((constructor)) \
	__constructor_order_last(void) \
	{ \
		if (!__constructor_order) \
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	} \
	int main(int argc, char **argv) \
	{ \
		struct __fixture_metadata *f; \
		struct __test_metadata *t; \
		int k = ll_slowness(); \
		\
		for (f = __fixture_list; f; f = f->next) \
			for (t = f->tests; t; t = t->next) \
				t->timeout *= k; \
		return test_harness_run(argc, argv); \
	}

/* Path of @rel in the build tree, the parent of selftests/. */
static inline void ll_tree_path(char *buf, size_t len, const char *rel)
{
	char exe[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	exe[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/../%s", exe, rel);
}

/* Path of layoutlease.ko */
static inline void ll_module_path(char *buf, size_t len)
{
	ll_tree_path(buf, len, "layoutlease.ko");
}

static inline int ll_module_loaded(void)
{
	return access("/sys/module/layoutlease", F_OK) == 0;
}

/* Run a shell command; returns its exit status, or -1. */
static inline int ll_sh(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline int ll_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Create DIR/NAME of LEN bytes filled with byte C; returns an O_RDWR fd. */
static inline int ll_make_file(const char *dir, const char *name, size_t len,
			       int c, char *path, size_t plen)
{
	char buf[4096];
	size_t done;
	int fd;

	snprintf(path, plen, "%s/%s", dir, name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return -1;
	memset(buf, c, sizeof(buf));
	for (done = 0; done < len; done += sizeof(buf)) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Send @n descriptors (at most 4) over a unix socket with SCM_RIGHTS. */
static inline int ll_send_fds(int sock, const int *fds, int n)
{
	char cbuf[CMSG_SPACE(4 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "f", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = CMSG_SPACE(n * sizeof(int)),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

/* Receive one descriptor sent with ll_send_fds(); -1 on failure. */
static inline int ll_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	int fd;

	if (recvmsg(sock, &msg, 0) != 1 || !CMSG_FIRSTHDR(&msg))
		return -1;
	memcpy(&fd, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	return fd;
}

#endif /* _LL_SELFTEST_UTIL_H */
