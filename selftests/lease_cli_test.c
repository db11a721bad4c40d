// SPDX-License-Identifier: GPL-2.0
/*
 * The layoutlease command (tools/layoutlease): list, pins and stats
 * against a lease and a pin this test holds, their JSON parsed by Python's
 * json module and compared value by value, paths that cannot be resolved,
 * hold reporting and releasing a lease broken by a truncate, watch seeing
 * set, break and release in order through its own trace instance and
 * removing it, and the exit codes.  The tables are libsmartcols's: their
 * columns, --output, --raw and its escapes are checked too.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sysmacros.h>

#include "kselftest_harness.h"
#include "lease_util.h"
#include "rdma_util.h"
#include "spawn_util.h"

#define LEN		(1 << 20)
#define PAGES		(LEN / 4096)
#define OUT_MAX		65536
/* a command that takes longer has failed */
#define CLI_MS		(20000 * ll_slowness())
#define PYTHON		"/usr/bin/python3"

/*
 * A file name and a command name the output has to escape.  libsmartcols
 * shows control characters, bytes that are not UTF-8 and a backslash
 * before an x as \xHH in tables (_SHOWN; other backslashes as they are),
 * and in raw output blanks, every backslash and non-ASCII byte too
 * (_RAW).  In JSON, layoutlease writes a byte that is not UTF-8 as the
 * text \xHH and a backslash before an x as \x5c (_JSON).
 */
#define ODD_NAME	"cli \"q\" \\ \\x\n\t\xff\xc3\xa9.dat"
#define ODD_NAME_SHOWN	"cli \"q\" \\ \\x5cx\\x0a\\x09\\xff\xc3\xa9.dat"
#define ODD_NAME_RAW	"cli\\x20\"q\"\\x20\\x5c\\x20\\x5cx\\x0a\\x09\\xff\\xc3\\xa9.dat"
#define ODD_NAME_JSON	"cli \"q\" \\ \\x5cx\n\t\\xff\xc3\xa9.dat"
#define ODD_COMM	"c)\"\\\n(x"
#define ODD_COMM_SHOWN	"c)\"\\\\x0a(x"
#define ODD_COMM_RAW	"c)\"\\x5c\\x0a(x"

static char cli_bin[PATH_MAX];

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
	/* libsmartcols shows UTF-8 characters in a UTF-8 locale only */
	setenv("LC_ALL", "C.UTF-8", 1);
}

/* What a program that ran to its end wrote. */
struct proc {
	struct {
		size_t len;
		char buf[OUT_MAX];
	} out, err;
};

/*
 * Run @argv with @input on its standard input to its end: its exit
 * status (128 + N for signal N), or -1.
 */
static int run(struct proc *p, const char *const argv[], const char *input)
{
	size_t len = input ? strlen(input) : 0;
	ssize_t out = -1, err = -1;
	struct child c;
	int st = -1;

	if (!child_spawn(&c, "run", (char *const *)argv, true) &&
	    (!len || write(c.in, input, len) == (ssize_t)len)) {
		close(c.in);
		c.in = -1;
		out = child_read_all(c.out, p->out.buf, sizeof(p->out.buf),
				     CLI_MS);
		err = child_read_all(c.err, p->err.buf, sizeof(p->err.buf),
				     CLI_MS);
		if (out >= 0 && err >= 0)
			st = child_wait(&c, CLI_MS);
	}
	p->out.len = out > 0 ? out : 0;
	p->err.len = err > 0 ? err : 0;
	p->out.buf[p->out.len] = '\0';
	p->err.buf[p->err.len] = '\0';
	child_stop(&c);
	return child_status(st);
}

/* Run the command line tool with the NULL-terminated arguments. */
#define cli(p, ...)	run(p, (const char *const []){ cli_bin, __VA_ARGS__, NULL }, NULL)

/* The lines @c prints until it ends, into @buf; 0 or -ETIMEDOUT. */
static int rest_of(struct child *c, char *buf, size_t len)
{
	char line[PATH_MAX * 2];
	size_t n = 0;
	int ret;

	buf[0] = '\0';
	while (!(ret = child_expect(c, "", line, sizeof(line), CLI_MS)))
		if (n < len)
			n += snprintf(buf + n, len - n, "%s\n", line);
	return ret == -EPIPE ? 0 : ret;
}

