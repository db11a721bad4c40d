// SPDX-License-Identifier: GPL-2.0
/*
 * llbench MODULE.ko: what loading layoutlease costs, measured in the test
 * VM (tools/bench/run starts it there; see Documentation/benchmarks.rst).
 *
 * Every figure is a ratio against a baseline measured in the same run, in
 * rounds that interleave the two.  A round ("block") runs each arm twice,
 * in a palindrome (A B B A), so that a drift of the machine's speed during
 * the block cancels; the blocks rotate which arm comes first.  Before each
 * measured pass the arm is set up again and a warm-up pass runs: loading
 * or unloading the module patches kernel text, after which QEMU's TCG
 * translates the kernel's code again, and the warm-up pays for that.  An
 * arm of the baseline is measured twice over under two names (A and A'),
 * so that the A/A ratio shows what the method's bias and noise are.
 *
 * It prints its progress on stderr and one "llbench-json: {...}" line per
 * figure on stdout; tools/bench/report makes the table, the JSON document
 * and the plot from them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <infiniband/verbs.h>
#include <linux/layout_lease.h>

#include "bench_util.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MIB		(1024UL * 1024)
#define MAX_ROUNDS	16
#define MAX_ARMS	4

#define RW_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

static const char *module_path;
static int rounds = 6;		/* LL_BENCH_ROUNDS: blocks per comparison */
static int iter_scale = 1;	/* LL_BENCH_SCALE: iterations multiplier */
static long p6_max = 100000;	/* LL_BENCH_LEASES: the largest N */
static long p6_pins = 10000;	/* LL_BENCH_PINS */
static int p6_budget = 150;	/* LL_BENCH_P6_BUDGET: s to build the leases */
static int budget = 420;	/* LL_BENCH_BUDGET: s for the whole run */
static int warming;		/* a warm-up pass: fewer iterations */
static double t_start;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "llbench [%6.1f s] ", (now_ns() - t_start) / 1e9);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int iters(int n)
{
	n *= iter_scale;
	return warming ? (n + 3) / 4 : n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[64];
	int i;

	if (n <= 0)
		return 0;
	if (n > (int)ARRAY_SIZE(s))
		n = ARRAY_SIZE(s);
	for (i = 0; i < n; i++)
		s[i] = v[i];
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/*
 * The time of a loop, measured in chunks of about CHUNK_NS: the host runs
 * other VMs, and a chunk during which QEMU's thread was preempted takes
 * longer.  The fastest chunk's time per operation is the figure.
 */
#define CHUNK_NS	2e6

struct chunks {
	double start, best;
	long ops, done;
};

static void chunks_start(struct chunks *c)
{
	c->best = 0;
	c->ops = c->done = 0;
	c->start = now_ns();
}

/* after each operation */
static void chunks_op(struct chunks *c)
{
	double t;

	c->ops++;
	t = now_ns() - c->start;
	if (t < CHUNK_NS)
		return;
	if (!c->best || t / c->ops < c->best)
		c->best = t / c->ops;
	c->done += c->ops;
	c->ops = 0;
	c->start = now_ns();
}

static double chunks_best(struct chunks *c)
{
	/* a last chunk that was cut short counts if it is all there is */
	if (c->ops && !c->best)
		c->best = (now_ns() - c->start) / c->ops;
	return c->best;
}

/* The slab memory in use, from /proc/meminfo, in bytes. */
static long slab_bytes(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

/* One figure: a JSON object on stdout, for tools/bench/report. */
struct figure {
	const char *id, *name, *baseline, *unit;
	double target;		/* ratio target, or 0 for none */
	double ratios[MAX_ROUNDS];
	int n;
	double value, base;	/* medians of the absolute figures */
	char note[256];
};

static void emit(const struct figure *f)
{
	double lo = 0, hi = 0;
	int i;

	for (i = 0; i < f->n; i++) {
		if (!i || f->ratios[i] < lo)
			lo = f->ratios[i];
		if (!i || f->ratios[i] > hi)
			hi = f->ratios[i];
	}
	printf("llbench-json: {\"id\": \"%s\", \"name\": \"%s\", "
	       "\"baseline\": \"%s\", \"unit\": \"%s\", \"value\": %.6g, "
	       "\"base\": %.6g, \"ratio\": %.6g, \"min\": %.6g, \"max\": %.6g, "
	       "\"target\": %.6g, \"rounds\": [", f->id, f->name, f->baseline,
	       f->unit, f->value, f->base, f->n ? median(f->ratios, f->n) : 0,
	       lo, hi, f->target);
	for (i = 0; i < f->n; i++)
		printf("%s%.6g", i ? ", " : "", f->ratios[i]);
	printf("], \"note\": \"%s\"}\n", f->note);
	fflush(stdout);
}

/* Free-form JSON members: "llbench-json: {"id": "info", ...}" */
static void emit_info(const char *key, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("llbench-json: {\"id\": \"info\", \"key\": \"%s\", "
	       "\"value\": \"%s\"}\n", key, buf);
	fflush(stdout);
}

/* ---- the module ---- */

static int module_loaded(void)
{
	return access("/sys/module/layoutlease", F_OK) == 0;
}

static void module_load(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "insmod %s", module_path);
	if (system(cmd))
		die("%s failed", cmd);
}

static void module_unload(void)
{
	int i;

	/* references of processes that just exited may take a moment */
	for (i = 0; i < 50; i++) {
		if (!system("rmmod layoutlease 2>/dev/null"))
			return;
		usleep(100000);
	}
	die("rmmod layoutlease failed");
}

static int param_write(const char *name, const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/module/layoutlease/parameters/%s",
		 name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static void param_read(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/layoutlease/parameters/%s",
		 name);
	buf[0] = '\0';
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	close(fd);
}

/* ---- files and registrations ---- */

/* ns per ibv_reg_mr() + ibv_dereg_mr() of @buf */
static double mr_cycle(struct ibv_pd *pd, void *buf, size_t len, int access,
		       int n)
{
	struct chunks c;
	int i;

	chunks_start(&c);
	for (i = 0; i < n; i++) {
		struct ibv_mr *mr = ibv_reg_mr(pd, buf, len, access);

		if (!mr)
			die("ibv_reg_mr of %zu bytes", len);
		ibv_dereg_mr(mr);
		chunks_op(&c);
	}
	return chunks_best(&c);
}

/* ---- P1 and P2: one pass of the measures the module may slow down ---- */

enum {
	M_WRITE, M_FTRUNCATE, M_FALLOCATE, M_OPEN_TRUNC, M_GETLEASE,
	M_ANON_1M, M_ANON_64M, M_TMPFS_1M, M_TMPFS_64M, M_XFS_1M, M_XFS_64M,
	M_DAX_1M, M_DAX_64M, M_NR
};

static const struct {
	const char *id, *name, *unit;
} a_measures[M_NR] = {
	[M_WRITE] = { "P2", "write 4 KiB (XFS)", "us" },
	[M_FTRUNCATE] = { "P2", "ftruncate (XFS)", "us" },
	[M_FALLOCATE] = { "P2", "fallocate alloc/punch 64 KiB (XFS)", "us" },
	[M_OPEN_TRUNC] = { "P2", "open(O_TRUNC) + close (XFS)", "us" },
	[M_GETLEASE] = { "P2", "fcntl(F_GETLEASE) (XFS)", "us" },
	[M_ANON_1M] = { "P1", "reg+dereg MR 1 MiB anonymous", "us" },
	[M_ANON_64M] = { "P1", "reg+dereg MR 64 MiB anonymous", "us" },
	[M_TMPFS_1M] = { "P1", "reg+dereg MR 1 MiB tmpfs", "us" },
	[M_TMPFS_64M] = { "P1", "reg+dereg MR 64 MiB tmpfs", "us" },
	[M_XFS_1M] = { "P1", "reg+dereg MR 1 MiB XFS page cache", "us" },
	[M_XFS_64M] = { "P1", "reg+dereg MR 64 MiB XFS page cache", "us" },
	[M_DAX_1M] = { "P1", "reg+dereg MR 1 MiB DAX under a lease", "us" },
	[M_DAX_64M] = { "P1", "reg+dereg MR 64 MiB DAX under a lease", "us" },
};

#define P2_FILE		"/mnt/xfs/llbench-p2"
#define P3_FILE		"/mnt/xfs/llbench-p3"
#define P4_FILE		"/mnt/xfs/llbench-p4"

/* ns per call of one of the P2 system calls on an unleased XFS file */
static double p2_op(int op, int n)
{
	static char buf[PAGE];
	struct chunks c;
	int fd, i;

	fd = open(P2_FILE, O_RDWR | O_CREAT, 0644);
	if (fd < 0 || ftruncate(fd, 64 * 1024))
		die("open %s", P2_FILE);
	chunks_start(&c);
	for (i = 0; i < n; i++) {
		int r = 0;

		switch (op) {
		case M_WRITE:
			r = pwrite(fd, buf, sizeof(buf), 0) < 0;
			break;
		case M_FTRUNCATE:
			r = ftruncate(fd, i & 1 ? 64 * 1024 : 32 * 1024);
			break;
		case M_FALLOCATE:
			r = fallocate(fd, i & 1 ? FALLOC_FL_PUNCH_HOLE |
				      FALLOC_FL_KEEP_SIZE : 0, 0, 64 * 1024);
			break;
		case M_OPEN_TRUNC: {
			int t = open(P2_FILE, O_WRONLY | O_TRUNC);

			r = t < 0 || close(t);
			break;
		}
		case M_GETLEASE:
			r = fcntl(fd, F_GETLEASE) < 0;
			break;
		}
		if (r)
			die("P2 op %d", op);
		chunks_op(&c);
	}
	close(fd);
	return chunks_best(&c);
}

/* the registered buffers: mapped once, registered in every pass */
static struct {
	void *buf;
	size_t len;
	int access;
} a_bufs[M_NR];

static void a_setup(void)
{
	static const struct {
		int m;
		size_t len;
		const char *path;
		int access;
	} s[] = {
		{ M_ANON_1M, MIB, NULL, RW_ACCESS },
		{ M_ANON_64M, 64 * MIB, NULL, RW_ACCESS },
		{ M_TMPFS_1M, MIB, "/mnt/tmpfs/llbench-1m", RW_ACCESS },
		{ M_TMPFS_64M, 64 * MIB, "/mnt/tmpfs/llbench-64m", RW_ACCESS },
		/* writable pins of page cache are refused from 6.5 on */
		{ M_XFS_1M, MIB, "/mnt/xfs/llbench-1m", IBV_ACCESS_REMOTE_READ },
		{ M_XFS_64M, 64 * MIB, "/mnt/xfs/llbench-64m",
		  IBV_ACCESS_REMOTE_READ },
	};
	unsigned int i;

	if (a_bufs[M_ANON_1M].buf)
		return;
	for (i = 0; i < ARRAY_SIZE(s); i++) {
		void *buf;

		if (s[i].path) {
			buf = map_file(s[i].path, s[i].len);
		} else {
			buf = mmap(NULL, s[i].len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (buf == MAP_FAILED)
				die("mmap");
			memset(buf, 1, s[i].len);
		}
		a_bufs[s[i].m].buf = buf;
		a_bufs[s[i].m].len = s[i].len;
		a_bufs[s[i].m].access = s[i].access;
	}
}

/*
 * A DAX file's MR under a layout lease (module loaded), or the same size
 * on tmpfs (module not loaded: stock kernels refuse DAX pins)
 */
static double dax_cycle(struct ibv_pd *pd, size_t len, int n)
{
	char path[64];
	void *buf;
	double t;
	int fd;

	if (!module_loaded())
		return mr_cycle(pd, a_bufs[len == MIB ? M_TMPFS_1M :
				M_TMPFS_64M].buf, len, RW_ACCESS, n);
	snprintf(path, sizeof(path), "/mnt/dax-xfs/llbench-%zum", len / MIB);
	fd = open(path, O_RDWR);
	if (fd < 0) {
		close(make_file(path, len));
		fd = open(path, O_RDWR);
	}
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_LAYOUT | F_RDLCK))
		die("lease %s", path);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (buf == MAP_FAILED)
		die("mmap %s", path);
	touch(buf, len);
	t = mr_cycle(pd, buf, len, RW_ACCESS, n);
	munmap(buf, len);
	fcntl(fd, F_SETLEASE, F_UNLCK);
	close(fd);
	return t;
}

