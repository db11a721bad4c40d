// SPDX-License-Identifier: GPL-2.0
/*
 * qemu_prof.so: a QEMU TCG plugin that counts the instructions the guest
 * executes in each translation block, within windows the guest marks, for
 * `make bench-profile` (tools/bench/profile, Documentation/benchmarks.rst).
 *
 * Arguments: mark=ADDR, phase=ADDR (guest virtual addresses of two
 * functions of tools/bench/llprof, a program linked at a fixed address),
 * out=PREFIX.  Each execution of the block at mark opens or closes a
 * window; what runs in the windows of one phase adds up.  Each execution
 * of the block at phase ends the phase and starts the next: the counts of
 * phase N go to PREFIX.N, a line per block that ran, "ADDR INSNS COUNT"
 * (its address, its instructions, the instructions it executed in all).
 *
 * The counts are exact (every instruction of every block, whichever
 * process or context runs it, including what the marks' own calls cost);
 * a repeated string instruction counts once per iteration, as -icount
 * does.  Built against the qemu-plugin.h of the QEMU that runs it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <qemu-plugin.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

struct block {
	uint64_t pc;
	uint64_t insns;
	uint64_t count;		/* instructions executed, all along */
	uint64_t opened;	/* count when the window opened */
	uint64_t phase;		/* in the windows of this phase */
};

#define TABLE_BITS	22
#define TABLE_SIZE	(1UL << TABLE_BITS)

static struct block **table;	/* by (pc, insns), open addressing */
static struct block **blocks;	/* every block, for the walks */
static size_t nblocks;
static uint64_t mark, phase_mark;
static const char *out_prefix;
static int phase, in_window;

static struct block *block_of(uint64_t pc, uint64_t insns)
{
	uint64_t h = ((pc ^ (insns << 56)) * 0x9E3779B97F4A7C15ULL) >>
		     (64 - TABLE_BITS);
	struct block *b;

	for (;; h = (h + 1) & (TABLE_SIZE - 1)) {
		b = table[h];
		if (!b)
			break;
		if (b->pc == pc && b->insns == insns)
			return b;
	}
	if (nblocks == TABLE_SIZE / 2) {
		fprintf(stderr, "qemu_prof: more than %lu blocks\n",
			TABLE_SIZE / 2);
		abort();
	}
	b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	b->pc = pc;
	b->insns = insns;
	table[h] = b;
	blocks[nblocks++] = b;
	return b;
}

static void phase_write(void)
{
	char path[4096];
	size_t i;
	FILE *f;

	snprintf(path, sizeof(path), "%s.%d", out_prefix, phase);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		abort();
	}
	for (i = 0; i < nblocks; i++) {
		struct block *b = blocks[i];

		if (b->phase)
			fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n",
				b->pc, b->insns, b->phase);
		b->phase = 0;
	}
	fclose(f);
}

static void on_mark(unsigned int cpu, void *udata)
{
	size_t i;

	in_window = !in_window;
	for (i = 0; i < nblocks; i++) {
		struct block *b = blocks[i];

		if (in_window)
			b->opened = b->count;
		else
			b->phase += b->count - b->opened;
	}
}

static void on_phase(unsigned int cpu, void *udata)
{
	if (phase)
		phase_write();
	phase++;
	in_window = 0;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t pc = qemu_plugin_tb_vaddr(tb);
	size_t insns = qemu_plugin_tb_n_insns(tb);
	struct block *b = block_of(pc, insns);

	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->count, insns);
	if (pc == mark)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
	if (pc == phase_mark)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_phase,
						     QEMU_PLUGIN_CB_NO_REGS,
						     NULL);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info,
					   int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 16);
		else if (!strncmp(argv[i], "phase=", 6))
			phase_mark = strtoull(argv[i] + 6, NULL, 16);
		else if (!strncmp(argv[i], "out=", 4))
			out_prefix = strdup(argv[i] + 4);
	}
	if (!mark || !phase_mark || !out_prefix || info->system.smp_vcpus != 1) {
		fprintf(stderr, "qemu_prof: mark=, phase= and out= on one vCPU\n");
		return -1;
	}
	table = calloc(TABLE_SIZE, sizeof(*table));
	blocks = calloc(TABLE_SIZE / 2, sizeof(*blocks));
	if (!table || !blocks)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
	return 0;
}