/*
 * json_check: parse standard input as JSON; its array KEY ("-": the
 * object itself) must have ROWS elements ("*": any number), and when
 * KEY=VALUE arguments follow, exactly one element must have those values
 * (null, numbers and lists as text; @keys: its keys, in order, separated
 * by commas).  Exit 3 for text that is not JSON.
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
	"def text(e, k):\n"
	"    if k == '@keys':\n"
	"        return ','.join(e)\n"
	"    v = e.get(k)\n"
	"    if v is None:\n"
	"        return 'null'\n"
	"    if isinstance(v, list):\n"
	"        return ','.join(v)\n"
	"    return str(v)\n"
	"hits = [e for e in elems if all(text(e, k) == v for k, v in want)]\n"
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

/* Make the runs of spaces in @s one, and drop those that start lines. */
static void squeeze(char *s)
{
	bool start = true;
	char *d = s;

	for (; *s; s++) {
		if (*s == ' ' && (start || d[-1] == ' '))
			continue;
		start = *s == '\n';
		*d++ = *s;
	}
	*d = '\0';
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
	struct child hold, watch;	/* hold and watch running */
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
	/* hold passes SIGTERM on to its command, watch cleans up */
	child_end(&self->hold, SIGTERM, CLI_MS);
	child_end(&self->watch, SIGTERM, CLI_MS);
	prctl(PR_SET_NAME, self->comm);
	ibv_dealloc_pd(self->pd);
	ibv_close_device(self->ctx);
	if (self->fd >= 0)
		close(self->fd);
	unlink(self->path);
	unlink(self->plain);
	ll_write_long(LL_PARAM("break_timeout_ms"), self->timeout_ms);
	ll_sh("echo dax > " LL_PARAM("implicit_scope"));
}

static void *map_file(int fd)
{
	return mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
}

/*
 * Named ODD_COMM, take a shared lease on the ODD_NAME file and pin all of
 * it: its line of the leases in @l, the mapping in @buf; 0 or -1.
 */
static int lease_and_pin(FIXTURE_DATA(cli) *self, struct ll_lease_line *l,
			 void **buf, struct ibv_mr **mr)
{
	if (prctl(PR_SET_NAME, ODD_COMM) || ll_setlease(self->fd, LL_SHARED) ||
	    ll_lease_line(&self->st, l) != 1)
		return -1;
	*buf = map_file(self->fd);
	if (*buf == MAP_FAILED)
		return -1;
	*mr = ibv_reg_mr(self->pd, *buf, LEN, RDMA_ACCESS);
	return *mr ? 0 : -1;
}

/* Undo lease_and_pin(); 0 or -1. */
static int unpin_unlease(FIXTURE_DATA(cli) *self, void *buf,
			 struct ibv_mr *mr)
{
	if (ibv_dereg_mr(mr) || munmap(buf, LEN))
		return -1;
	return ll_setlease(self->fd, F_UNLCK);
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

	ASSERT_EQ(0, lease_and_pin(self, &l, &buf, &mr))
		TH_LOG("%s", strerror(errno));

	ASSERT_EQ(0, cli(&p, "list", "--json"));
	EXPECT_EQ(0, p.err.len);
	want(&w, "id=%llu", l.id);
	want(&w, "pid=%d", getpid());
	want(&w, "comm=%s", ODD_COMM);
	want(&w, "fd=%d", self->fd);
	want(&w, "dev=%s", self->dev);
	want(&w, "ino=%lu", self->st.st_ino);
	want(&w, "path=%s", CLI_DIR "/" ODD_NAME_JSON);
	want(&w, "mode=shared");
	want(&w, "state=active");
	want(&w, "break_ms=0");
	want(&w, "pins=1");
	want(&w, "pages=%d", PAGES);
	want(&w, "@keys=id,pid,comm,fd,dev,ino,path,mode,state,break_ms,pins,pages");
	EXPECT_EQ(0, json_check(p.out.buf, "leases", "1", &w))
		TH_LOG("%s", p.out.buf);