/* about 0.1 s each under TCG */
static const int p2_iters[] = {
	[M_WRITE] = 8000, [M_FTRUNCATE] = 8000, [M_FALLOCATE] = 600,
	[M_OPEN_TRUNC] = 3000, [M_GETLEASE] = 100000,
};

static void a_pass(double *out)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	int m;

	for (m = M_WRITE; m <= M_GETLEASE; m++)
		out[m] = p2_op(m, iters(p2_iters[m])) / 1e3;
	ctx = open_rxe0();
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		die("ibv_alloc_pd");
	for (m = M_ANON_1M; m <= M_XFS_64M; m++)
		out[m] = mr_cycle(pd, a_bufs[m].buf, a_bufs[m].len,
				  a_bufs[m].access,
				  iters(a_bufs[m].len > MIB ? 40 : 400)) / 1e3;
	out[M_DAX_1M] = dax_cycle(pd, MIB, iters(400)) / 1e3;
	out[M_DAX_64M] = dax_cycle(pd, 64 * MIB, iters(40)) / 1e3;
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
}

/*
 * Memory per pin: register one MR over @n one-page tmpfs files mapped side
 * by side (one pin per file); the slab growth, in bytes.
 */
#define PIN_DIR		"/mnt/tmpfs/llbench-pins"

