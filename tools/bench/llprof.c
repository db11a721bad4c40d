// SPDX-License-Identifier: GPL-2.0
/*
 * llprof N MODULE.ko: the operations of P1, P3 and P4 (Documentation/benchmarks.rst),
 * each N times, in the test VM under the qemu_prof plugin
 * (tools/bench/profile), which counts the instructions that run between
 * two calls of llprof_mark(), and adds them up per phase, a phase ending at
 * each call of llprof_phase().  At the end it prints the kernel's and the
 * module's text symbols and one "llprof: phase K NAME OPS" line per phase,
 * for tools/bench/prof-report.
 *
 * Linked at a fixed address, so that the plugin knows the two functions'
 * addresses before the VM starts.  It unloads and loads MODULE.ko (P1's
 * baseline), and leaves it unloaded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "bench_util.h"

#define MIB		(1024UL * 1024)
#define WARM		100
#define RW_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)
#define P3_FILE		"/mnt/xfs/llprof-p3"
#define P4_FILE		"/mnt/xfs/llprof-p4"

/* the plugin's marks: two distinct bodies, never merged by the compiler */
__attribute__((noinline, used)) void llprof_mark(void)
{
	asm volatile("" ::: "memory");
}

__attribute__((noinline, used)) void llprof_phase(void)
{
	asm volatile("nop; nop" ::: "memory");
}

static int phases;
static char phase_lines[4096];	/* printed at the end: see main() */

/* the phase that starts now, of @ops operations */
static void phase(const char *name, int ops)
{
	size_t used = strlen(phase_lines);

	llprof_phase();
	snprintf(phase_lines + used, sizeof(phase_lines) - used,
		 "llprof: phase %d %s %d\n", ++phases, name, ops);
}

/* P3: @n lease set + release cycles in one window */
static void lease_cycles(int layout, int n)
{
	int fd = open(P3_FILE, O_RDONLY | O_CREAT, 0644), i, k;
	int arg = layout ? F_LAYOUT | F_RDLCK : F_RDLCK;

	if (fd < 0)
		die(P3_FILE);
	for (k = 0; k < 2; k++) {
		if (k)
			llprof_mark();
		for (i = 0; i < (k ? n : WARM); i++)
			if (fcntl(fd, F_SETLEASE, arg) ||
			    fcntl(fd, F_SETLEASE, F_UNLCK))
				die("lease cycle");
		if (k)
			llprof_mark();
	}
	close(fd);
}

/* the owner's handler ends the window its breaker opened */
static void at_break(int round)
{
	if (round >= WARM)
		llprof_mark();
}

/*
 * P4: a window from the breaker's truncate(2) of P4_FILE to the signal
 * handler of the lease's owner, another process, @n times after WARM.
 */
static void break_windows(int layout, int n)
{
	int ready, done, i, st;
	pid_t pid;
	char c;

	pid = start_lease_owner(P4_FILE, layout, WARM + n, at_break, &ready,
				&done);
	for (i = 0; i < WARM + n; i++) {
		if (read(ready, &c, 1) != 1)
			die("the lease owner failed");
		if (i >= WARM)
			llprof_mark();
		if (truncate(P4_FILE, PAGE))
			die("truncate");
		if (write(done, "d", 1) != 1)
			die("pipe");
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("the lease owner");
	close(ready);
	close(done);
}

/* P1: @n registrations of 1 MiB and their release, in one window */
static void reg_cycles(struct ibv_pd *pd, void *buf, int access, int n)
{
	struct ibv_mr *mr;
	int i, k;

	for (k = 0; k < 2; k++) {
		if (k)
			llprof_mark();
		for (i = 0; i < (k ? n : WARM / 10); i++) {
			mr = ibv_reg_mr(pd, buf, MIB, access);
			if (!mr)
				die("ibv_reg_mr");
			ibv_dereg_mr(mr);
		}
		if (k)
			llprof_mark();
	}
}

/* P1's 1 MiB arms, mapped and registered as llbench does */
static void registrations(const char *arm, int n)
{
	static const struct {
		const char *name, *path;
		int access;
	} s[] = {
		{ "xfs", "/mnt/xfs/llprof-p1",
		  IBV_ACCESS_REMOTE_READ },	/* writable: refused from 6.5 */
		{ "tmpfs", "/mnt/tmpfs/llprof-p1", RW_ACCESS },
		{ "anonymous", NULL, RW_ACCESS },
	};
	struct ibv_context *ctx = open_rxe0();
	struct ibv_pd *pd = ibv_alloc_pd(ctx);
	char name[64];
	unsigned int i;
	void *buf;

	if (!pd)
		die("ibv_alloc_pd");
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		if (s[i].path) {
			buf = map_file(s[i].path, MIB);
		} else {
			buf = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (buf == MAP_FAILED)
				die("mmap");
			memset(buf, 1, MIB);
		}
		snprintf(name, sizeof(name), "P1-1MiB-%s-%s", s[i].name, arm);
		phase(name, n);
		reg_cycles(pd, buf, s[i].access, n);
		munmap(buf, MIB);
	}
	ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
}

/* the kernel's and the module's text symbols, kept for the end */
static char *kallsyms(void)
{
	char line[512], *text = NULL;
	FILE *f = fopen("/proc/kallsyms", "r"), *out;
	size_t len;

	out = open_memstream(&text, &len);
	if (!f || !out)
		die("/proc/kallsyms");
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " t ") || strstr(line, " T "))
			fputs(line, out);
	fclose(f);
	fclose(out);
	return text;
}

/* insmod @module, or rmmod it (@module NULL) */
static void module(const char *module)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), module ? "insmod %s" : "rmmod layoutlease",
		 module);
	if (system(cmd))
		die("%s failed", cmd);
}

int main(int argc, char **argv)
{
	int n = argc == 3 ? atoi(argv[1]) : 0;
	char *syms;

	if (n < 8) {
		fprintf(stderr, "usage: llprof N MODULE.ko  (N >= 8, in the test VM, the module loaded)\n");
		return 2;
	}
	/*
	 * P1 against the module unloaded, in the order B A A B (a phase's
	 * name twice: prof-report adds them up), so that a drift of the
	 * kernel's state over the run cancels; the module's symbols are
	 * those of the load the A phases and P3, P4 run in.
	 */
	module(NULL);
	registrations("unloaded", n / 8);
	module(argv[2]);
	phase("P3-layout", 10 * n);
	lease_cycles(1, 10 * n);
	phase("P3-classic", 10 * n);
	lease_cycles(0, 10 * n);
	phase("P4-layout", n);
	break_windows(1, n);
	phase("P4-classic", n);
	break_windows(0, n);
	registrations("loaded", n / 8);
	registrations("loaded", n / 8);
	syms = kallsyms();
	module(NULL);
	registrations("unloaded", n / 8);
	llprof_phase();
	/*
	 * Nothing is printed before: the console the VM's output is copied
	 * to would be working in the windows.
	 */
	fputs(syms, stdout);
	fputs(phase_lines, stdout);
	return 0;
}