	ASSERT_EQ(0, cli(&p, "pins", "--json"));
	memset(&w, 0, sizeof(w));
	want(&w, "pid=%d", getpid());
	want(&w, "comm=%s", ODD_COMM);
	want(&w, "dev=%s", self->dev);
	want(&w, "ino=%lu", self->st.st_ino);
	want(&w, "path=%s", CLI_DIR "/" ODD_NAME_JSON);
	want(&w, "start=0");
	want(&w, "end=%d", LEN);
	want(&w, "pages=%d", PAGES);
	want(&w, "lease=%llu", l.id);
	want(&w, "access=%d", RDMA_ACCESS);
	want(&w, "access_flags=local_write,remote_write,remote_read");
	want(&w, "@keys=umem,pid,comm,dev,ino,path,start,end,pages,lease,access,access_flags");
	EXPECT_EQ(0, json_check(p.out.buf, "pins", "1", &w))
		TH_LOG("%s", p.out.buf);

	/* tables: a header and one line, the newlines of names escaped */
	ASSERT_EQ(0, cli(&p, "list"));
	EXPECT_EQ(2, lines(p.out.buf, "", NULL, 0));
	squeeze(p.out.buf);
	snprintf(line, sizeof(line), "ID PID COMMAND MODE STATE BREAK PINS PAGES PATH\n%llu %d %s shared active - 1 %d %s\n",
		 l.id, getpid(), ODD_COMM_SHOWN, PAGES,
		 CLI_DIR "/" ODD_NAME_SHOWN);
	EXPECT_STREQ(line, p.out.buf);
	ASSERT_EQ(0, cli(&p, "list", "--noheadings"));
	EXPECT_EQ(1, lines(p.out.buf, "", NULL, 0));
	ASSERT_EQ(0, cli(&p, "list", "--raw"));
	snprintf(line, sizeof(line), "ID PID COMMAND MODE STATE BREAK PINS PAGES PATH\n%llu %d %s shared active - 1 %d %s\n",
		 l.id, getpid(), ODD_COMM_RAW, PAGES, CLI_DIR "/" ODD_NAME_RAW);
	EXPECT_STREQ(line, p.out.buf);
	ASSERT_EQ(0, cli(&p, "pins"));
	EXPECT_EQ(2, lines(p.out.buf, "", NULL, 0));
	squeeze(p.out.buf);
	EXPECT_EQ(0, strncmp(p.out.buf, "UMEM PID COMMAND RANGE PAGES LEASE ACCESS PATH\n", 47))
		TH_LOG("%s", p.out.buf);
	snprintf(line, sizeof(line), " %d %s %s %d %llu %#x %s\n",
		 getpid(), ODD_COMM_SHOWN, "0-1048576", PAGES, l.id,
		 RDMA_ACCESS, CLI_DIR "/" ODD_NAME_SHOWN);
	EXPECT_NE(NULL, strstr(p.out.buf, line)) TH_LOG("%s", p.out.buf);
	ASSERT_EQ(0, cli(&p, "pins", "--raw", "--noheadings"));
	EXPECT_EQ(1, lines(p.out.buf, "", NULL, 0));
	snprintf(line, sizeof(line), " %d %s %s %d %llu %#x %s\n",
		 getpid(), ODD_COMM_RAW, "0-1048576", PAGES, l.id,
		 RDMA_ACCESS, CLI_DIR "/" ODD_NAME_RAW);
	EXPECT_NE(NULL, strstr(p.out.buf, line)) TH_LOG("%s", p.out.buf);

	ASSERT_EQ(0, cli(&p, "stats"));
	squeeze(p.out.buf);
	snprintf(line, sizeof(line), "NAME VALUE\nleases 1\nbreaks %ld\n",
		 ll_stat("breaks"));
	EXPECT_EQ(0, strncmp(p.out.buf, line, strlen(line)))
		TH_LOG("%s", p.out.buf);
	snprintf(line, sizeof(line), "\npins 1\npinned_pages %d\n", PAGES);
	EXPECT_NE(NULL, strstr(p.out.buf, line)) TH_LOG("%s", p.out.buf);
	ASSERT_EQ(0, cli(&p, "stats", "--raw", "--noheadings"));
	snprintf(line, sizeof(line), "leases 1\nbreaks %ld\n",
		 ll_stat("breaks"));
	EXPECT_EQ(0, strncmp(p.out.buf, line, strlen(line)))
		TH_LOG("%s", p.out.buf);
	ASSERT_EQ(0, cli(&p, "stats", "--json"));
	memset(&w, 0, sizeof(w));
	want(&w, "leases=1");
	want(&w, "pins=1");
	want(&w, "pinned_pages=%d", PAGES);
	want(&w, "breaks=%ld", ll_stat("breaks"));
	want(&w, "timeouts=%ld", ll_stat("timeouts"));
	want(&w, "revocations=%ld", ll_stat("revocations"));
	want(&w, "fences=%ld", ll_stat("fences"));
	EXPECT_EQ(0, json_check(p.out.buf, "-", "1", &w))
		TH_LOG("%s", p.out.buf);

