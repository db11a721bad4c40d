/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Layout lease helpers for the selftests: a lease holder in a child
 * process that reports each break over a pipe.  Tests synchronise on
 * those reports and on waitpid(), never on sleeps.
 */
#ifndef _LL_LEASE_UTIL_H
#define _LL_LEASE_UTIL_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <linux/layout_lease.h>
#include <libgen.h>
#include <sys/ioctl.h>
#include <xfs/xfs.h>

#include "util.h"

#define LL_SHARED	(F_LAYOUT | F_RDLCK)
#define LL_EXCL		(F_LAYOUT | F_RDLCK | F_EXCLUSIVE)
#define LL_SIG		(SIGRTMIN + 2)
/* a report later than this is a failure (more on a slower kernel) */
#define LL_REPORT_MS	(60000 * ll_slowness())

/* fcntl(F_SETLEASE) as 0 or -errno */
static inline int ll_setlease(int fd, int arg)
{
	return fcntl(fd, F_SETLEASE, arg) ? -errno : 0;
}

static inline int ll_getlease(int fd)
{
	return fcntl(fd, F_GETLEASE);
}

enum holder_mode {
	HOLD_COOPERATE,		/* release on the first break */
	HOLD_IGNORE,		/* never release; exit when told */
};

/* What the holder reports about a break. */
struct holder_report {
	int lease_fd;		/* the fd it leased */
	int sig_fd;
	int sig_code;
	long sig_band;
	int released;		/* F_UNLCK result: 0 or -errno */
	int extra;		/* signals after the first, at exit */
};

struct holder {
	pid_t pid;
	int to_child;		/* write: 'x' = check and exit */
	int from_child;		/* read: 'R' ready, then a holder_report */
	struct holder_report rep;
};

static inline int ll_read_full(int fd, void *buf, size_t len, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t done = 0;

	while (done < len) {
		ssize_t n;

		if (poll(&p, 1, ms) != 1)
			return -ETIMEDOUT;
		n = read(fd, (char *)buf + done, len - done);
		if (n <= 0)
			return -EPIPE;
		done += n;
	}
	return 0;
}

/* Count the signals queued on signalfd @sfd without waiting. */
static inline int ll_drain_signals(int sfd)
{
	struct signalfd_siginfo si;
	struct pollfd p = { .fd = sfd, .events = POLLIN };
	int n = 0;

	while (poll(&p, 1, 0) == 1 && read(sfd, &si, sizeof(si)) == sizeof(si))
		n++;
	return n;
}

static inline void holder_child(const char *path, int arg,
				enum holder_mode mode, int in, int out)
{
	struct holder_report rep = { 0 };
	struct signalfd_siginfo si;
	struct pollfd p[2];
	sigset_t set;
	int sfd;
	char c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigemptyset(&set);
	sigaddset(&set, LL_SIG);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, 0);
	/* a classic read lease needs a file nobody has open for writing */
	rep.lease_fd = open(path, (arg & F_LAYOUT) ? O_RDWR : O_RDONLY);
	if (sfd < 0 || rep.lease_fd < 0 ||
	    fcntl(rep.lease_fd, F_SETSIG, LL_SIG) ||
	    ll_setlease(rep.lease_fd, arg))
		_exit(2);
	if (write(out, "R", 1) != 1)
		_exit(3);
	/* a break, or the parent's word to exit */
	p[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	p[1] = (struct pollfd){ .fd = in, .events = POLLIN };
	if (poll(p, 2, -1) < 1)
		_exit(4);
	/*
	 * poll() looks at sfd, then at in, in one pass: a break queued
	 * after the look at sfd and before the parent's word is seen with
	 * only in ready.  The parent writes 'x' after what it expects to
	 * break the lease, whose signal is queued before that returns: once
	 * 'x' is there, a look at sfd again sees every break there was.
	 */
	if (!(p[0].revents & POLLIN) && poll(p, 1, 0) != 1)
		_exit(0);		/* told to exit, never broken */
	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		_exit(5);
	rep.sig_fd = si.ssi_fd;
	rep.sig_code = si.ssi_code;
	rep.sig_band = si.ssi_band;
	rep.released = mode == HOLD_COOPERATE ?
		       ll_setlease(rep.lease_fd, F_UNLCK) : 1;
	if (read(in, &c, 1) != 1)
		_exit(6);
	rep.extra = ll_drain_signals(sfd);
	if (write(out, &rep, sizeof(rep)) != sizeof(rep))
		_exit(7);
	_exit(0);
}

