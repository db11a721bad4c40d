// SPDX-License-Identifier: GPL-2.0
/*
 * The layout lease ABI: set, query, release, errors, classic leases
 * alongside, inheritance, who is told, /proc and tracepoints, the
 * /dev/layout_lease ioctls and the module parameters.
 */
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "lease_util.h"

#define FILE_LEN	(16 * 1024)

FIXTURE(api) {
	char path[PATH_MAX];
	char new_path[PATH_MAX];	/* a test's other file, if any */
	int fd;
	struct stat st;
};

FIXTURE_SETUP(api)
{
	self->fd = ll_make_file(MNT_DAX_XFS, "api.dat", FILE_LEN, 'a',
				self->path, sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fstat(self->fd, &self->st));
}

FIXTURE_TEARDOWN(api)
{
	if (self->fd >= 0)
		close(self->fd);
	unlink(self->path);
	if (self->new_path[0])
		unlink(self->new_path);
	ll_module_restore();
}

TEST_F(api, set_get_release)
{
	struct ll_lease_line l;

	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	EXPECT_EQ(LL_SHARED, ll_getlease(self->fd));
	EXPECT_EQ(1, ll_proc_locks_leases(&self->st));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_EQ(getpid(), l.pid);
	EXPECT_EQ(self->fd, l.fd);
	EXPECT_EQ(major(self->st.st_dev), l.maj);
	EXPECT_EQ(minor(self->st.st_dev), l.min);
	EXPECT_STREQ("shared", l.mode);
	EXPECT_STREQ("active", l.state);
	EXPECT_EQ(0, l.pins);
	EXPECT_EQ(1, ll_stat("leases"));
	/* setting it again changes nothing */
	EXPECT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	EXPECT_EQ(1, ll_proc_locks_leases(&self->st));
	EXPECT_EQ(0, ll_setlease(self->fd, F_UNLCK));
	EXPECT_EQ(F_UNLCK, ll_getlease(self->fd));
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	EXPECT_EQ(0, ll_lease_line(&self->st, &l));
	EXPECT_EQ(0, ll_stat("leases"));
}

TEST_F(api, exclusive_upgrade_downgrade)
{
	struct ll_lease_line l;

	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	EXPECT_EQ(0, ll_setlease(self->fd, LL_EXCL));
	EXPECT_EQ(LL_EXCL, ll_getlease(self->fd));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_STREQ("exclusive", l.mode);
	EXPECT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	EXPECT_EQ(LL_SHARED, ll_getlease(self->fd));
	EXPECT_EQ(0, ll_setlease(self->fd, F_LAYOUT | F_UNLCK));
	EXPECT_EQ(F_UNLCK, ll_getlease(self->fd));
}

TEST_F(api, release_through_dup)
{
	int dupfd = dup(self->fd);

	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	EXPECT_EQ(LL_SHARED, ll_getlease(dupfd));
	EXPECT_EQ(0, ll_setlease(dupfd, F_UNLCK));
	EXPECT_EQ(F_UNLCK, ll_getlease(self->fd));
	close(dupfd);
}

TEST_F(api, last_close_releases)
{
	int fd = open(self->path, O_RDWR);
	int dupfd = dup(fd);

	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	close(fd);
	EXPECT_EQ(1, ll_proc_locks_leases(&self->st));
	close(dupfd);
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	EXPECT_EQ(0, ll_stat("leases"));
}

TEST_F(api, bad_files)
{
	int fds[2], sv[2], fd;

	fd = open(MNT_DAX_XFS, O_RDONLY | O_DIRECTORY);
	EXPECT_EQ(-EINVAL, ll_setlease(fd, LL_SHARED));
	close(fd);
	ASSERT_EQ(0, pipe(fds));
	EXPECT_EQ(-EINVAL, ll_setlease(fds[0], LL_SHARED));
	close(fds[0]);
	close(fds[1]);
	ASSERT_EQ(0, mkfifo("/tmp/ll-fifo", 0600));
	fd = open("/tmp/ll-fifo", O_RDWR);
	EXPECT_EQ(-EINVAL, ll_setlease(fd, LL_SHARED));
	close(fd);
	unlink("/tmp/ll-fifo");
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	EXPECT_EQ(-EINVAL, ll_setlease(sv[0], LL_SHARED));
	close(sv[0]);
	close(sv[1]);
	fd = open("/dev/null", O_RDWR);
	EXPECT_EQ(-EINVAL, ll_setlease(fd, LL_SHARED));
	close(fd);
	fd = open(self->path, O_PATH);
	EXPECT_EQ(-EBADF, ll_setlease(fd, LL_SHARED));
	close(fd);
	EXPECT_EQ(-EBADF, ll_setlease(1000, LL_SHARED));
}