	EXPECT_EQ(0, unpin_unlease(self, buf, mr));
	ASSERT_EQ(0, cli(&p, "list", "--json"));
	EXPECT_EQ(0, json_check(p.out.buf, "leases", "0", NULL));
	ASSERT_EQ(0, cli(&p, "pins", "--json"));
	EXPECT_EQ(0, json_check(p.out.buf, "pins", "0", NULL));
	/* the checker itself tells JSON from text */
	EXPECT_EQ(3, json_check("{\"leases\": [}", "leases", "0", NULL));
}

/* An implicit lease: mode implicit, the registering process, no fd. */
TEST_F(cli, implicit_lease_listed)
{
	struct ll_lease_line l;
	struct want w = { 0 };
	char line[PATH_MAX * 2];
	struct ibv_mr *mr;
	struct proc p;
	void *buf;
	int fd = open(self->plain, O_RDWR);

	ASSERT_LE(0, fd);
	/* tmpfs here: page-cache files get implicit leases with scope all */
	ASSERT_EQ(0, ll_sh("echo all > " LL_PARAM("implicit_scope")));
	buf = map_file(fd);
	ASSERT_NE(MAP_FAILED, buf);
	mr = ibv_reg_mr(self->pd, buf, LEN, RDMA_ACCESS);
	ASSERT_NE(NULL, mr);
	ASSERT_EQ(1, ll_lease_line(&self->plain_st, &l));

	ASSERT_EQ(0, cli(&p, "list", "--json"));
	want(&w, "id=%llu", l.id);
	want(&w, "pid=%d", getpid());
	want(&w, "comm=%s", self->comm);
	want(&w, "fd=-1");
	want(&w, "path=%s", self->plain);
	want(&w, "mode=implicit");
	want(&w, "state=active");
	want(&w, "pins=1");
	want(&w, "pages=%d", PAGES);
	EXPECT_EQ(0, json_check(p.out.buf, "leases", "1", &w))
		TH_LOG("%s", p.out.buf);
	ASSERT_EQ(0, cli(&p, "list", "--noheadings", "-o", "ID,PID,MODE"));
	squeeze(p.out.buf);
	snprintf(line, sizeof(line), "%llu %d implicit\n", l.id, getpid());
	EXPECT_STREQ(line, p.out.buf);
	ASSERT_EQ(0, cli(&p, "pins", "--json"));
	memset(&w, 0, sizeof(w));
	want(&w, "pid=%d", getpid());
	want(&w, "lease=%llu", l.id);
	EXPECT_EQ(0, json_check(p.out.buf, "pins", "1", &w))
		TH_LOG("%s", p.out.buf);

	EXPECT_EQ(0, ibv_dereg_mr(mr));
	ASSERT_EQ(0, cli(&p, "list", "--json"));
	EXPECT_EQ(0, json_check(p.out.buf, "leases", "0", NULL));
	munmap(buf, LEN);
	close(fd);
}

