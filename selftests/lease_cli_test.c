// SPDX-License-Identifier: GPL-2.0
/*
 * The layoutlease command (tools/layoutlease): list, pins and stats
 * against a lease and a pin this test holds, their JSON parsed by Python's
 * json module and compared value by value, paths that cannot be resolved,
 * hold reporting and releasing a lease broken by a truncate, watch seeing
 * set, break and release in order through its own trace instance and
 * removing it, and the exit codes.
 */
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "lease_util.h"
#include "rdma_util.h"

#define LEN		(1 << 20)
#define PAGES		(LEN / 4096)
#define OUT_MAX		65536
#define CLI_MS		20000	/* a command that takes longer has failed */
#define TRACEFS		"/sys/kernel/tracing"
#define PYTHON		"/usr/bin/python3"

/* A file name and a command name the output has to escape. */
#define ODD_NAME	"cli \"q\" \\ \n\t\xff\xc3\xa9.dat"
#define ODD_NAME_SHOWN	"cli \"q\" \\x5c \\x0a\\x09\\xff\xc3\xa9.dat"
#define ODD_COMM	"c)\"\\\n(x"
#define ODD_COMM_SHOWN	"c)\"\\x5c\\x0a(x"

static char cli_bin[PATH_MAX];

/* Children still running, stopped by the teardown if a test failed. */
static pid_t live[8];

static void track(pid_t pid, pid_t was)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(live); i++) {
		if (live[i] == was) {
			live[i] = pid;
			return;
		}
	}
}

static void stop_live(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(live); i++) {
		if (!live[i])
			continue;
		/* hold passes it on to its command, watch cleans up */
		kill(live[i], SIGTERM);
		waitpid(live[i], NULL, 0);
		live[i] = 0;
	}
}

/* tools/layoutlease/layoutlease of the build tree this test is in */
static void __attribute__((constructor)) find_cli(void)
{
	char ko[PATH_MAX - 64], *slash;

	ll_module_path(ko, sizeof(ko));
	slash = strrchr(ko, '/');
	if (slash)
		*slash = '\0';
	snprintf(cli_bin, sizeof(cli_bin), "%s/tools/layoutlease/layoutlease",
		 ko);
}

/* One output stream of a child process. */
struct stream {
	int fd;
	size_t len;
	char buf[OUT_MAX];
};

struct proc {
	pid_t pid;
	int in;			/* its standard input */
	struct stream out, err;
};

/* Start @argv with its standard streams on pipes; 0 or -errno. */
static int spawn(struct proc *p, const char *const argv[])
{
	int in[2], out[2], err[2];

	memset(p, 0, sizeof(*p));
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) ||
	    pipe2(err, O_CLOEXEC))
		return -errno;
	p->pid = fork();
	if (p->pid < 0)
		return -errno;
	if (!p->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		/* no lease of this test may follow it: it is no holder */
		close_range(3, ~0U, 0);
		execv(argv[0], (char *const *)argv);
		_exit(99);
	}
	track(p->pid, 0);
	close(in[0]);
	close(out[1]);
	close(err[1]);
	p->in = in[1];
	p->out.fd = out[0];
	p->err.fd = err[0];
	return 0;
}

/*
 * Read @s until it holds @needle (NULL: until end of file), for at most
 * @ms; 0, -ETIMEDOUT, or -EPIPE at an end of file before @needle.
 */
static int read_until(struct stream *s, const char *needle, int ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	double end = ll_now() + ms / 1000.0;
	ssize_t n;

	int left;

	for (;;) {
		s->buf[s->len] = '\0';
		if (needle && strstr(s->buf, needle))
			return 0;
		left = (end - ll_now()) * 1000;
		if (poll(&p, 1, left > 0 ? left : 0) != 1)
			return -ETIMEDOUT;
		n = read(s->fd, s->buf + s->len, sizeof(s->buf) - 1 - s->len);
		if (n <= 0)
			return needle || n < 0 ? -EPIPE : 0;
		s->len += n;
	}
}

/*
 * Wait for @p to end, then close its pipes: its exit status (128 + N for
 * signal N), or -1.  Its standard input stays open until it has ended.
 */