TEST_F(api, bad_arguments)
{
	EXPECT_EQ(-EINVAL, ll_setlease(self->fd, F_LAYOUT | 64));
	EXPECT_EQ(-EINVAL, ll_setlease(self->fd, 128));
	EXPECT_EQ(-EINVAL, ll_setlease(self->fd, F_EXCLUSIVE | F_RDLCK));
	EXPECT_EQ(-EINVAL, ll_setlease(self->fd, F_LAYOUT | F_WRLCK));
	EXPECT_EQ(-EINVAL, ll_setlease(self->fd, F_LAYOUT | 3));
	EXPECT_EQ(-EINVAL, ll_setlease(self->fd, -1));
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	/* releasing what is not held */
	EXPECT_EQ(-EAGAIN, ll_setlease(self->fd, F_UNLCK));
	EXPECT_EQ(-EAGAIN, ll_setlease(self->fd, F_LAYOUT | F_UNLCK));
}

TEST_F(api, not_owner_gets_eacces)
{
	pid_t pid = fork();
	int st;

	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		fd = open(self->path, O_RDONLY);
		if (fd < 0)
			_exit(11);
		_exit(ll_setlease(fd, LL_SHARED) == -EACCES ? 0 : 12);
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

TEST_F(api, exclusive_conflicts)
{
	int fd2 = open(self->path, O_RDWR);

	ASSERT_EQ(0, ll_setlease(self->fd, LL_EXCL));
	EXPECT_EQ(-EAGAIN, ll_setlease(fd2, LL_EXCL));
	EXPECT_EQ(-EAGAIN, ll_setlease(fd2, LL_SHARED));
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	ASSERT_EQ(0, ll_setlease(fd2, LL_SHARED));
	/* no upgrade while another layout lease exists */
	EXPECT_EQ(-EAGAIN, ll_setlease(self->fd, LL_EXCL));
	EXPECT_EQ(2, ll_proc_locks_leases(&self->st));
	EXPECT_EQ(0, ll_setlease(fd2, F_UNLCK));
	EXPECT_EQ(0, ll_setlease(self->fd, LL_EXCL));
	close(fd2);
}

/* A classic write lease must be the only lease on the file. */
TEST_F(api, classic_write_lease_conflicts)
{
	int fd = open(self->path, O_RDONLY);

	close(self->fd);
	self->fd = fd;
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	EXPECT_EQ(-EAGAIN, ll_setlease(fd, F_WRLCK));
	EXPECT_EQ(LL_SHARED, ll_getlease(fd));
}

/* No layout lease while a classic lease on the file is being broken. */
TEST_F(api, classic_lease_breaking_conflicts)
{
	struct holder h;
	int fd;

	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(0, holder_start(&h, self->path, F_RDLCK, HOLD_IGNORE));
	fd = open(self->path, O_WRONLY | O_NONBLOCK);
	ASSERT_EQ(-1, fd);
	ASSERT_EQ(EWOULDBLOCK, errno);
	fd = open(self->path, O_RDONLY);
	EXPECT_EQ(-EAGAIN, ll_setlease(fd, LL_SHARED));
	ASSERT_EQ(1, holder_finish(&h));
	EXPECT_EQ(0, ll_setlease(fd, LL_SHARED));
	close(fd);
}

/* A classic read lease: a writer's open waits for its release. */
static void classic_lease_scenario(struct __test_metadata *_metadata,
				   const char *path)
{
	struct holder h;
	int fd;

	ASSERT_EQ(0, holder_start(&h, path, F_RDLCK, HOLD_COOPERATE));
	fd = open(path, O_WRONLY);
	ASSERT_LE(0, fd);
	close(fd);
	ASSERT_EQ(1, holder_finish(&h));
	EXPECT_EQ(h.rep.lease_fd, h.rep.sig_fd);
	EXPECT_EQ(POLL_MSG, h.rep.sig_code);
	EXPECT_EQ(0, h.rep.released);
	fd = open(path, O_RDONLY);
	ASSERT_EQ(0, ll_setlease(fd, F_RDLCK));
	EXPECT_EQ(F_RDLCK, ll_getlease(fd));
	EXPECT_EQ(0, ll_setlease(fd, F_UNLCK));
	EXPECT_EQ(F_UNLCK, ll_getlease(fd));
	EXPECT_EQ(-EAGAIN, ll_setlease(fd, F_UNLCK));
	close(fd);
}

TEST_F(api, classic_leases_with_module)
{
	close(self->fd);
	self->fd = -1;
	classic_lease_scenario(_metadata, self->path);
}

TEST_F(api, classic_leases_without_module)
{
	char ko[PATH_MAX];

	close(self->fd);
	self->fd = -1;
	ll_module_path(ko, sizeof(ko));
	ASSERT_EQ(0, ll_sh("rmmod layoutlease"));
	classic_lease_scenario(_metadata, self->path);
}

/* Both kinds on one open file are separate leases. */
TEST_F(api, classic_and_layout_on_one_file)
{
	int fd = open(self->path, O_RDONLY);

	close(self->fd);	/* a classic read lease wants no writers */
	self->fd = -1;
	ASSERT_EQ(0, ll_setlease(fd, F_RDLCK));
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	EXPECT_EQ(2, ll_proc_locks_leases(&self->st));
	EXPECT_EQ(LL_SHARED, ll_getlease(fd));
	EXPECT_EQ(0, ll_setlease(fd, F_LAYOUT | F_UNLCK));
	EXPECT_EQ(F_RDLCK, ll_getlease(fd));
	EXPECT_EQ(0, ll_setlease(fd, LL_SHARED));
	EXPECT_EQ(0, ll_setlease(fd, F_UNLCK));
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	close(fd);
}

/*
 * A classic lease beside a layout lease on the same file: a writer's open
 * still waits for the classic one (the module passes a classic break by
 * only when every lease of the file is its own) and leaves the layout
 * lease alone.
 */
TEST_F(api, classic_beside_layout_still_breaks)
{
	long breaks = ll_stat("breaks");
	struct holder h;
	int fd, wfd;

	close(self->fd);	/* a classic read lease wants no writers */
	self->fd = -1;
	ASSERT_EQ(0, holder_start(&h, self->path, F_RDLCK, HOLD_COOPERATE));
	fd = open(self->path, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
	wfd = open(self->path, O_WRONLY);
	EXPECT_LE(0, wfd);
	EXPECT_EQ(1, holder_finish(&h)) TH_LOG("the classic lease was not broken");
	EXPECT_EQ(LL_SHARED, ll_getlease(fd));
	EXPECT_EQ(breaks, ll_stat("breaks"));
	if (wfd >= 0)
		close(wfd);
	EXPECT_EQ(0, ll_setlease(fd, F_UNLCK));
	close(fd);
}

TEST_F(api, inherited_across_fork)
{
	int go[2], st;
	pid_t pid;
	char c;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (read(go[0], &c, 1) != 1)
			_exit(10);
		if (ll_getlease(self->fd) != LL_SHARED)
			_exit(11);
		_exit(0);	/* the last reference goes with it */
	}
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(1, ll_proc_locks_leases(&self->st));
	ASSERT_EQ(1, write(go[1], "g", 1));
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
}

TEST_F(api, passed_with_scm_rights)
{
	int sv[2], st;
	pid_t pid;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = ll_recv_fd(sv[1]);

		if (fd < 0 || ll_getlease(fd) != LL_SHARED)
			_exit(10);
		_exit(ll_setlease(fd, F_UNLCK) ? 11 : 0);
	}
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	ASSERT_EQ(0, ll_send_fds(sv[0], (int[]){ self->fd }, 1));
	close(self->fd);
	self->fd = -1;
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, ll_proc_locks_leases(&self->st));
	close(sv[0]);
	close(sv[1]);
}