/* --output: the columns asked for, in that order, in every format. */
TEST_F(cli, output_columns)
{
	struct ll_lease_line l;
	struct want w = { 0 };
	char line[PATH_MAX * 4];
	struct ibv_mr *mr;
	struct proc p;
	void *buf;

	ASSERT_EQ(0, lease_and_pin(self, &l, &buf, &mr))
		TH_LOG("%s", strerror(errno));

	ASSERT_EQ(0, cli(&p, "list", "-o", "PID,PATH"));
	EXPECT_EQ(0, p.err.len);
	squeeze(p.out.buf);
	snprintf(line, sizeof(line), "PID PATH\n%d %s\n", getpid(),
		 CLI_DIR "/" ODD_NAME_SHOWN);
	EXPECT_STREQ(line, p.out.buf);
	/* any case, JSON names too, any order */
	ASSERT_EQ(0, cli(&p, "list", "--raw", "--noheadings", "--output",
			 "path,Comm,break_ms,ID,fd,dev,ino"));
	snprintf(line, sizeof(line), "%s %s - %llu %d %s %lu\n",
		 CLI_DIR "/" ODD_NAME_RAW, ODD_COMM_RAW, l.id, self->fd,
		 self->dev, self->st.st_ino);
	EXPECT_STREQ(line, p.out.buf);
	ASSERT_EQ(0, cli(&p, "list", "--json", "--output", "PID,PATH,break"));
	want(&w, "@keys=pid,path,break_ms");
	want(&w, "pid=%d", getpid());
	want(&w, "path=%s", CLI_DIR "/" ODD_NAME_JSON);
	want(&w, "break_ms=0");
	EXPECT_EQ(0, json_check(p.out.buf, "leases", "1", &w))
		TH_LOG("%s", p.out.buf);

	ASSERT_EQ(0, cli(&p, "pins", "-o", "lease,RANGE,access_flags"));
	squeeze(p.out.buf);
	snprintf(line, sizeof(line), "LEASE RANGE ACCESS_FLAGS\n%llu 0-%d local_write,remote_write,remote_read\n",
		 l.id, LEN);
	EXPECT_STREQ(line, p.out.buf);
	ASSERT_EQ(0, cli(&p, "pins", "-r", "-n", "-o", "PID,START,END,DEV,INO,ACCESS"));
	snprintf(line, sizeof(line), "%d 0 %d %s %lu %#x\n", getpid(), LEN,
		 self->dev, self->st.st_ino, RDMA_ACCESS);
	EXPECT_STREQ(line, p.out.buf);
	ASSERT_EQ(0, cli(&p, "pins", "-J", "-o", "range,lease,Access,COMMAND"));
	memset(&w, 0, sizeof(w));
	want(&w, "@keys=range,lease,access,comm");
	want(&w, "range=0-%d", LEN);
	want(&w, "lease=%llu", l.id);
	want(&w, "access=%d", RDMA_ACCESS);
	want(&w, "comm=%s", ODD_COMM);
	EXPECT_EQ(0, json_check(p.out.buf, "pins", "1", &w))
		TH_LOG("%s", p.out.buf);

	EXPECT_EQ(0, unpin_unlease(self, buf, mr));
	/* no leases: no header either, as lslocks */
	ASSERT_EQ(0, cli(&p, "list", "-o", "PID,PATH"));
	EXPECT_EQ(0, p.out.len) TH_LOG("%s", p.out.buf);
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
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));
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
	ASSERT_EQ(1, ll_lease_line(&self->st, &l));

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
	EXPECT_EQ(0, ll_lease_line(&self->st, &l));
	close(fd);
	unlink(other);
}

/*
 * Start hold on @path around a shell that says "ready", then waits; hold
 * must say nothing before.
 */
static int start_hold(struct child *c, const char *path, const char *opt)
{
	const char *argv[9] = { cli_bin, "hold" };
	char line[256];
	int n = 2;

	if (opt)
		argv[n++] = opt;
	argv[n++] = path;
	argv[n++] = "--";
	argv[n++] = "/bin/sh";
	argv[n++] = "-c";
	argv[n++] = "echo ready; read x; exit 7";
	if (child_start(c, "hold", (char *const *)argv) ||
	    child_expect(c, "", line, sizeof(line), CLI_MS))
		return -1;
	return strcmp(line, "ready") ? -1 : 0;
}

/* Let the shell end: hold's exit status, what it said since in @err. */
static int end_hold(struct child *c, char *err, size_t len)
{
	if (child_send(c, "x") || rest_of(c, err, len))
		return -1;
	return child_status(child_wait(c, CLI_MS));
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
	char err[PATH_MAX * 2];
	struct stat st;

	/* hold released it, if the truncate returns without a timeout */
	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 20000));
	ASSERT_EQ(0, start_hold(&self->hold, self->plain, NULL));
	ASSERT_EQ(1, ll_lease_line(&self->plain_st, &l));
	EXPECT_EQ(self->hold.pid, l.pid);
	EXPECT_STREQ("shared", l.mode);

	ASSERT_EQ(0, truncate(self->plain, 0));
	ASSERT_EQ(0, stat(self->plain, &st));
	EXPECT_EQ(0, st.st_size);
	EXPECT_EQ(breaks + 1, ll_stat("breaks"));
	EXPECT_EQ(timeouts, ll_stat("timeouts"));
	EXPECT_EQ(0, ll_lease_line(&self->plain_st, &gone));

	/* the shell kept running; its status is hold's */
	EXPECT_EQ(7, end_hold(&self->hold, err, sizeof(err)));
	EXPECT_EQ(1, lines(err, "", NULL, 0));
	check_break_line(_metadata, err, l.id, self->plain, "; released\n");
}