static int reap(struct proc *p)
{
	int st;
	pid_t pid = waitpid(p->pid, &st, 0);

	close(p->in);
	close(p->out.fd);
	close(p->err.fd);
	if (pid != p->pid)
		return -1;
	track(0, p->pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Run @argv with @input on its standard input to its end; its status. */
static int run(struct proc *p, const char *const argv[], const char *input)
{
	size_t len = input ? strlen(input) : 0;

	if (spawn(p, argv))
		return -1;
	if (len && write(p->in, input, len) != (ssize_t)len)
		return -1;
	close(p->in);
	p->in = -1;
	if (read_until(&p->out, NULL, CLI_MS) ||
	    read_until(&p->err, NULL, CLI_MS))
		kill(p->pid, SIGKILL);
	return reap(p);
}

/* Run the command line tool with the NULL-terminated arguments. */
#define cli(p, ...)	run(p, (const char *const []){ cli_bin, __VA_ARGS__, NULL }, NULL)

/*
 * json_check: parse standard input as JSON; its array KEY ("-": the
 * object itself) must have ROWS elements ("*": any number), and when
 * KEY=VALUE arguments follow, exactly one element must have those values
 * (null, numbers and lists as text).  Exit 3 for text that is not JSON.
 */
static const char json_check_py[] =
	"import json, sys\n"
	"try:\n"
	"    doc = json.loads(sys.stdin.buffer.read())\n"
	"except ValueError as e:\n"
	"    print('not JSON:', e, file=sys.stderr)\n"
	"    sys.exit(3)\n"
	"key, rows = sys.argv[1], sys.argv[2]\n"
	"elems = [doc] if key == '-' else doc[key]\n"
	"want = [a.split('=', 1) for a in sys.argv[3:]]\n"
	"def text(v):\n"
	"    if v is None:\n"
	"        return 'null'\n"
	"    if isinstance(v, list):\n"
	"        return ','.join(v)\n"
	"    return str(v)\n"
	"hits = [e for e in elems if all(text(e.get(k)) == v for k, v in want)]\n"
	"bad = rows != '*' and len(elems) != int(rows)\n"
	"if bad or (want and len(hits) != 1):\n"
	"    print('no match for', want, 'in', elems, file=sys.stderr)\n"
	"    sys.exit(1)\n";

struct want {
	int n;
	const char *argv[24];
	char kv[20][PATH_MAX + 32];
};

static void want(struct want *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void want(struct want *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w->kv[w->n], sizeof(w->kv[0]), fmt, ap);
	va_end(ap);
	w->argv[w->n + 5] = w->kv[w->n];
	w->n++;
}

/* json_check_py's exit status for @json, or -1. */
static int json_check(const char *json, const char *key, const char *rows,
		      struct want *w)
{
	struct want none = { 0 };
	struct proc p;

	if (!w)
		w = &none;
	w->argv[0] = PYTHON;
	w->argv[1] = "-c";
	w->argv[2] = json_check_py;
	w->argv[3] = key;
	w->argv[4] = rows;
	w->argv[w->n + 5] = NULL;
	return run(&p, w->argv, json);
}

/* The lines of @s: how many, the first one starting with @prefix in @line */
static int lines(const char *s, const char *prefix, char *line, size_t len)
{
	const char *nl;
	int n = 0;

	for (; *s; s = nl + 1) {
		nl = strchrnul(s, '\n');
		if (line && !strncmp(s, prefix, strlen(prefix))) {
			snprintf(line, len, "%.*s", (int)(nl - s), s);
			line = NULL;
		}
		n++;
		if (!*nl)
			break;
	}
	return n;
}

/* Seconds between now and the ISO 8601 local time at @s, or -1. */
static double age_of(const char *s)
{
	struct tm tm = { .tm_isdst = -1 };
	int usec, zh, zm;
	double diff;
	char sign;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6d%c%2d:%2d", &tm.tm_year,
		   &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
		   &tm.tm_sec, &usec, &sign, &zh, &zm) != 10 ||
	    (sign != '+' && sign != '-'))
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	diff = difftime(time(NULL), mktime(&tm));
	return diff < 0 ? -diff : diff;
}

/* tmpfs: 6.5+ refuses writable long-term pins of XFS page cache */
#define CLI_DIR		MNT_TMPFS