/* Start a holder of a lease of type @arg on @path; 0 once it holds it. */
static inline int holder_start(struct holder *h, const char *path, int arg,
			       enum holder_mode mode)
{
	int down[2], up[2];
	char c;

	memset(h, 0, sizeof(*h));
	if (pipe(down) || pipe(up))
		return -errno;
	h->pid = fork();
	if (h->pid < 0)
		return -errno;
	if (h->pid == 0) {
		close(down[1]);
		close(up[0]);
		holder_child(path, arg, mode, down[0], up[1]);
	}
	close(down[0]);
	close(up[1]);
	h->to_child = down[1];
	h->from_child = up[0];
	return ll_read_full(h->from_child, &c, 1, LL_REPORT_MS);
}

/*
 * Tell the holder to finish and collect its report.  Returns 1 when it
 * saw a break (h->rep filled in), 0 when it saw none, -errno on failure.
 * A break counts when its signal was queued before this call: call it
 * once what should (or should not) break the lease has returned.
 */
static inline int holder_finish(struct holder *h)
{
	int st, ret;

	if (write(h->to_child, "x", 1) != 1)
		return -EPIPE;
	ret = ll_read_full(h->from_child, &h->rep, sizeof(h->rep),
			   LL_REPORT_MS);
	if (waitpid(h->pid, &st, 0) != h->pid)
		return -ECHILD;
	close(h->to_child);
	close(h->from_child);
	if (!ret)
		return 1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EIO;
}

/* Read a sysfs/procfs integer; -1 when it cannot be read. */
static inline long ll_read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static inline int ll_write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -errno;
	ret = fprintf(f, "%ld\n", v) > 0 ? 0 : -EIO;
	return fclose(f) ? -errno : ret;
}

#define LL_PARAM(name)	"/sys/module/layoutlease/parameters/" name
/* the tracing file system, for the tests that trace */
#define TRACEFS		"/sys/kernel/tracing"

/* A counter from /proc/fs/layoutlease/stats, or -1. */
static inline long ll_stat(const char *name)
{
	FILE *f = fopen("/proc/fs/layoutlease/stats", "r");
	char key[64];
	long v, found = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", key, &v) == 2)
		if (!strcmp(key, name))
			found = v;
	fclose(f);
	return found;
}

/*
 * Is the file the /proc line names by @maj:@min:@ino the one @st describes?
 * An inode number alone is not: the test filesystems number their inodes
 * alike.
 */
static inline bool ll_same_file(const struct stat *st, unsigned int maj,
				unsigned int min, unsigned long ino)
{
	return maj == major(st->st_dev) && min == minor(st->st_dev) &&
	       ino == st->st_ino;
}

/* How many lines of /proc/locks describe a lease on file @st. */
static inline int ll_proc_locks_leases(const struct stat *st)
{
	FILE *f = fopen("/proc/locks", "r");
	char line[256], kind[16];
	unsigned int maj, min;
	unsigned long i;
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%*d: %15s %*s %*s %*d %x:%x:%lu",
			   kind, &maj, &min, &i) == 4 &&
		    !strcmp(kind, "LEASE") && ll_same_file(st, maj, min, i))
			n++;
	fclose(f);
	return n;
}

/* A truncate in another process; returns its pid; it exits with errno. */
static inline pid_t ll_truncate_elsewhere(const char *path, off_t len)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd;

		close_range(3, ~0U, 0);
		fd = open(path, O_RDWR);
		_exit(fd >= 0 && !ftruncate(fd, len) ? 0 : errno);
	}
	return pid;
}

static inline off_t ll_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

/* the ABI layoutlease reads (xfs_change.c: struct ll_xfs_swapext) */
_Static_assert(offsetof(struct xfs_swapext, sx_length) == 32 &&
	       offsetof(struct xfs_swapext, sx_stat.bs_mtime) == 112 &&
	       offsetof(struct xfs_swapext, sx_stat.bs_ctime) == 128,
	       "struct xfs_swapext");