struct pin_set {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	char *area;
	long n;
};

static void pin_files(long first, long n)
{
	char path[128];
	long i;

	mkdir(PIN_DIR, 0755);
	for (i = first; i < first + n; i++) {
		snprintf(path, sizeof(path), PIN_DIR "/%ld", i);
		if (access(path, F_OK))
			close(make_file(path, PAGE));
	}
}

static long pin_set_reg(struct pin_set *p, long first, long n)
{
	char path[128];
	long i, before;

	pin_files(first, n);
	p->n = n;
	p->ctx = open_rxe0();
	p->pd = ibv_alloc_pd(p->ctx);
	p->area = mmap(NULL, n * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (!p->pd || p->area == MAP_FAILED)
		die("pin set of %ld", n);
	for (i = 0; i < n; i++) {
		int fd;

		snprintf(path, sizeof(path), PIN_DIR "/%ld", first + i);
		fd = open(path, O_RDWR);
		if (fd < 0 || mmap(p->area + i * PAGE, PAGE,
				   PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_FIXED, fd, 0) == MAP_FAILED)
			die("map %s", path);
		close(fd);
	}
	touch(p->area, n * PAGE);
	before = slab_bytes();
	p->mr = ibv_reg_mr(p->pd, p->area, n * PAGE, RW_ACCESS);
	if (!p->mr)
		die("ibv_reg_mr over %ld files", n);
	return slab_bytes() - before;
}

static void pin_set_unreg(struct pin_set *p)
{
	ibv_dereg_mr(p->mr);
	munmap(p->area, p->n * PAGE);
	ibv_dealloc_pd(p->pd);
	ibv_close_device(p->ctx);
}

/* ---- P3 and P4: lease operations, module loaded ---- */

/* ns per lease set + release; @layout or a classic F_RDLCK lease */
static double lease_cycle(int layout, int n)
{
	int fd, i, arg = layout ? F_LAYOUT | F_RDLCK : F_RDLCK;
	struct chunks c;

	fd = open(P3_FILE, O_RDONLY | O_CREAT, 0644);
	if (fd < 0)
		die("open %s", P3_FILE);
	chunks_start(&c);
	for (i = 0; i < n; i++) {
		if (fcntl(fd, F_SETLEASE, arg) ||
		    fcntl(fd, F_SETLEASE, F_UNLCK))
			die("lease cycle (%s)", layout ? "layout" : "classic");
		chunks_op(&c);
	}
	close(fd);
	return chunks_best(&c);
}

/* shared with the owner of the lease a breaker breaks */
static volatile double *sig_time;

static void at_break(int round)
{
	*sig_time = now_ns();
}

enum { BRK_LAYOUT_TRUNC, BRK_LAYOUT_FTRUNC, BRK_CLASSIC_TRUNC };

/*
 * The median ns from a breaker's truncate() or ftruncate() of P4_FILE to the
 * signal handler of the lease's owner (another process), which releases
 * the lease; @total gets the median time the truncate took.
 */
static double break_latency(int kind, int n, double *total)
{
	int ready, done, i, bfd = -1, layout = kind != BRK_CLASSIC_TRUNC;
	double lat[64], tot[64];
	pid_t pid;
	char c;

	sig_time = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sig_time == MAP_FAILED)
		die("break setup");
	pid = start_lease_owner(P4_FILE, layout, n, at_break, &ready, &done);
	if (kind == BRK_LAYOUT_FTRUNC)
		bfd = open(P4_FILE, O_RDWR);
	for (i = 0; i < n; i++) {
		double t0, t1;
		int r;

		if (read(ready, &c, 1) != 1) {
			int st;

			waitpid(pid, &st, 0);
			die("the lease owner failed (exit %d)",
			    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
		}
		*sig_time = 0;		/* the owner's handler sets it */
		t0 = now_ns();
		r = bfd >= 0 ? ftruncate(bfd, PAGE) : truncate(P4_FILE, PAGE);
		t1 = now_ns();
		if (r || !*sig_time)
			die("break %d: no signal before the truncate returned",
			    kind);
		lat[i % 64] = *sig_time - t0;
		tot[i % 64] = t1 - t0;
		if (write(done, "d", 1) != 1)
			die("pipe");
	}
	waitpid(pid, NULL, 0);
	if (bfd >= 0)
		close(bfd);
	close(ready);
	close(done);
	munmap((void *)sig_time, PAGE);
	/* the median: a wake-up across processes, preempted at times */
	*total = median(tot, n < 64 ? n : 64);
	return median(lat, n < 64 ? n : 64);
}

/* ---- the interleaved comparisons ---- */

/*
 * A comparison: @narms arms, each set up by @arm_setup() and measured by
 * @pass() into @nm values.  Block b runs the arms rotated by b, forwards
 * then backwards; every pass has its set-up and a warm-up before it.
 * samples[block][arm][measure] gets the sum of the arm's two passes.
 */
typedef void (*arm_fn)(int arm);
typedef void (*pass_fn)(int arm, double *out);

#define MAX_M	M_NR

static double samples[MAX_ROUNDS][MAX_ARMS][MAX_M];

static int blocks;		/* blocks done by the last compare() */
static char cut_note[128];	/* why they were fewer than asked */

/*
 * @share of the time budget is the comparison's: blocks that would not fit
 * are left out (two at least are run), and the figures say so.
 */
static void compare(int narms, int nm, arm_fn arm_setup, pass_fn pass,
		    const char *what, double share)
{
	double out[MAX_M], t0 = now_ns();
	int b, k, m;

	memset(samples, 0, sizeof(samples));
	cut_note[0] = '\0';
	for (b = 0; b < rounds; b++) {
		double spent = (now_ns() - t0) / 1e9;

		if (b >= 2 && spent / b * (b + 1) > share * budget) {
			snprintf(cut_note, sizeof(cut_note), "%d blocks of %d: "
				 "the rest would not fit in the time budget",
				 b, rounds);
			say("%s: %s", what, cut_note);
			break;
		}
		for (k = 0; k < 2 * narms; k++) {
			int pos = k < narms ? k : 2 * narms - 1 - k;
			int arm = (pos + b) % narms;

			arm_setup(arm);
			warming = 1;
			pass(arm, out);
			warming = 0;
			pass(arm, out);
			for (m = 0; m < nm; m++)
				samples[b][arm][m] += out[m];
		}
		say("%s: block %d of %d done", what, b + 1, rounds);
	}
	blocks = b;
}

/* the figure of arm @x against arm @y, measure @m */
static void ratio_of(struct figure *f, int x, int y, int m)
{
	double xs[MAX_ROUNDS], ys[MAX_ROUNDS];
	int b;

	for (b = 0; b < blocks; b++) {
		xs[b] = samples[b][x][m] / 2;
		ys[b] = samples[b][y][m] / 2;
		f->ratios[b] = xs[b] / ys[b];
	}
	f->n = blocks;
	f->value = median(xs, blocks);
	f->base = median(ys, blocks);
	if (cut_note[0] && !f->note[0])
		snprintf(f->note, sizeof(f->note), "%s", cut_note);
}

/*
 * P1, P2: arm 0 module loaded, 1 not loaded, 2 not loaded (A/A).  Every
 * pass starts with the module unloaded, whatever came before: the loaded
 * arm's set-up is an insmod, the others' an insmod and an rmmod, and the
 * loaded arm's pass ends with an rmmod.
 */
static void a_arm(int arm)
{
	if (module_loaded())
		die("the module is loaded at the start of a pass");
	module_load();
	if (arm)
		module_unload();
}

static void a_pass_arm(int arm, double *out)
{
	a_pass(out);
	if (!warming && !arm)
		module_unload();
}

static void run_a(void)
{
	struct figure f;
	int m;

	a_setup();
	if (module_loaded())
		module_unload();
	compare(3, M_NR, a_arm, a_pass_arm,
		"P1/P2 (loaded, not loaded, not loaded again)", 0.45);
	for (m = 0; m < M_NR; m++) {
		int dax = m == M_DAX_1M || m == M_DAX_64M;

		memset(&f, 0, sizeof(f));
		f.id = a_measures[m].id;
		f.name = a_measures[m].name;
		f.unit = a_measures[m].unit;
		f.baseline = dax ? "tmpfs, same size, module not loaded" :
			"module not loaded";
		f.target = 1.02;
		ratio_of(&f, 0, 1, m);
		emit(&f);
		memset(f.ratios, 0, sizeof(f.ratios));
		f.baseline = "A/A: module not loaded, twice";
		f.id = "A/A";
		f.target = 0;
		ratio_of(&f, 2, 1, m);
		emit(&f);
	}
	if (!module_loaded())
		module_load();
}

/* memory per pin: one registration over p6_pins files, loaded and not */
static void run_pin_memory(void)
{
	long d[4], n = p6_pins;
	struct pin_set p;
	struct figure f;
	int i;

	say("memory per pin: %ld pins, loaded, unloaded, unloaded, loaded", n);
	pin_files(0, n);
	for (i = 0; i < 4; i++) {
		int load = i == 0 || i == 3;

		if (load != module_loaded()) {
			if (load)
				module_load();
			else
				module_unload();
		}
		d[i] = pin_set_reg(&p, 0, n);
		pin_set_unreg(&p);
	}
	memset(&f, 0, sizeof(f));
	f.id = "P6";
	f.name = "memory per pin (slab, module's share)";
	f.baseline = "the same MR, module not loaded";
	f.unit = "B";
	f.target = 256;
	f.value = (d[0] + d[3] - d[1] - d[2]) / 2.0 / n;
	f.base = (d[1] + d[2]) / 2.0 / n;
	snprintf(f.note, sizeof(f.note),
		 "%ld pins in one MR; the MR without the module: %.0f B "
		 "of slab per page", n, f.base);
	emit(&f);
}

/* P3, P4: the module loaded, no set-up between passes */
static void b_arm(int arm)
{
}

static void p3_pass(int arm, double *out)
{
	out[0] = lease_cycle(arm == 0, iters(10000)) / 1e3;
}

static void p4_pass(int arm, double *out)
{
	static const int kinds[] = {
		BRK_LAYOUT_TRUNC, BRK_LAYOUT_FTRUNC, BRK_CLASSIC_TRUNC,
		BRK_CLASSIC_TRUNC,
	};

	out[0] = break_latency(kinds[arm], iters(64), &out[1]) / 1e3;
	out[1] /= 1e3;
}

static void run_b(void)
{
	struct figure f;

	compare(3, 1, b_arm, p3_pass, "P3 (layout, classic, classic again)",
		0.04);
	memset(&f, 0, sizeof(f));
	f.id = "P3";
	f.name = "lease set + release (XFS)";
	f.baseline = "classic F_RDLCK lease, module loaded";
	f.unit = "us";
	f.target = 1.2;
	ratio_of(&f, 0, 1, 0);
	emit(&f);
	f.id = "A/A";
	f.baseline = "A/A: classic lease, twice";
	f.target = 0;
	ratio_of(&f, 2, 1, 0);
	emit(&f);

	compare(4, 2, b_arm, p4_pass,
		"P4 (layout truncate, layout ftruncate, classic, classic again)",
		0.06);
	memset(&f, 0, sizeof(f));
	f.id = "P4";
	f.name = "break latency, truncate(2) to the owner's handler";
	f.baseline = "classic lease, truncate(2), module loaded";
	f.unit = "us";
	f.target = 1.0;
	ratio_of(&f, 0, 2, 0);
	emit(&f);
	f.name = "break latency, ftruncate(2) to the owner's handler";
	f.baseline = "classic lease, truncate(2), module loaded";
	snprintf(f.note, sizeof(f.note), "ftruncate(2) does not break a "
		 "classic lease: the baseline is truncate(2)");
	ratio_of(&f, 1, 2, 0);
	emit(&f);
	f.note[0] = '\0';
	f.name = "breaker's whole truncate(2), the owner releasing at once";
	f.target = 0;
	ratio_of(&f, 0, 2, 1);
	emit(&f);
	f.id = "A/A";
	f.name = "break latency, truncate(2) to the owner's handler";
	f.baseline = "A/A: classic lease, twice";
	ratio_of(&f, 3, 2, 0);
	emit(&f);
}

/* ---- P5: revocation, per policy ---- */

#define P5_FILE		"/mnt/dax-xfs/llbench-p5"

/* A holder that leases and registers P5_FILE and ignores every break. */
static pid_t stubborn_holder(void)
{
	int p[2];
	pid_t pid;
	char c;

	close(make_file(P5_FILE, MIB));
	if (pipe(p))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		struct ibv_context *ctx = open_rxe0();
		struct ibv_pd *pd = ibv_alloc_pd(ctx);
		sigset_t set;
		void *buf;
		int fd;

		sigemptyset(&set);
		sigaddset(&set, BREAK_SIG);
		sigprocmask(SIG_BLOCK, &set, NULL);
		fd = open(P5_FILE, O_RDWR);
		if (!pd || fd < 0 || fcntl(fd, F_SETSIG, BREAK_SIG) ||
		    fcntl(fd, F_SETLEASE, F_LAYOUT | F_RDLCK))
			_exit(1);
		buf = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   0);
		if (buf == MAP_FAILED || !ibv_reg_mr(pd, buf, MIB, RW_ACCESS))
			_exit(1);
		if (write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		die("the stubborn holder failed");
	close(p[0]);
	return pid;
}

static void run_p5(void)
{
	static const char * const policies[] = { "kill", "fence", "wait",
						 "unlock" };
	const int timeout_ms = 300, reps = 3;
	char old_revoke[32], old_timeout[32], val[16];
	unsigned int p;

	param_read("revoke", old_revoke, sizeof(old_revoke));
	param_read("break_timeout_ms", old_timeout, sizeof(old_timeout));
	snprintf(val, sizeof(val), "%d", timeout_ms);
	if (param_write("break_timeout_ms", val))
		die("break_timeout_ms");
	for (p = 0; p < ARRAY_SIZE(policies); p++) {
		double over[8], exits[8];
		struct figure f;
		char name[32];
		int r, ret;

		memset(&f, 0, sizeof(f));
		f.id = "P5";
		f.unit = "ms";
		f.baseline = "break_timeout_ms (300) + the holder's exit";
		snprintf(name, sizeof(name), "revoke=%s", policies[p]);
		f.name = name;
		f.unit = "skipped";
		if (!strcmp(policies[p], "unlock")) {
			say("P5: revoke=unlock skipped: it leaves the pins "
			    "in place, nothing is revoked");
			snprintf(f.note, sizeof(f.note), "skipped: unlock "
				 "leaves the pins in place, nothing is revoked");
			emit(&f);
			continue;
		}
		ret = param_write("revoke", policies[p]);
		if (ret) {
			say("P5: revoke=%s skipped: the module refuses it (%s)",
			    policies[p], strerror(-ret));
			snprintf(f.note, sizeof(f.note), "skipped: the loaded "
				 "module refuses revoke=%s (%s)", policies[p],
				 strerror(-ret));
			emit(&f);
			continue;
		}
		f.unit = "ms";
		for (r = 0; r < reps; r++) {
			double t0, t1;
			pid_t pid;
			int st;

			/* the holder's exit: kill it and reap it */
			pid = stubborn_holder();
			t0 = now_ns();
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			exits[r] = (now_ns() - t0) / 1e6;

			pid = stubborn_holder();
			t0 = now_ns();
			ret = truncate(P5_FILE, 0);
			t1 = now_ns();
			if (ret && errno != ETXTBSY)
				die("P5 truncate under revoke=%s", policies[p]);
			over[r] = (t1 - t0) / 1e6 - timeout_ms;
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			f.ratios[r] = over[r] - exits[r];
		}
		f.n = reps;
		f.value = median(over, reps);
		f.base = median(exits, reps);
		f.target = 50;
		if (!strcmp(policies[p], "kill")) {
			f.name = "revoke=kill: breaker's wait past the deadline, less the holder's exit";
		} else if (!strcmp(policies[p], "fence")) {
			f.name = "revoke=fence: breaker's wait past the deadline (fence included)";
			f.baseline = "break_timeout_ms (300)";
			for (r = 0; r < reps; r++)
				f.ratios[r] = over[r];
			f.base = 0;
		} else {
			f.name = "revoke=wait: ETXTBSY past the deadline";
			f.baseline = "break_timeout_ms (300)";
			for (r = 0; r < reps; r++)
				f.ratios[r] = over[r];
			f.base = 0;
		}
		emit(&f);
	}
	param_write("revoke", old_revoke);
	param_write("break_timeout_ms", old_timeout);
}

/* ---- P6: scale ---- */

#define LEASE_DIR	"/mnt/tmpfs/llbench-leases"
#define PER_HOLDER	25000

/* a process holding leases or pins until its control pipe closes */
struct holder {
	pid_t pid;
	int ctl;
	long n;
};

/*
 * The write ends of the holders' control pipes: a holder forked later must
 * not keep an earlier one's open, or closing it would not end that one.
 */
static int holder_fds[64], n_holder_fds;

static void holder_fds_add(int fd)
{
	if (n_holder_fds == (int)ARRAY_SIZE(holder_fds))
		die("too many holders");
	holder_fds[n_holder_fds++] = fd;
}

static void holder_fds_del(int fd)
{
	int i;

	for (i = 0; i < n_holder_fds; i++)
		if (holder_fds[i] == fd)
			holder_fds[i] = holder_fds[--n_holder_fds];
}

/* in a new holder: close the other holders' control pipes */
static void holder_fds_close(void)
{
	int i;

	for (i = 0; i < n_holder_fds; i++)
		close(holder_fds[i]);
}

/*
 * Fork a holder of @n layout leases on files first..first+n-1; returns
 * the slab growth of the leases alone (the files are opened first).
 */
static long lease_holder(struct holder *h, long first, long n)
{
	int ctl[2], rep[2];
	long res;

	if (pipe(ctl) || pipe(rep))
		die("pipe");
	h->n = n;
	h->pid = fork();
	if (h->pid < 0)
		die("fork");
	if (!h->pid) {
		struct rlimit rl = { n + 64, n + 64 };
		char path[128];
		long i, before;
		int *fds = calloc(n, sizeof(int));
		char c;

		close(ctl[1]);
		close(rep[0]);
		holder_fds_close();
		if (!fds || setrlimit(RLIMIT_NOFILE, &rl))
			_exit(1);
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), LEASE_DIR "/%ld",
				 first + i);
			fds[i] = open(path, O_RDONLY | O_CREAT, 0644);
			if (fds[i] < 0)
				_exit(2);
		}
		before = slab_bytes();
		for (i = 0; i < n; i++)
			if (fcntl(fds[i], F_SETLEASE, F_LAYOUT | F_RDLCK))
				_exit(3);
		res = slab_bytes() - before;
		if (write(rep[1], &res, sizeof(res)) != sizeof(res))
			_exit(4);
		while (read(ctl[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ctl[0]);
	close(rep[1]);
	h->ctl = ctl[1];
	holder_fds_add(h->ctl);
	if (read(rep[0], &res, sizeof(res)) != sizeof(res))
		die("a holder of %ld leases failed", n);
	close(rep[0]);
	return res;
}

static long pin_holder(struct holder *h, long first, long n)
{
	int ctl[2], rep[2];
	long res;

	pin_files(first, n);
	if (pipe(ctl) || pipe(rep))
		die("pipe");
	h->n = n;
	h->pid = fork();
	if (h->pid < 0)
		die("fork");
	if (!h->pid) {
		struct pin_set p;
		char c;

		close(ctl[1]);
		close(rep[0]);
		holder_fds_close();
		res = pin_set_reg(&p, first, n);
		if (write(rep[1], &res, sizeof(res)) != sizeof(res))
			_exit(4);
		while (read(ctl[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(ctl[0]);
	close(rep[1]);
	h->ctl = ctl[1];
	holder_fds_add(h->ctl);
	if (read(rep[0], &res, sizeof(res)) != sizeof(res))
		die("a holder of %ld pins failed", n);
	close(rep[0]);
	return res;
}

static void holder_end(struct holder *h)
{
	holder_fds_del(h->ctl);
	close(h->ctl);
	waitpid(h->pid, NULL, 0);
}

/* ns to read a /proc/fs/layoutlease file whole: once, then for 50 ms */
static double proc_read(const char *name, int n)
{
	static char buf[1 << 16];
	double t0 = now_ns();
	struct chunks c;
	char path[64];
	int i;

	snprintf(path, sizeof(path), "/proc/fs/layoutlease/%s", name);
	chunks_start(&c);
	for (i = 0; i < n && (!i || now_ns() - t0 < (warming ? 1e7 : 5e7));
	     i++) {
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			die("open %s", path);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		chunks_op(&c);
	}
	return chunks_best(&c);
}

enum {
	S_WRITE, S_FTRUNCATE, S_FALLOCATE, S_OPEN_TRUNC, S_GETLEASE,
	S_LEASE, S_BREAK, S_PROC_LEASES, S_PROC_PINS, S_PROC_STATS, S_NR
};

static const char * const s_names[S_NR] = {
	"write 4 KiB (XFS)", "ftruncate (XFS)",
	"fallocate alloc/punch 64 KiB (XFS)", "open(O_TRUNC) + close (XFS)",
	"fcntl(F_GETLEASE) (XFS)", "layout lease set + release (XFS)",
	"break latency, truncate(2), layout lease",
	"read /proc/fs/layoutlease/leases", "read /proc/fs/layoutlease/pins",
	"read /proc/fs/layoutlease/stats",
};

static void s_pass(double *out)
{
	double tot;
	int m;

	for (m = S_WRITE; m <= S_GETLEASE; m++)
		out[m] = p2_op(M_WRITE + m, iters(p2_iters[M_WRITE + m])) / 1e3;
	out[S_LEASE] = lease_cycle(1, iters(10000)) / 1e3;
	out[S_BREAK] = break_latency(BRK_LAYOUT_TRUNC, iters(64), &tot) / 1e3;
	out[S_PROC_LEASES] = proc_read("leases", 1000) / 1e3;
	out[S_PROC_PINS] = proc_read("pins", 1000) / 1e3;
	out[S_PROC_STATS] = proc_read("stats", 1000) / 1e3;
}

#define MAX_LEVELS	4

/* a visit of a level: a warm-up and two passes, into @out[0] and @out[1] */
static void s_visit(double (*out)[S_NR])
{
	warming = 1;
	s_pass(out[0]);
	warming = 0;
	s_pass(out[0]);
	s_pass(out[1]);
}

static void run_p6(void)
{
	static const long want[MAX_LEVELS] = { 1, 100, 10000, 100000 };
	struct holder lh[MAX_LEVELS * 8], ph[MAX_LEVELS];
	double s[MAX_LEVELS][4][S_NR], col[4];
	long level[MAX_LEVELS], pins[MAX_LEVELS];
	long leases = 0, npins = 0, lease_mem = 0, lease_mem_n = 0;
	int nl = 0, nlh = 0, nph = 0, lv, m, d;
	double t_build = 0, rate = 0, t6 = now_ns();
	char note[256] = "";

	mkdir(LEASE_DIR, 0755);
	/* up: 1, 100, 10 000, 100 000; then down through the same levels */
	for (lv = 0; lv < MAX_LEVELS; lv++) {
		long n = want[lv] < p6_max ? want[lv] : p6_max;
		long pn = n < p6_pins ? n : p6_pins;
		double t0 = now_ns();

		if (lv && n <= level[lv - 1])
			break;
		/*
		 * P6 has 30% of the time budget; the way down takes about
		 * as long as the way up, and the next level more than this
		 */
		if (lv && (now_ns() - t6) / 1e9 > 0.3 * budget / 3) {
			snprintf(note + strlen(note), sizeof(note) - strlen(note),
				 "N = %ld not measured: the time budget ran out; ",
				 n);
			say("P6: %s", note);
			break;
		}
		/* scale down what would not fit in the budget */
		if (rate > 0 && t_build + (n - leases) * rate > p6_budget) {
			long fit = leases + (p6_budget - t_build) / rate;

			snprintf(note + strlen(note), sizeof(note) - strlen(note),
				 "N = %ld scaled down to %ld (time budget %d s); ",
				 n, fit, p6_budget);
			n = fit;
			if (n <= level[lv - 1])
				break;
		}
		while (leases < n) {
			long k = n - leases < PER_HOLDER ? n - leases : PER_HOLDER;
			long d_mem = lease_holder(&lh[nlh++], leases, k);

			if (k >= 1000) {
				lease_mem += d_mem;
				lease_mem_n += k;
			}
			leases += k;
		}
		if (pn > npins) {
			pin_holder(&ph[nph++], npins, pn - npins);
			npins = pn;
		}
		t_build += (now_ns() - t0) / 1e9;
		if (leases > 1)
			rate = t_build / leases;
		level[lv] = leases;
		pins[lv] = npins;
		nl = lv + 1;
		say("P6: N = %ld leases, %ld pins (built in %.1f s)", leases,
		    npins, t_build);
		s_visit(s[lv]);
	}
	for (lv = nl - 1; lv >= 0; lv--) {
		/* back down to this level: end the holders above it */
		while (nlh && leases > level[lv]) {
			holder_end(&lh[--nlh]);
			leases -= lh[nlh].n;
		}
		while (nph && npins > pins[lv]) {
			holder_end(&ph[--nph]);
			npins -= ph[nph].n;
		}
		s_visit(s[lv] + 2);
		say("P6: N = %ld leases again, down", leases);
	}
	while (nlh)
		holder_end(&lh[--nlh]);
	while (nph)
		holder_end(&ph[--nph]);

	for (m = 0; m < S_NR; m++) {
		double base;

		for (d = 0; d < 4; d++)
			col[d] = s[0][d][m];
		base = median(col, 4);

		for (lv = 0; lv < nl; lv++) {
			struct figure f;
			char name[128];

			memset(&f, 0, sizeof(f));
			f.id = "P6";
			snprintf(name, sizeof(name), "%s @ N=%ld, %ld pins",
				 s_names[m], level[lv], pins[lv]);
			f.name = name;
			f.baseline = "N = 1";
			f.unit = "us";
			f.target = m >= S_PROC_LEASES && m != S_PROC_STATS ?
				0 : lv == nl - 1 ? 1.1 : 0;
			for (d = 0; d < 4; d++) {
				col[d] = s[lv][d][m];
				f.ratios[d] = col[d] / base;
			}
			f.n = 4;
			f.value = median(col, 4);
			f.base = base;
			if (lv == nl - 1)
				snprintf(f.note, sizeof(f.note), "%s", note);
			emit(&f);
		}
	}
	if (lease_mem_n) {
		struct figure f;

		memset(&f, 0, sizeof(f));
		f.id = "P6";
		f.name = "memory per layout lease (slab)";
		f.baseline = "none";
		f.unit = "B";
		f.target = 512;
		f.value = (double)lease_mem / lease_mem_n;
		snprintf(f.note, sizeof(f.note), "over %ld leases on open "
			 "tmpfs files, the kernel's file_lock included",
			 lease_mem_n);
		emit(&f);
	}
	emit_info("p6_levels", "%ld %ld %ld %ld", level[0],
		  nl > 1 ? level[1] : 0, nl > 2 ? level[2] : 0,
		  nl > 3 ? level[3] : 0);
}

/* ---- module functions entered per operation: ftrace's function tracer ---- */

#define TRACING		"/sys/kernel/tracing/"

static int tracing_write(const char *file, const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), TRACING "%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* the entries in the trace buffers, -1 when some were overwritten */
static long trace_entries(void)
{
	long n = 0, v;
	char path[128], line[128];
	int cpu;

	for (cpu = 0; ; cpu++) {
		FILE *f;

		snprintf(path, sizeof(path), TRACING "per_cpu/cpu%d/stats",
			 cpu);
		f = fopen(path, "r");
		if (!f)
			break;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "entries: %ld", &v) == 1)
				n += v;
			if (sscanf(line, "overrun: %ld", &v) == 1 && v)
				n = -1e9;
		}
		fclose(f);
	}
	return n < 0 ? -1 : n;
}

static void run_calls(void)
{
	static const char * const names[] = {
		"write 4 KiB (XFS)", "ftruncate (XFS)",
		"fallocate alloc/punch 64 KiB (XFS)",
		"open(O_TRUNC) + close (XFS)", "fcntl(F_GETLEASE) (XFS)",
		"reg+dereg MR 1 MiB anonymous", "reg+dereg MR 1 MiB tmpfs",
		"layout lease set + release (XFS)",
		"classic lease set + release (XFS)",
	};
	const int n = 200;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	unsigned int i;

	if (tracing_write("set_ftrace_filter", ":mod:layoutlease") ||
	    tracing_write("current_tracer", "function")) {
		say("ftrace: no function tracer; module calls not counted");
		emit_info("calls_skipped", "no function tracer");
		tracing_write("current_tracer", "nop");
		return;
	}
	a_setup();
	ctx = open_rxe0();
	pd = ibv_alloc_pd(ctx);
	if (!pd)
		die("ibv_alloc_pd");
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		struct figure f;
		long e;

		tracing_write("trace", "");
		if (i <= M_GETLEASE)
			p2_op(M_WRITE + i, n);
		else if (i == 5)
			mr_cycle(pd, a_bufs[M_ANON_1M].buf, MIB, RW_ACCESS, n);
		else if (i == 6)
			mr_cycle(pd, a_bufs[M_TMPFS_1M].buf, MIB, RW_ACCESS, n);
		else
			lease_cycle(i == 7, n);
		e = trace_entries();
		memset(&f, 0, sizeof(f));
		f.id = "F";
		f.name = names[i];
		f.baseline = "none";
		f.unit = "calls";
		f.value = e < 0 ? -1 : (double)e / n;
		snprintf(f.note, sizeof(f.note), "functions of layoutlease "
			 "entered per operation (ftrace)%s",
			 e < 0 ? "; the trace buffer overflowed" : "");
		emit(&f);
	}
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	tracing_write("current_tracer", "nop");
	tracing_write("set_ftrace_filter", "");
}

static void env_int(const char *name, long *v)
{
	const char *s = getenv(name);

	if (s && *s)
		*v = atol(s);
}

int main(int argc, char **argv)
{
	long v;

	if (argc != 2) {
		fprintf(stderr, "usage: llbench MODULE.ko  (in the test VM)\n");
		return 2;
	}
	module_path = argv[1];
	t_start = now_ns();
	v = rounds;
	env_int("LL_BENCH_ROUNDS", &v);
	rounds = v < 1 ? 1 : v > MAX_ROUNDS ? MAX_ROUNDS : v;
	v = iter_scale;
	env_int("LL_BENCH_SCALE", &v);
	iter_scale = v < 1 ? 1 : v;
	env_int("LL_BENCH_LEASES", &p6_max);
	env_int("LL_BENCH_PINS", &p6_pins);
	v = p6_budget;
	env_int("LL_BENCH_P6_BUDGET", &v);
	p6_budget = v;
	v = budget;
	env_int("LL_BENCH_BUDGET", &v);
	budget = v;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!module_loaded())
		module_load();
	emit_info("rounds", "%d", rounds);
	{
		const char *only = getenv("LL_BENCH_ONLY");

		if (!only || strstr(only, "a"))
			run_a();
		if (!only || strstr(only, "m"))
			run_pin_memory();
		if (!module_loaded())
			module_load();
		if (!only || strstr(only, "b"))
			run_b();
		if (!only || strstr(only, "5"))
			run_p5();
		if (!only || strstr(only, "6"))
			run_p6();
		if (!only || strstr(only, "f"))
			run_calls();
	}
	say("done");
	return 0;
}