FIXTURE(cli) {
	char path[PATH_MAX];	/* ODD_NAME on XFS */
	char plain[PATH_MAX];
	char comm[16];
	char dev[32];
	int fd;
	struct stat st, plain_st;
	long timeout_ms;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
};

FIXTURE_SETUP(cli)
{
	int fd;

	ASSERT_EQ(0, access(cli_bin, X_OK))
		TH_LOG("%s: %s (run make)", cli_bin, strerror(errno));
	ASSERT_EQ(0, prctl(PR_GET_NAME, self->comm));
	self->timeout_ms = ll_read_long(LL_PARAM("break_timeout_ms"));
	self->fd = ll_make_file(CLI_DIR, ODD_NAME, LEN, 'c', self->path,
				sizeof(self->path));
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, fstat(self->fd, &self->st));
	snprintf(self->dev, sizeof(self->dev), "%u:%u",
		 major(self->st.st_dev), minor(self->st.st_dev));
	fd = ll_make_file(CLI_DIR, "cli.dat", LEN, 'p', self->plain,
			  sizeof(self->plain));
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, fstat(fd, &self->plain_st));
	close(fd);
	self->ctx = open_rxe0();
	ASSERT_NE(NULL, self->ctx);
	self->pd = ibv_alloc_pd(self->ctx);
	ASSERT_NE(NULL, self->pd);
	/* nothing else holds leases or pins: the counts are ours */
	ASSERT_EQ(0, ll_stat("leases"));
	ASSERT_EQ(0, ll_stat("pins"));
}

FIXTURE_TEARDOWN(cli)
{
	stop_live();
	prctl(PR_SET_NAME, self->comm);
	ibv_dealloc_pd(self->pd);
	ibv_close_device(self->ctx);
	if (self->fd >= 0)
		close(self->fd);
	unlink(self->path);
	unlink(self->plain);
	ll_write_long(LL_PARAM("break_timeout_ms"), self->timeout_ms);
}