/* hold --keep keeps the broken lease until the module's timeout. */
TEST_F(cli, hold_keep_waits_for_timeout)
{
	long timeouts = ll_stat("timeouts");
	struct ll_lease_line l;
	char err[PATH_MAX * 2];
	double start;

	ASSERT_EQ(0, ll_write_long(LL_PARAM("break_timeout_ms"), 500));
	ASSERT_EQ(0, start_hold(&self->hold, self->plain, "--keep"));
	ASSERT_EQ(1, ll_lease_line(&self->plain_st, &l));
	start = ll_now();
	ASSERT_EQ(0, truncate(self->plain, 0));
	/* 500 ms of jiffies, give or take one */
	EXPECT_LE(0.48, ll_now() - start);
	EXPECT_EQ(timeouts + 1, ll_stat("timeouts"));
	EXPECT_EQ(7, end_hold(&self->hold, err, sizeof(err)));
	EXPECT_EQ(1, lines(err, "", NULL, 0));
	check_break_line(_metadata, err, l.id, self->plain,
			 "; kept until the break timeout\n");
}

/* hold --exclusive: the truncate fails with ETXTBSY, nothing is broken. */
TEST_F(cli, hold_exclusive)
{
	long breaks = ll_stat("breaks");
	struct want w = { 0 };
	struct ll_lease_line l;
	char err[PATH_MAX];
	struct stat st;
	struct proc q;

	ASSERT_EQ(0, start_hold(&self->hold, self->plain, "--exclusive"));
	ASSERT_EQ(1, ll_lease_line(&self->plain_st, &l));
	EXPECT_EQ(-1, truncate(self->plain, 0));
	EXPECT_EQ(ETXTBSY, errno);
	ASSERT_EQ(0, stat(self->plain, &st));
	EXPECT_EQ(LEN, st.st_size);
	EXPECT_EQ(breaks, ll_stat("breaks"));

	/* another process's lease, as list shows it */
	ASSERT_EQ(0, cli(&q, "list", "--json"));
	want(&w, "id=%llu", l.id);
	want(&w, "pid=%d", self->hold.pid);
	want(&w, "comm=layoutlease");
	want(&w, "path=%s", self->plain);
	want(&w, "mode=exclusive");
	want(&w, "pins=0");
	EXPECT_EQ(0, json_check(q.out.buf, "leases", "1", &w))
		TH_LOG("%s", q.out.buf);

	EXPECT_EQ(7, end_hold(&self->hold, err, sizeof(err)));
	EXPECT_STREQ("", err);
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
	ASSERT_EQ(0, start_hold(&self->hold, self->plain, NULL));
	EXPECT_EQ(0, kill(self->hold.pid, SIGTERM));
	EXPECT_EQ(128 + SIGTERM,
		  child_status(child_wait(&self->hold, CLI_MS)));
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
	EXPECT_EQ(2, cli(&p, "stats", "--output", "NAME"));
	EXPECT_EQ(2, cli(&p, "pins", "--output"));
	/* an unknown column, before the module is asked */
	EXPECT_EQ(2, cli(&p, "list", "-o", "PID,bogus"));
	EXPECT_NE(NULL, strstr(p.err.buf, "unknown column: bogus"))
		TH_LOG("%s", p.err.buf);
	EXPECT_EQ(0, p.out.len);
	EXPECT_EQ(2, cli(&p, "pins", "--output", "ID"));
	EXPECT_NE(NULL, strstr(p.err.buf, "unknown column: ID"));
	EXPECT_EQ(2, cli(&p, "list", "-o", "PID,"));
	EXPECT_EQ(2, cli(&p, "list", "--json", "-o", "pidx"));
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

/*
 * Start watch and wait until it says its events are enabled, before
 * anything else; its instance.
 */
static int start_watch(struct child *c, const char *const argv[],
		       char *inst, size_t len)
{
	char line[PATH_MAX];
	const char *at;

	if (child_start(c, "watch", (char *const *)argv) ||
	    child_expect(c, "", line, sizeof(line), CLI_MS))
		return -1;
	at = strstr(line, " in " TRACEFS "/instances/layoutlease-");
	if (!at)
		return -1;
	snprintf(inst, len, "%s", at + 4);
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
	char release[32], out[OUT_MAX];
	struct ll_lease_line l;
	struct holder h;
	struct proc q;

	ASSERT_EQ(0, start_watch(&self->watch, argv, inst, sizeof(inst)));
	EXPECT_EQ(0, access(inst, F_OK));
	ASSERT_EQ(0, holder_start(&h, self->plain, LL_SHARED,
				  HOLD_COOPERATE));
	ASSERT_EQ(1, ll_lease_line(&self->plain_st, &l));
	ASSERT_EQ(0, truncate(self->plain, 0));
	ASSERT_EQ(1, holder_finish(&h));
	EXPECT_EQ(0, h.rep.released);

	/* it exits after the third */
	ASSERT_EQ(0, rest_of(&self->watch, out, sizeof(out)));
	EXPECT_EQ(0, child_status(child_wait(&self->watch, CLI_MS)));
	EXPECT_EQ(-1, access(inst, F_OK));
	EXPECT_EQ(ENOENT, errno);
	snprintf(lease, sizeof(lease), "%llu", l.id);
	snprintf(setter, sizeof(setter), "%d", h.pid);
	snprintf(set, sizeof(set), "set=%d", h.pid);
	snprintf(brk, sizeof(brk), "break=%d", getpid());
	snprintf(release, sizeof(release), "release=%d", h.pid);
	EXPECT_EQ(0, run(&q, (const char *const []){ PYTHON, "-c",
			 watch_check_py, lease, setter, set, brk, release,
			 NULL }, out))
		TH_LOG("%s", out);
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
	char set[PATH_MAX * 2], rel[PATH_MAX * 2], rest[PATH_MAX];
	const char *at;
	struct ll_lease_line l;
	int i, fd;

	fd = open(self->plain, O_RDWR);
	ASSERT_LE(0, fd);
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, start_watch(&self->watch, argv, inst,
					 sizeof(inst)));
		ASSERT_EQ(0, ll_setlease(fd, LL_SHARED));
		ASSERT_EQ(1, ll_lease_line(&self->plain_st, &l));
		snprintf(want_set, sizeof(want_set), " set     lease=%llu mode=shared setter=%d task=%s[%d] dev=%u:%u ino=%lu path=%s",
			 l.id, getpid(), self->comm, getpid(),
			 major(self->plain_st.st_dev),
			 minor(self->plain_st.st_dev),
			 self->plain_st.st_ino, self->plain);
		/* the next two lines: the set, then the release */
		ASSERT_EQ(0, child_expect(&self->watch, "", set, sizeof(set),
					  CLI_MS));
		at = strstr(set, want_set);
		ASSERT_NE(NULL, at) TH_LOG("%s", set);
		EXPECT_STREQ(want_set, at);
		ASSERT_EQ(0, ll_setlease(fd, F_UNLCK));
		snprintf(want_rel, sizeof(want_rel), " release lease=%llu ",
			 l.id);
		ASSERT_EQ(0, child_expect(&self->watch, "", rel, sizeof(rel),
					  CLI_MS));
		at = strstr(rel, want_rel);
		ASSERT_NE(NULL, at) TH_LOG("%s", rel);
		EXPECT_STREQ(strstr(want_set, " mode="), strstr(at, " mode="));
		EXPECT_GE(60, age_of(set));
		EXPECT_LE(0, age_of(set));
		EXPECT_EQ(0, access(inst, F_OK));
		EXPECT_EQ(0, kill(self->watch.pid, sigs[i]));
		/* nothing more */
		EXPECT_EQ(0, rest_of(&self->watch, rest, sizeof(rest)));
		EXPECT_STREQ("", rest);
		EXPECT_EQ(0, child_status(child_wait(&self->watch, CLI_MS)));
		child_stop(&self->watch);
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