enum ll_swap_mode { LL_SWAP_TARGET, LL_SWAP_TMP, LL_SWAP_STALE };

/*
 * XFS_IOC_SWAPEXT (xfs_fsr's extent swap) in another process, of @path
 * (@len bytes) and a new sibling file of @len bytes: @path is the target,
 * or (LL_SWAP_TMP) the temporary file.  XFS refuses (EINVAL) a temporary
 * file with more extents than the target, so the sibling as the temporary
 * file is all hole (no extent: @path reads zeros after the swap), and as
 * the target it is one 's' block in two (more extents than @path has):
 * @path then begins with 's'.  LL_SWAP_STALE passes target times older
 * than the target's, as a caller that raced a change would.  It exits
 * with the errno.
 */
static inline pid_t ll_swapext_elsewhere(const char *path, off_t len,
					 enum ll_swap_mode mode)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct xfs_swapext sx = {
			.sx_version = XFS_SX_VERSION,
			.sx_length = len,
		};
		char dir[PATH_MAX], sib[PATH_MAX];
		int fd, sfd, target, ret;
		struct stat st;
		off_t off;

		close_range(3, ~0U, 0);
		snprintf(dir, sizeof(dir), "%s", path);
		sfd = ll_make_file(dirname(dir), "swap.dat", 0, 's', sib,
				   sizeof(sib));
		if (sfd < 0 || ftruncate(sfd, len))
			_exit(255);
		for (off = 0; mode == LL_SWAP_TMP && off < len; off += 8192)
			if (pwrite(sfd, "s", 1, off) != 1)
				_exit(255);
		fd = open(path, O_RDWR);
		target = mode == LL_SWAP_TMP ? sfd : fd;
		if (fd < 0 || fsync(sfd) || fstat(target, &st))
			_exit(255);
		sx.sx_fdtarget = target;
		sx.sx_fdtmp = mode == LL_SWAP_TMP ? fd : sfd;
		sx.sx_stat.bs_mtime.tv_sec = st.st_mtim.tv_sec;
		sx.sx_stat.bs_mtime.tv_nsec = st.st_mtim.tv_nsec;
		sx.sx_stat.bs_ctime.tv_sec = st.st_ctim.tv_sec;
		sx.sx_stat.bs_ctime.tv_nsec = st.st_ctim.tv_nsec;
		if (mode == LL_SWAP_STALE)
			sx.sx_stat.bs_ctime.tv_sec--;
		ret = ioctl(target, XFS_IOC_SWAPEXT, &sx) ? errno : 0;
		unlink(sib);
		_exit(ret);
	}
	return pid;
}

/* One line of /proc/fs/layoutlease/pins. */
struct pin_line {
	unsigned long long umem;
	int pid;
	char comm[32];
	unsigned int maj, min;
	unsigned long ino;
	long long start, end;
	unsigned long pages;
	char lease[24];
	unsigned int access;
};

/* The /proc/fs/layoutlease/pins lines of file @st: count, first in @p */
static inline int pin_lines(const struct stat *st, struct pin_line *p)
{
	FILE *f = fopen("/proc/fs/layoutlease/pins", "r");
	struct pin_line l;
	char buf[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		if (sscanf(buf, "%llu %d (%31[^)]) %u:%u:%lu %lld-%lld %lu %23s %x",
			   &l.umem, &l.pid, l.comm, &l.maj, &l.min, &l.ino,
			   &l.start, &l.end, &l.pages, l.lease,
			   &l.access) != 11 ||
		    !ll_same_file(st, l.maj, l.min, l.ino))
			continue;
		if (!n++ && p)
			*p = l;
	}
	fclose(f);
	return n;
}

/* A line of /proc/fs/layoutlease/leases (Documentation/admin-guide.rst) */
struct ll_lease_line {
	unsigned long long id;
	int pid, fd;
	unsigned int maj, min;
	unsigned long ino;
	char mode[16], state[16];
	unsigned int ms, pins;
	long pages;
};