static void *map_file(int fd)
{
	return mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

/* A lease and a pin of this process, in every format of list and pins. */
TEST_F(cli, list_pins_stats)
{
	struct ll_lease_line l;
	struct want w = { 0 };
	char line[PATH_MAX * 4];
	struct ibv_mr *mr;
	struct proc p;
	void *buf;

	ASSERT_EQ(0, prctl(PR_SET_NAME, ODD_COMM));
	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	ASSERT_EQ(1, ll_lease_line(self->st.st_ino, &l));
	buf = map_file(self->fd);
	ASSERT_NE(MAP_FAILED, buf);
	mr = ibv_reg_mr(self->pd, buf, LEN, RDMA_ACCESS);
	ASSERT_NE(NULL, mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));

	ASSERT_EQ(0, cli(&p, "list", "--json"));
	EXPECT_EQ(0, p.err.len);
	want(&w, "id=%llu", l.id);
	want(&w, "pid=%d", getpid());
	want(&w, "comm=%s", ODD_COMM);
	want(&w, "fd=%d", self->fd);
	want(&w, "dev=%s", self->dev);
	want(&w, "ino=%lu", self->st.st_ino);
	want(&w, "path=%s", self->path);
	want(&w, "mode=shared");
	want(&w, "state=active");
	want(&w, "break_ms=0");
	want(&w, "pins=1");
	want(&w, "pages=%d", PAGES);
	EXPECT_EQ(0, json_check(p.out.buf, "leases", "1", &w))
		TH_LOG("%s", p.out.buf);

	ASSERT_EQ(0, cli(&p, "pins", "--json"));
	memset(&w, 0, sizeof(w));
	want(&w, "pid=%d", getpid());
	want(&w, "comm=%s", ODD_COMM);
	want(&w, "dev=%s", self->dev);
	want(&w, "ino=%lu", self->st.st_ino);
	want(&w, "path=%s", self->path);
	want(&w, "start=0");
	want(&w, "end=%d", LEN);
	want(&w, "pages=%d", PAGES);
	want(&w, "lease=%llu", l.id);
	want(&w, "access=%d", RDMA_ACCESS);
	want(&w, "access_flags=local_write,remote_write,remote_read");
	EXPECT_EQ(0, json_check(p.out.buf, "pins", "1", &w))
		TH_LOG("%s", p.out.buf);

	/* tables: a header and one line, the newlines of names escaped */
	ASSERT_EQ(0, cli(&p, "list"));
	EXPECT_EQ(2, lines(p.out.buf, "   ID ", line, sizeof(line)));
	EXPECT_EQ(2, lines(p.out.buf, "", NULL, 0));
	snprintf(line, sizeof(line), "%5llu %7d %-15s shared    active          -    1 %7d %s\n",
		 l.id, getpid(), ODD_COMM_SHOWN, PAGES,
		 CLI_DIR "/" ODD_NAME_SHOWN);
	EXPECT_NE(NULL, strstr(p.out.buf, line)) TH_LOG("%s", p.out.buf);
	ASSERT_EQ(0, cli(&p, "list", "--noheadings"));
	EXPECT_EQ(1, lines(p.out.buf, "", NULL, 0));
	ASSERT_EQ(0, cli(&p, "pins"));
	EXPECT_EQ(2, lines(p.out.buf, "", NULL, 0));
	snprintf(line, sizeof(line), "%7d %-15s %-23s %7d %5llu %#8x %s\n",
		 getpid(), ODD_COMM_SHOWN, "0-1048576", PAGES, l.id,
		 RDMA_ACCESS, CLI_DIR "/" ODD_NAME_SHOWN);
	EXPECT_NE(NULL, strstr(p.out.buf, line)) TH_LOG("%s", p.out.buf);

	ASSERT_EQ(0, cli(&p, "stats"));
	snprintf(line, sizeof(line), "%-14s 1\n%-14s %ld\n", "leases",
		 "breaks", ll_stat("breaks"));
	EXPECT_EQ(0, strncmp(p.out.buf, line, strlen(line)));
	snprintf(line, sizeof(line), "%-14s 1\n%-14s %d\n", "pins",
		 "pinned_pages", PAGES);
	EXPECT_NE(NULL, strstr(p.out.buf, line)) TH_LOG("%s", p.out.buf);
	ASSERT_EQ(0, cli(&p, "stats", "--json"));
	memset(&w, 0, sizeof(w));
	want(&w, "leases=1");
	want(&w, "pins=1");
	want(&w, "pinned_pages=%d", PAGES);
	want(&w, "breaks=%ld", ll_stat("breaks"));
	want(&w, "timeouts=%ld", ll_stat("timeouts"));
	want(&w, "revocations=%ld", ll_stat("revocations"));
	EXPECT_EQ(0, json_check(p.out.buf, "-", "1", &w))
		TH_LOG("%s", p.out.buf);

	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(0, munmap(buf, LEN));
	EXPECT_EQ(0, ll_setlease(self->fd, F_UNLCK));
	ASSERT_EQ(0, cli(&p, "list", "--json"));
	EXPECT_EQ(0, json_check(p.out.buf, "leases", "0", NULL));
	ASSERT_EQ(0, cli(&p, "pins", "--json"));
	EXPECT_EQ(0, json_check(p.out.buf, "pins", "0", NULL));
	/* the checker itself tells JSON from text */
	EXPECT_EQ(3, json_check("{\"leases\": [}", "leases", "0", NULL));
}

/*
 * A lease whose descriptor was closed and reused for another file (its pin
 * keeps it): the other file's path must not be shown, nor any.
 */