/* A process that waits for one LL_SIG and reports its si_fd. */
static pid_t start_watcher(int *report)
{
	int up[2];
	pid_t pid;

	if (pipe(up))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct signalfd_siginfo si;
		sigset_t set;
		int sfd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigemptyset(&set);
		sigaddset(&set, LL_SIG);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sfd = signalfd(-1, &set, 0);
		if (write(up[1], "R", 1) != 1 ||
		    read(sfd, &si, sizeof(si)) != sizeof(si))
			_exit(1);
		_exit(write(up[1], &si.ssi_fd, sizeof(int)) == sizeof(int) ?
		      0 : 2);
	}
	close(up[1]);
	*report = up[0];
	return pid;
}

/*
 * A breaker in another process: ftruncate(path); exits 0 on success.
 * It closes what it inherited: with the leased open file in its table it
 * would be a holder, and a holder's truncate breaks nothing.  With
 * @own_group it leaves the caller's process group first.
 */
static pid_t start_breaker_pg(const char *path, bool own_group)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close_range(3, ~0U, 0);
		fd = own_group && setpgid(0, 0) ? -1 : open(path, O_RDWR);
		_exit(fd >= 0 && !ftruncate(fd, 4096) ? 0 : 1);
	}
	return pid;
}

static pid_t start_breaker(const char *path)
{
	return start_breaker_pg(path, false);
}

