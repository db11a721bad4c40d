// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/fs/layoutlease: what the module holds, for administrators.
 * The formats are stable ABI; see Documentation/layout-leases.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "layoutlease.h"

static struct proc_dir_entry *ll_proc_dir;

static int ll_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "leases %lld\n", atomic64_read(&ll_stats.leases));
	seq_printf(m, "breaks %lld\n", atomic64_read(&ll_stats.breaks));
	seq_printf(m, "timeouts %lld\n", atomic64_read(&ll_stats.timeouts));
	return 0;
}

int ll_procfs_init(void)
{
	ll_proc_dir = proc_mkdir("fs/layoutlease", NULL);
	if (!ll_proc_dir)
		return -ENOMEM;
	if (!proc_create_single("stats", 0444, ll_proc_dir, ll_stats_show)) {
		proc_remove(ll_proc_dir);
		return -ENOMEM;
	}
	return 0;
}

void ll_procfs_exit(void)
{
	proc_remove(ll_proc_dir);
}