TEST_F(cli, unresolvable_path)
{
	struct want w = { 0 };
	char other[PATH_MAX], line[PATH_MAX];
	struct ll_lease_line l;
	struct ibv_mr *mr;
	struct proc p;
	void *buf;
	int fd;

	ASSERT_EQ(0, ll_setlease(self->fd, LL_SHARED));
	ASSERT_EQ(1, ll_lease_line(self->st.st_ino, &l));
	buf = map_file(self->fd);
	ASSERT_NE(MAP_FAILED, buf);
	mr = ibv_reg_mr(self->pd, buf, LEN, RDMA_ACCESS);
	ASSERT_NE(NULL, mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));
	EXPECT_EQ(0, munmap(buf, LEN));
	EXPECT_EQ(0, close(self->fd));
	fd = ll_make_file(CLI_DIR, "other.dat", 4096, 'o', other,
			  sizeof(other));
	ASSERT_EQ(self->fd, fd);
	self->fd = -1;
	ASSERT_EQ(1, ll_lease_line(self->st.st_ino, &l));

	ASSERT_EQ(0, cli(&p, "list", "--json"));
	want(&w, "id=%llu", l.id);
	want(&w, "fd=%d", fd);
	want(&w, "path=null");
	want(&w, "dev=%s", self->dev);
	want(&w, "ino=%lu", self->st.st_ino);
	want(&w, "pins=1");
	EXPECT_EQ(0, json_check(p.out.buf, "leases", "1", &w))
		TH_LOG("%s", p.out.buf);
	ASSERT_EQ(0, cli(&p, "pins", "--json"));
	memset(&w, 0, sizeof(w));
	want(&w, "path=null");
	want(&w, "ino=%lu", self->st.st_ino);
	EXPECT_EQ(0, json_check(p.out.buf, "pins", "1", &w))
		TH_LOG("%s", p.out.buf);
	ASSERT_EQ(0, cli(&p, "list", "--noheadings"));
	snprintf(line, sizeof(line), " %s:%lu\n", self->dev,
		 self->st.st_ino);
	EXPECT_NE(NULL, strstr(p.out.buf, line)) TH_LOG("%s", p.out.buf);
	EXPECT_EQ(NULL, strstr(p.out.buf, "other.dat"));

	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(0, ll_lease_line(self->st.st_ino, &l));
	close(fd);
	unlink(other);
}

/* Start hold on @path around a shell that says "ready", then waits. */
static int start_hold(struct proc *p, const char *path, const char *opt)
{
	const char *argv[9] = { cli_bin, "hold" };
	int n = 2;

	if (opt)
		argv[n++] = opt;
	argv[n++] = path;
	argv[n++] = "--";
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = "echo ready; read x; exit 7";
	if (spawn(p, argv))
		return -1;
	return read_until(&p->out, "ready\n", CLI_MS);
}

/* Let the shell end and collect hold's exit status. */
static int end_hold(struct proc *p)
{
	if (write(p->in, "x\n", 2) != 2 || read_until(&p->err, NULL, CLI_MS))
		return -1;
	return reap(p);
}

/* The hold line reporting a break: the lease, the file, a recent time. */
static void check_break_line(struct __test_metadata *_metadata,
			     const char *err, unsigned long long id,
			     const char *path, const char *end)
{
	char head[PATH_MAX + 64];
	const char *when;

	snprintf(head, sizeof(head), "layoutlease: lease %llu on %s broken at ",
		 id, path);
	ASSERT_EQ(0, strncmp(err, head, strlen(head))) TH_LOG("%s", err);
	when = err + strlen(head);
	EXPECT_GE(60, age_of(when)) TH_LOG("%s", err);
	EXPECT_LE(0, age_of(when)) TH_LOG("%s", err);
	ASSERT_NE(NULL, strchr(when, ';')) TH_LOG("%s", err);
	EXPECT_STREQ(end, strchr(when, ';'));
}

/* A truncate by another process breaks hold's lease; hold releases it. */
TEST_F(cli, hold_releases_on_break)
{
	long breaks = ll_stat("breaks"), timeouts = ll_stat("timeouts");
	struct ll_lease_line l, gone;
	struct stat st;
	struct proc p;

	/* hold released it, if the truncate returns without a timeout */
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 20000));
	ASSERT_EQ(0, start_hold(&p, self->plain, NULL));
	ASSERT_EQ(1, ll_lease_line(self->plain_st.st_ino, &l));
	EXPECT_EQ(p.pid, l.pid);
	EXPECT_STREQ("shared", l.mode);
	EXPECT_EQ(0, p.err.len);

	ASSERT_EQ(0, truncate(self->plain, 0));
	ASSERT_EQ(0, stat(self->plain, &st));
	EXPECT_EQ(0, st.st_size);
	EXPECT_EQ(breaks + 1, ll_stat("breaks"));
	EXPECT_EQ(timeouts, ll_stat("timeouts"));
	EXPECT_EQ(0, ll_lease_line(self->plain_st.st_ino, &gone));

	/* the shell kept running; its status is hold's */
	EXPECT_EQ(7, end_hold(&p));
	EXPECT_EQ(1, lines(p.err.buf, "", NULL, 0));
	check_break_line(_metadata, p.err.buf, l.id, self->plain,
			 "; released\n");
}