/* open(O_TRUNC | O_NONBLOCK) in another process; returns its errno. */
static int nonblocking_trunc_elsewhere(const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd;

		close_range(3, ~0U, 0);
		fd = open(path, O_WRONLY | O_TRUNC | O_NONBLOCK);
		_exit(fd < 0 ? errno : 0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* F_SETOWN before F_SETLEASE names who is told; the setter is not. */
TEST_F(api, setown_names_the_owner)
{
	int report, sfd_seen, st;
	pid_t watcher, breaker;
	sigset_t set;
	char c;

	sigemptyset(&set);
	sigaddset(&set, LL_SIG);
	sigprocmask(SIG_BLOCK, &set, NULL);
	watcher = start_watcher(&report);
	ASSERT_LT(0, watcher);
	ASSERT_EQ(0, ll_read_full(report, &c, 1, LL_REPORT_MS));
	ASSERT_EQ(0, fcntl(self->fd, F_SETSIG, LL_SIG));
	ASSERT_EQ(0, fcntl(self->fd, F_SETOWN, watcher));
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	breaker = start_breaker(self->path);
	ASSERT_EQ(0, ll_read_full(report, &sfd_seen, sizeof(int),
				  LL_REPORT_MS));
	EXPECT_EQ(self->fd, sfd_seen);
	ASSERT_EQ(0, ll_setlease(self->fd, F_UNLCK));
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(watcher, waitpid(watcher, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	sigpending(&set);
	EXPECT_FALSE(sigismember(&set, LL_SIG)) TH_LOG("the setter was told");
	sigemptyset(&set);
	sigaddset(&set, LL_SIG);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	close(report);
}

static int tid_pipe[2];
static pid_t thread_tid;

static void record_tid(int sig)
{
	pid_t tid = gettid();

	if (write(tid_pipe[1], &tid, sizeof(tid)) != sizeof(tid))
		_exit(99);
}

static void *thread_main(void *arg)
{
	int *go = arg;
	char c;

	thread_tid = gettid();
	if (write(go[1], "t", 1) != 1 || read(go[0], &c, 1) != 1)
		return NULL;
	return NULL;
}

/*
 * F_SETOWN_EX F_OWNER_TID: the signal goes to that thread.  The main
 * thread does not block it, so a process-wide signal would go there.
 */
TEST_F(api, owner_tid_targets_one_thread)
{
	struct f_owner_ex own = { .type = F_OWNER_TID };
	int go_up[2], go_down[2], go[2], st;
	pthread_t th;
	pid_t breaker, tid = 0;
	char c;

	ASSERT_EQ(0, pipe(tid_pipe));
	ASSERT_EQ(0, pipe(go_up));
	ASSERT_EQ(0, pipe(go_down));
	signal(LL_SIG, record_tid);
	/* the thread's fds, alive as long as the test (not a literal) */
	go[0] = go_down[0];
	go[1] = go_up[1];
	ASSERT_EQ(0, pthread_create(&th, NULL, thread_main, go));
	ASSERT_EQ(1, read(go_up[0], &c, 1));
	own.pid = thread_tid;
	ASSERT_EQ(0, fcntl(self->fd, F_SETSIG, LL_SIG));
	ASSERT_EQ(0, fcntl(self->fd, F_SETOWN_EX, &own));
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	breaker = start_breaker(self->path);
	ASSERT_EQ(0, ll_read_full(tid_pipe[0], &tid, sizeof(tid),
				  LL_REPORT_MS));
	EXPECT_EQ(thread_tid, tid);
	EXPECT_NE(gettid(), tid);
	ASSERT_EQ(0, ll_setlease(self->fd, F_UNLCK));
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(1, write(go_down[1], "x", 1));
	pthread_join(th, NULL);
	signal(LL_SIG, SIG_DFL);
}

/*
 * @breaker, started by the owner of the lease on @fd (LL_SIG blocked),
 * breaks it: the owner is told, releases, and the breaker gets through.
 */
static void expect_told(struct __test_metadata *_metadata, int fd,
			pid_t breaker)
{
	struct timespec wait = { .tv_sec = LL_REPORT_MS / 1000,
		.tv_nsec = LL_REPORT_MS % 1000 * 1000000L };
	sigset_t set;
	int st;

	ASSERT_LT(0, breaker);
	sigemptyset(&set);
	sigaddset(&set, LL_SIG);
	EXPECT_EQ(LL_SIG, sigtimedwait(&set, NULL, &wait))
		TH_LOG("the owner was not told of the break");
	ASSERT_EQ(0, ll_setlease(fd, F_UNLCK));
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

static void *set_lease_main(void *arg)
{
	int fd = *(int *)arg;

	*(int *)arg = ll_setlease(fd, LL_SHARED);
	return NULL;
}

/*
 * A lease set by a thread that is not the main one belongs to its process
 * (the kernel's lease_setup() would name the thread, which has exited by
 * then): the main thread's own layout changes break nothing, another
 * process's do, and the process is told.
 */
TEST_F(api, thread_setter_process_owns)
{
	long breaks = ll_stat("breaks");
	int arg = self->fd;
	sigset_t set;
	pthread_t th;

	sigemptyset(&set);
	sigaddset(&set, LL_SIG);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	ASSERT_EQ(0, fcntl(self->fd, F_SETSIG, LL_SIG));
	ASSERT_EQ(0, pthread_create(&th, NULL, set_lease_main, &arg));
	ASSERT_EQ(0, pthread_join(th, NULL));
	ASSERT_EQ(0, arg);
	EXPECT_EQ(0, ftruncate(self->fd, FILE_LEN / 2));
	EXPECT_EQ(0, truncate(self->path, FILE_LEN / 4));
	EXPECT_EQ(LL_SHARED, ll_getlease(self->fd));
	EXPECT_EQ(breaks, ll_stat("breaks"));
	ASSERT_EQ(0, sigpending(&set));
	EXPECT_FALSE(sigismember(&set, LL_SIG)) TH_LOG("told of its own change");
	expect_told(_metadata, self->fd, start_breaker(self->path));
	EXPECT_EQ(breaks + 1, ll_stat("breaks"));
	sigemptyset(&set);
	sigaddset(&set, LL_SIG);
	ASSERT_EQ(0, sigprocmask(SIG_UNBLOCK, &set, NULL));
}

/*
 * F_SETOWN with a process group: every member owns the lease, so a
 * member's layout change breaks nothing; a process of another group
 * breaks it, and the group is told.
 */
TEST_F(api, process_group_owns)
{
	long breaks = ll_stat("breaks");
	sigset_t set;
	pid_t member;
	int st;

	sigemptyset(&set);
	sigaddset(&set, LL_SIG);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	ASSERT_EQ(0, setpgid(0, 0));	/* this test's process leads one */
	ASSERT_EQ(0, fcntl(self->fd, F_SETSIG, LL_SIG));
	ASSERT_EQ(0, fcntl(self->fd, F_SETOWN, -getpgrp()));
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	member = start_breaker(self->path);
	ASSERT_LT(0, member);
	ASSERT_EQ(member, waitpid(member, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	EXPECT_EQ(0, ftruncate(self->fd, FILE_LEN));	/* the leader's own */
	EXPECT_EQ(LL_SHARED, ll_getlease(self->fd));
	EXPECT_EQ(breaks, ll_stat("breaks"));
	/* told as a member of the owner group */
	expect_told(_metadata, self->fd, start_breaker_pg(self->path, true));
	EXPECT_EQ(breaks + 1, ll_stat("breaks"));
	ASSERT_EQ(0, sigprocmask(SIG_UNBLOCK, &set, NULL));
}

/* The setter exits; a child holding the open file takes over as owner. */
TEST_F(api, survives_owner_exit)
{
	int up[2], gone[2], st;
	pid_t setter, breaker;
	struct holder_report rep;
	char c;

	ASSERT_EQ(0, pipe(up));
	ASSERT_EQ(0, pipe(gone));	/* EOF once the setter exited */
	setter = fork();
	ASSERT_LE(0, setter);
	if (setter == 0) {
		int fd = open(self->path, O_RDWR);

		if (fd < 0 || ll_setlease(fd, LL_SHARED))
			_exit(10);
		if (fork() == 0) {
			struct signalfd_siginfo si;
			sigset_t set;
			int sfd;

			sigemptyset(&set);
			sigaddset(&set, LL_SIG);
			sigprocmask(SIG_BLOCK, &set, NULL);
			sfd = signalfd(-1, &set, 0);
			close(gone[1]);
			if (read(gone[0], &c, 1) != 0)
				_exit(3);
			rep.lease_fd = fd;
			if (fcntl(fd, F_SETSIG, LL_SIG) ||
			    fcntl(fd, F_SETOWN, getpid()) ||
			    ll_getlease(fd) != LL_SHARED ||
			    write(up[1], "R", 1) != 1 ||
			    read(sfd, &si, sizeof(si)) != sizeof(si))
				_exit(1);
			rep.sig_fd = si.ssi_fd;
			rep.released = ll_setlease(fd, F_UNLCK);
			_exit(write(up[1], &rep, sizeof(rep)) == sizeof(rep) ?
			      0 : 2);
		}
		_exit(0);
	}
	close(gone[1]);
	ASSERT_EQ(setter, waitpid(setter, &st, 0));
	ASSERT_EQ(0, WEXITSTATUS(st));
	ASSERT_EQ(0, ll_read_full(up[0], &c, 1, LL_REPORT_MS));
	breaker = start_breaker(self->path);
	ASSERT_EQ(0, ll_read_full(up[0], &rep, sizeof(rep), LL_REPORT_MS));
	EXPECT_EQ(rep.lease_fd, rep.sig_fd);
	EXPECT_EQ(0, rep.released);
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
}

/* While broken: "breaking" in /proc, F_UNLCK as F_GETLEASE's target. */
/* Reads /proc/fs/layoutlease/leases until *stop; the reads that failed. */
static void *read_leases(void *arg)
{
	int *stop = arg;
	static long failed;
	char buf[4096];
	int fd;

	while (!__atomic_load_n(stop, __ATOMIC_ACQUIRE)) {
		fd = open("/proc/fs/layoutlease/leases", O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) < 0)
			failed++;
		if (fd >= 0)
			close(fd);
	}
	return &failed;
}

/*
 * A lease being set is not listed until the kernel inserted it: one whose
 * file has no lease context yet (its first lease) or whose insertion
 * fails (a file without ->setlease: /proc's on 7.2) must not be looked at
 * by a reader of /proc/fs/layoutlease/leases meanwhile.
 */
TEST_F(api, proc_lists_no_lease_being_set)
{
	pthread_t th;
	int i, fd, ret, stop = 0;
	long *failed;

	ASSERT_EQ(0, pthread_create(&th, NULL, read_leases, &stop));
	for (i = 0; i < 3000; i++) {
		fd = open("/proc/self/status", O_RDONLY);
		ASSERT_LE(0, fd);
		ret = ll_setlease(fd, LL_SHARED);
		/* 7.2 refuses leases on files without ->setlease */
		ASSERT_TRUE(ret == 0 || ret == -EINVAL);
		if (!ret)
			ASSERT_EQ(0, ll_setlease(fd, F_UNLCK));
		close(fd);
		/* a new file each time: its first lease makes its context */
		fd = ll_make_file(MNT_DAX_XFS, "api-new.dat", 4096, 'n',
				  self->new_path, sizeof(self->new_path));
		ASSERT_LE(0, fd);
		ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
		ASSERT_EQ(0, ll_setlease(fd, F_UNLCK));
		close(fd);
		ASSERT_EQ(0, unlink(self->new_path));
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	ASSERT_EQ(0, pthread_join(th, (void **)&failed));
	EXPECT_EQ(0, *failed);
}

TEST_F(api, breaking_state_is_visible)
{
	struct ll_lease_line l;

	/* this process owns the lease: SIGIO's default would kill it */
	signal(SIGIO, SIG_IGN);
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	ASSERT_EQ(EWOULDBLOCK, nonblocking_trunc_elsewhere(self->path));
	EXPECT_EQ(F_LAYOUT | F_UNLCK, ll_getlease(self->fd));
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
	EXPECT_STREQ("breaking", l.state);
	EXPECT_EQ(0, ll_setlease(self->fd, F_UNLCK));
	signal(SIGIO, SIG_DFL);
}

static int trace_has(const char *event)
{
	FILE *f = fopen(TRACEFS "/trace", "r");
	char line[512];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += !!strstr(line, event);
	fclose(f);
	return n;
}

/* Wait, polling /proc, until the lease on file @st is gone; 0 on success. */
static int wait_lease_gone(const struct stat *st, double secs)
{
	double end = ll_now() + secs;
	struct ll_lease_line l;

	while (ll_lease_line(st, &l) == 1) {
		if (ll_now() > end)
			return -ETIMEDOUT;
		usleep(10000);
	}
	return 0;
}

/* Tracepoints, and the expiry of a lease only non-blocking breakers hit. */
TEST_F(api, tracepoints_and_expiry)
{
	long timeouts = ll_stat("timeouts");

	ASSERT_EQ(0, ll_sh("echo > " TRACEFS "/trace"));
	ASSERT_EQ(0, ll_sh("echo 1 > " TRACEFS "/events/layoutlease/enable"));
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	EXPECT_EQ(0, ll_setlease(self->fd, F_UNLCK));
	/* not a whole number of jiffies: the log says what was set */
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 201));
	signal(SIGIO, SIG_IGN);
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	ll_dmesg_mark();
	EXPECT_EQ(EWOULDBLOCK, nonblocking_trunc_elsewhere(self->path));
	EXPECT_EQ(0, wait_lease_gone(&self->st, 30));
	EXPECT_EQ(F_UNLCK, ll_getlease(self->fd));
	EXPECT_EQ(timeouts + 1, ll_stat("timeouts"));
	ASSERT_EQ(0, ll_sh("echo 0 > " TRACEFS "/events/layoutlease/enable"));
	EXPECT_EQ(2, trace_has("layoutlease_set:"));
	EXPECT_EQ(1, trace_has("layoutlease_break:"));
	EXPECT_EQ(1, trace_has("layoutlease_release:"));
	EXPECT_EQ(1, trace_has("layoutlease_timeout:"));
	EXPECT_EQ(0, ll_dmesg_wait("not released within 201 ms"));
	signal(SIGIO, SIG_DFL);
}

TEST_F(api, break_timeout_parameter)
{
	char ko[PATH_MAX];
	long lbt = ll_read_long("/proc/sys/fs/lease-break-time");

	ll_module_path(ko, sizeof(ko));
	ASSERT_EQ(0, ll_sh("rmmod layoutlease && insmod %s", ko));
	EXPECT_EQ(lbt * 1000, ll_read_long(LL_PARAM("break_timeout_ms")));
	EXPECT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 1234));
	EXPECT_EQ(1234, ll_read_long(LL_PARAM("break_timeout_ms")));
	EXPECT_EQ(-EINVAL, ll_write_long(LL_PARAM("break_timeout_ms"), 0));
	EXPECT_EQ(-EINVAL, ll_write_long(LL_PARAM("break_timeout_ms"), -5));
	EXPECT_EQ(1234, ll_read_long(LL_PARAM("break_timeout_ms")));
	ASSERT_EQ(0, ll_sh("rmmod layoutlease && insmod %s break_timeout_ms=777",
			   ko));
	EXPECT_EQ(777, ll_read_long(LL_PARAM("break_timeout_ms")));
}

static int ll_ioctl(int dev, unsigned long cmd, int fd, unsigned int *arg)
{
	struct layout_lease_req req = { .fd = fd, .arg = arg ? *arg : 0 };
	int ret = ioctl(dev, cmd, &req);

	if (arg)
		*arg = req.arg;
	return ret < 0 ? -errno : ret;
}

static void ioctl_scenario(struct __test_metadata *_metadata, int fd)
{
	int dev = open("/dev/layout_lease", O_RDWR);
	unsigned int arg;

	ASSERT_LE(0, dev);
	arg = LL_SHARED;
	EXPECT_EQ(0, ll_ioctl(dev, LAYOUT_LEASE_SET, fd, &arg));
	arg = 0;
	EXPECT_EQ(0, ll_ioctl(dev, LAYOUT_LEASE_GET, fd, &arg));
	EXPECT_EQ(LL_SHARED, arg);
	arg = LL_EXCL;
	EXPECT_EQ(0, ll_ioctl(dev, LAYOUT_LEASE_SET, fd, &arg));
	EXPECT_EQ(0, ll_ioctl(dev, LAYOUT_LEASE_GET, fd, &arg));
	EXPECT_EQ(LL_EXCL, arg);
	EXPECT_EQ(0, ll_ioctl(dev, LAYOUT_LEASE_RELEASE, fd, NULL));
	EXPECT_EQ(0, ll_ioctl(dev, LAYOUT_LEASE_GET, fd, &arg));
	EXPECT_EQ(F_UNLCK, arg);
	EXPECT_EQ(-EAGAIN, ll_ioctl(dev, LAYOUT_LEASE_RELEASE, fd, NULL));
	arg = F_RDLCK;
	EXPECT_EQ(-EINVAL, ll_ioctl(dev, LAYOUT_LEASE_SET, fd, &arg));
	arg = LL_SHARED;
	EXPECT_EQ(-EBADF, ll_ioctl(dev, LAYOUT_LEASE_SET, 1000, &arg));
	EXPECT_EQ(-ENOTTY, ioctl(dev, _IO('L', 0x7f)) ? -errno : 0);
	EXPECT_EQ(-ENOTTY, ioctl(dev, _IO(LAYOUT_LEASE_IOC_MAGIC, 0x7f)) ?
			   -errno : 0);
	/* version 0.1's numbers, under loop's 'L', for one more release */
	ll_dmesg_mark();
	arg = LL_SHARED;
	EXPECT_EQ(0, ll_ioctl(dev, _IOW('L', 0x01, struct layout_lease_req),
			      fd, &arg));
	EXPECT_EQ(0, ll_ioctl(dev, _IOWR('L', 0x02, struct layout_lease_req),
			      fd, &arg));
	EXPECT_EQ(LL_SHARED, arg);
	EXPECT_EQ(0, ll_ioctl(dev, _IOW('L', 0x03, struct layout_lease_req),
			      fd, NULL));
	EXPECT_EQ(0, ll_dmesg_wait("magic .L. are deprecated"));
	close(dev);
}

TEST_F(api, ioctl_interface)
{
	ioctl_scenario(_metadata, self->fd);
}

/* With hook_fcntl=0, fcntl(2) is the kernel's and the ioctls still work. */
TEST_F(api, without_fcntl_hook)
{
	unsigned int arg = LL_SHARED;
	struct signalfd_siginfo si;
	char ko[PATH_MAX];
	int dev, sfd, st;
	sigset_t set;
	pid_t breaker;

	ll_module_path(ko, sizeof(ko));
	ASSERT_EQ(0, ll_sh("rmmod layoutlease && insmod %s hook_fcntl=0", ko));
	EXPECT_EQ(-EINVAL, ll_setlease(self->fd, LL_SHARED));
	ioctl_scenario(_metadata, self->fd);
	/* a lease set through the ioctl breaks as any other */
	sigemptyset(&set);
	sigaddset(&set, LL_SIG);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, 0);
	ASSERT_LE(0, sfd);
	dev = open("/dev/layout_lease", O_RDWR);
	ASSERT_EQ(0, fcntl(self->fd, F_SETSIG, LL_SIG));
	ASSERT_EQ(0, ll_ioctl(dev, LAYOUT_LEASE_SET, self->fd, &arg));
	breaker = start_breaker(self->path);
	ASSERT_EQ(sizeof(si), read(sfd, &si, sizeof(si)));
	EXPECT_EQ(self->fd, si.ssi_fd);
	EXPECT_EQ(0, ll_ioctl(dev, LAYOUT_LEASE_RELEASE, self->fd, NULL));
	ASSERT_EQ(breaker, waitpid(breaker, &st, 0));
	EXPECT_EQ(0, WEXITSTATUS(st));
	close(dev);
	close(sfd);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

TEST_HARNESS_MAIN