/* The line of the lease on file @st; 1 if found, 0 if not, -1. */
static inline int ll_lease_line(const struct stat *st, struct ll_lease_line *l)
{
	FILE *f = fopen("/proc/fs/layoutlease/leases", "r");
	char buf[256];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(buf, sizeof(buf), f))
		found = sscanf(buf, "%llu %d %d %u:%u:%lu %15s %15s %u %u %ld",
			       &l->id, &l->pid, &l->fd, &l->maj, &l->min,
			       &l->ino, l->mode, l->state, &l->ms, &l->pins,
			       &l->pages) == 11 &&
			ll_same_file(st, l->maj, l->min, l->ino);
	fclose(f);
	return found;
}

/* pins and pages of the lease on file @st in /proc/fs/layoutlease/leases */
static inline int lease_pins(const struct stat *st, unsigned long long *id,
			     int *pins, long *pages)
{
	struct ll_lease_line l;
	int ret = ll_lease_line(st, &l);

	if (ret == 1) {
		*id = l.id;
		*pins = l.pins;
		*pages = l.pages;
	}
	return ret;
}

static inline double ll_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Poll the stats until @name is @want, for counters no event announces;
 * 0 when it is, -ETIMEDOUT after 30 s.
 */
static inline int ll_wait_stat(const char *name, long want)
{
	double end = ll_now() + 30;

	while (ll_stat(name) != want) {
		if (ll_now() > end)
			return -ETIMEDOUT;
		usleep(10000);
	}
	return 0;
}

/*
 * The module as every test expects it, for FIXTURE_TEARDOWN: loaded with
 * the fcntl hook, and its writable parameters at their defaults.
 */
static inline void ll_module_restore(void)
{
	long timeout = ll_read_long("/proc/sys/fs/lease-break-time") * 1000;
	char ko[PATH_MAX];

	ll_module_path(ko, sizeof(ko));
	if (ll_module_loaded() && ll_sh("grep -qx Y " LL_PARAM("hook_fcntl")))
		ll_sh("rmmod layoutlease");
	if (!ll_module_loaded())
		ll_sh("insmod %s", ko);
	ll_write_long(LL_PARAM("break_timeout_ms"), timeout);
	ll_sh("echo fence > " LL_PARAM("revoke") "; echo 0 > "
	      LL_PARAM("require_lease") "; echo 1 > " LL_PARAM("dax_pins"));
	ll_sh("echo deny > " LL_PARAM("implicit") "; echo dax > "
	      LL_PARAM("implicit_scope"));
}

/* Wait for @pid to exit for up to @secs; its status, or -ETIMEDOUT. */
static inline int ll_wait_exit(pid_t pid, int secs)
{
	double end = ll_now() + secs;
	int st;

	while (ll_now() < end) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			return st;
		if (r < 0)
			return -errno;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* Mark the kernel log: ll_dmesg_wait() looks only after the mark. */
static inline void ll_dmesg_mark(void)
{
	ll_sh("echo layoutlease-selftest-mark-%d > /dev/kmsg", getpid());
}

/*
 * Poll the kernel log after this process's last ll_dmesg_mark() for a
 * line matching the grep pattern @re (no single quotes); 0 once it is
 * there, -ETIMEDOUT after 30 s.
 */
static inline int ll_dmesg_wait(const char *re)
{
	double end = ll_now() + 30;

	while (ll_sh("dmesg | sed -n '/layoutlease-selftest-mark-%d$/,$p' | grep -q -- '%s'",
		     getpid(), re)) {
		if (ll_now() > end)
			return -ETIMEDOUT;
		usleep(20000);
	}
	return 0;
}

/* Block @sig and return a signalfd for it. */
static inline int ll_sig_fd(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, 0);
}

/* Wait up to @ms for a signal on signalfd @sfd; its si_fd, or -1. */
static inline int ll_wait_sig(int sfd, int ms)
{
	struct pollfd p = { .fd = sfd, .events = POLLIN };
	struct signalfd_siginfo si;

	if (poll(&p, 1, ms) != 1 || read(sfd, &si, sizeof(si)) != sizeof(si))
		return -1;
	return si.ssi_fd;
}

#endif /* _LL_LEASE_UTIL_H */