/* hold --keep keeps the broken lease until the module's timeout. */
TEST_F(cli, hold_keep_waits_for_timeout)
{
	long timeouts = ll_stat("timeouts");
	struct ll_lease_line l;
	struct proc p;
	double start;

	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 500));
	ASSERT_EQ(0, start_hold(&p, self->plain, "--keep"));
	ASSERT_EQ(1, ll_lease_line(self->plain_st.st_ino, &l));
	start = ll_now();
	ASSERT_EQ(0, truncate(self->plain, 0));
	/* 500 ms of jiffies, give or take one */
	EXPECT_LE(0.48, ll_now() - start);
	EXPECT_EQ(timeouts + 1, ll_stat("timeouts"));
	EXPECT_EQ(7, end_hold(&p));
	EXPECT_EQ(1, lines(p.err.buf, "", NULL, 0));
	check_break_line(_metadata, p.err.buf, l.id, self->plain,
			 "; kept until the break timeout\n");
}

/* hold --exclusive: the truncate fails with ETXTBSY, nothing is broken. */
TEST_F(cli, hold_exclusive)
{
	long breaks = ll_stat("breaks");
	struct want w = { 0 };
	struct ll_lease_line l;
	struct stat st;
	struct proc p, q;

	ASSERT_EQ(0, start_hold(&p, self->plain, "--exclusive"));
	ASSERT_EQ(1, ll_lease_line(self->plain_st.st_ino, &l));
	EXPECT_EQ(-1, truncate(self->plain, 0));
	EXPECT_EQ(ETXTBSY, errno);
	ASSERT_EQ(0, stat(self->plain, &st));
	EXPECT_EQ(LEN, st.st_size);
	EXPECT_EQ(breaks, ll_stat("breaks"));

	/* another process's lease, as list shows it */
	ASSERT_EQ(0, cli(&q, "list", "--json"));
	want(&w, "id=%llu", l.id);
	want(&w, "pid=%d", p.pid);
	want(&w, "comm=layoutlease");
	want(&w, "path=%s", self->plain);
	want(&w, "mode=exclusive");
	want(&w, "pins=0");
	EXPECT_EQ(0, json_check(q.out.buf, "leases", "1", &w))
		TH_LOG("%s", q.out.buf);

	EXPECT_EQ(7, end_hold(&p));
	EXPECT_EQ(0, p.err.len) TH_LOG("%s", p.err.buf);
}

/* What hold exits with when it, or its command, cannot run. */
TEST_F(cli, hold_failures)
{
	struct proc p;

	EXPECT_EQ(125, cli(&p, "hold"));
	EXPECT_EQ(125, cli(&p, "hold", self->plain));
	EXPECT_EQ(125, cli(&p, "hold", self->plain, "--"));
	EXPECT_EQ(125, cli(&p, "hold", "--bogus", self->plain, "true"));
	EXPECT_EQ(125, cli(&p, "hold", CLI_DIR "/none", "--", "true"));
	EXPECT_NE(NULL, strstr(p.err.buf, "cannot open " CLI_DIR "/none: No such file"))
		TH_LOG("%s", p.err.buf);
	EXPECT_EQ(125, cli(&p, "hold", CLI_DIR, "--", "true"));
	EXPECT_NE(NULL, strstr(p.err.buf, "not a regular file"))
		TH_LOG("%s", p.err.buf);
	EXPECT_EQ(127, cli(&p, "hold", self->plain, "--", "/none/cmd"));
	EXPECT_EQ(126, cli(&p, "hold", self->plain, "--", "/etc"));
	EXPECT_EQ(0, cli(&p, "hold", self->plain, "true"));
	EXPECT_EQ(128 + SIGTERM,
		  cli(&p, "hold", self->plain, "--", "/bin/sh", "-c",
		      "kill -TERM $$"));
	/* a signal sent to hold reaches its command */
	ASSERT_EQ(0, start_hold(&p, self->plain, NULL));
	EXPECT_EQ(0, kill(p.pid, SIGTERM));
	EXPECT_EQ(128 + SIGTERM, reap(&p));
}

/* Usage errors, --help and --version. */
TEST(usage)
{
	struct proc p;

	EXPECT_EQ(2, run(&p, (const char *const []){ cli_bin, NULL }, NULL));
	EXPECT_EQ(2, cli(&p, "bogus"));
	EXPECT_NE(NULL, strstr(p.err.buf, "unknown command 'bogus'"));
	EXPECT_EQ(2, cli(&p, "list", "--bogus"));
	EXPECT_EQ(2, cli(&p, "list", "extra"));
	EXPECT_EQ(2, cli(&p, "pins", "--count", "1"));
	EXPECT_EQ(2, cli(&p, "stats", "--noheadings"));
	EXPECT_EQ(2, cli(&p, "watch", "--count", "0"));
	EXPECT_EQ(2, cli(&p, "watch", "--count", "1x"));
	EXPECT_EQ(2, cli(&p, "watch", "--count"));
	EXPECT_EQ(0, p.out.len);
	EXPECT_EQ(0, cli(&p, "--help"));
	EXPECT_EQ(0, strncmp(p.out.buf, "Usage:\n", 7));
	EXPECT_EQ(0, cli(&p, "list", "--help"));
	EXPECT_EQ(0, strncmp(p.out.buf, "Usage:\n", 7));
	EXPECT_EQ(0, cli(&p, "--version"));
	EXPECT_EQ(0, strncmp(p.out.buf, "layoutlease from layoutlease ", 29));
}

/* Start watch and wait until its events are enabled; its instance. */
static int start_watch(struct proc *p, const char *const argv[],
		       char *inst, size_t len)
{
	const char *at;

	if (spawn(p, argv) || read_until(&p->err, "\n", CLI_MS))
		return -1;
	at = strstr(p->err.buf, " in " TRACEFS "/instances/layoutlease-");
	if (!at)
		return -1;
	snprintf(inst, len, "%.*s", (int)strcspn(at + 4, "\n"), at + 4);
	return 0;
}

/*
 * watch_check: the JSON lines on standard input are the events named
 * after LEASE SETTER, in order, of that lease and setter, at wall-clock
 * times no earlier than their predecessor's and within a minute of now;
 * TASK=PID arguments say which task each event happened in.
 */
static const char watch_check_py[] =
	"import json, sys\n"
	"from datetime import datetime, timezone\n"
	"ev = [json.loads(l) for l in sys.stdin.buffer.read().splitlines()]\n"
	"lease, setter = int(sys.argv[1]), int(sys.argv[2])\n"
	"names = [a.split('=')[0] for a in sys.argv[3:]]\n"
	"tasks = [int(a.split('=')[1]) for a in sys.argv[3:]]\n"
	"times = [datetime.fromisoformat(e['time']) for e in ev]\n"
	"now = datetime.now(timezone.utc)\n"
	"ok = ([e['event'] for e in ev] == names and\n"
	"      [e['task_pid'] for e in ev] == tasks and\n"
	"      all(e['lease'] == lease and e['setter_pid'] == setter and\n"
	"          e['mode'] == 'shared' for e in ev) and\n"
	"      times == sorted(times) and\n"
	"      all(abs((now - t).total_seconds()) < 60 for t in times))\n"
	"if not ok:\n"
	"    print('unexpected events:', ev, file=sys.stderr)\n"
	"sys.exit(0 if ok else 1)\n";

/* watch --count 3 sees another process set, break and release a lease. */
TEST_F(cli, watch_set_break_release)
{
	static const char *const argv[] = { cli_bin, "watch", "--json",
					    "--count", "3", NULL };
	char inst[PATH_MAX], lease[32], setter[32], set[32], brk[32];
	char release[32];
	struct ll_lease_line l;
	struct holder h;
	struct proc p, q;

	ASSERT_EQ(0, start_watch(&p, argv, inst, sizeof(inst)))
		TH_LOG("%s", p.err.buf);
	EXPECT_EQ(0, access(inst, F_OK));
	ASSERT_EQ(0, holder_start(&h, self->plain, LL_SHARED,
				  HOLD_COOPERATE));
	ASSERT_EQ(1, ll_lease_line(self->plain_st.st_ino, &l));
	ASSERT_EQ(0, truncate(self->plain, 0));
	ASSERT_EQ(1, holder_finish(&h));
	EXPECT_EQ(0, h.rep.released);

	ASSERT_EQ(0, read_until(&p.out, NULL, CLI_MS)) TH_LOG("%s", p.out.buf);
	EXPECT_EQ(0, reap(&p));
	EXPECT_EQ(-1, access(inst, F_OK));
	EXPECT_EQ(ENOENT, errno);
	snprintf(lease, sizeof(lease), "%llu", l.id);
	snprintf(setter, sizeof(setter), "%d", h.pid);
	snprintf(set, sizeof(set), "set=%d", h.pid);
	snprintf(brk, sizeof(brk), "break=%d", getpid());
	snprintf(release, sizeof(release), "release=%d", h.pid);
	EXPECT_EQ(0, run(&q, (const char *const []){ PYTHON, "-c",
			 watch_check_py, lease, setter, set, brk, release,
			 NULL }, p.out.buf))
		TH_LOG("%s", p.out.buf);
}

/*
 * The text lines of watch, the path of a lease looked up while it is
 * held and remembered after its release, and the instance removed on
 * SIGTERM and SIGINT.
 */
TEST_F(cli, watch_text_and_signals)
{
	static const char *const argv[] = { cli_bin, "watch", NULL };
	static const int sigs[] = { SIGTERM, SIGINT };
	char inst[PATH_MAX], want_set[PATH_MAX * 2], want_rel[PATH_MAX * 2];
	const char *at;
	struct ll_lease_line l;
	struct proc p;
	int i, fd;

	fd = open(self->plain, O_RDWR);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, start_watch(&p, argv, inst, sizeof(inst)));
		ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
		ASSERT_EQ(1, ll_lease_line(self->plain_st.st_ino, &l));
		snprintf(want_set, sizeof(want_set), " set     lease=%llu mode=shared setter=%d task=%s[%d] dev=%u:%u ino=%lu path=%s\n",
			 l.id, getpid(), self->comm, getpid(),
			 major(self->plain_st.st_dev),
			 minor(self->plain_st.st_dev),
			 self->plain_st.st_ino, self->plain);
		ASSERT_EQ(0, read_until(&p.out, want_set, CLI_MS))
			TH_LOG("%s", p.out.buf);
		ASSERT_EQ(0, ll_setlease(fd, F_UNLCK));
		snprintf(want_rel, sizeof(want_rel), " release lease=%llu ",
			 l.id);
		ASSERT_EQ(0, read_until(&p.out, want_rel, CLI_MS))
			TH_LOG("%s", p.out.buf);
		at = strstr(p.out.buf, want_rel);
		EXPECT_EQ(0, strcmp(strstr(at, " mode="),
				    strstr(want_set, " mode=")))
			TH_LOG("%s", p.out.buf);
		EXPECT_EQ(2, lines(p.out.buf, "", NULL, 0));
		EXPECT_GE(60, age_of(p.out.buf));
		EXPECT_LE(0, age_of(p.out.buf));
		EXPECT_EQ(0, access(inst, F_OK));
		EXPECT_EQ(0, kill(p.pid, sigs[i]));
		EXPECT_EQ(0, reap(&p));
		EXPECT_EQ(-1, access(inst, F_OK)) TH_LOG("%s left", inst);
	}
	close(fd);
}

/* Without the module: exit status 3 and a message in words. */
TEST(module_not_loaded)
{
	char ko[PATH_MAX];
	struct proc p;

	ll_module_path(ko, sizeof(ko));
	ASSERT_EQ(0, ll_sh("rmmod layoutlease"));
	EXPECT_EQ(3, cli(&p, "list"));
	EXPECT_NE(NULL, strstr(p.err.buf, "layoutlease: the layoutlease module is not loaded"))
		TH_LOG("%s", p.err.buf);
	EXPECT_EQ(3, cli(&p, "pins", "--json"));
	EXPECT_EQ(0, p.out.len);
	EXPECT_EQ(3, cli(&p, "stats"));
	EXPECT_EQ(3, cli(&p, "watch"));
	EXPECT_EQ(125, cli(&p, "hold", "/proc/self/exe", "--", "true"));
	EXPECT_NE(NULL, strstr(p.err.buf, "module is not loaded"));
	ASSERT_EQ(0, ll_sh("insmod %s", ko));
}

TEST_HARNESS_MAIN
