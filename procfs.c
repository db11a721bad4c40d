// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/fs/layoutlease: what the module holds, for administrators.
 * The formats are stable ABI; see Documentation/layout-leases.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#include "layoutlease.h"

static struct proc_dir_entry *ll_proc_dir;

static const char * const ll_state_names[] = {
	[LL_SETTING] = "setting",
	[LL_ACTIVE] = "active",
	[LL_BREAKING] = "breaking",
	[LL_GONE] = "gone",
};

/* id pid fd maj:min:ino mode state ms pins pages */
static void ll_show_lease(struct seq_file *m, struct ll_lease *ll)
{
	unsigned int ms = 0;

	if (ll->state == LL_BREAKING)
		ms = jiffies_to_msecs(jiffies - ll->break_start);
	seq_printf(m, "%llu %d %d %u:%u:%lu %s %s %u %u %u\n", ll->id,
		   ll_owner_pid(ll), ll->fd, MAJOR(ll->dev), MINOR(ll->dev),
		   ll->ino, ll->exclusive ? "exclusive" : "shared",
		   ll_state_names[ll->state], ms, 0, 0);
}

static int ll_leases_show(struct seq_file *m, void *v)
{
	struct ll_lease *ll;

	spin_lock(&ll_lock);
	list_for_each_entry(ll, &ll_leases, node)
		if (ll->fl && ll->state != LL_SETTING)
			ll_show_lease(m, ll);
	spin_unlock(&ll_lock);
	return 0;
}

static int ll_stats_show(struct seq_file *m, void *v)
{
	struct ll_lease *ll;
	unsigned int leases = 0;

	spin_lock(&ll_lock);
	list_for_each_entry(ll, &ll_leases, node)
		leases += ll->fl && ll->state != LL_SETTING;
	spin_unlock(&ll_lock);
	seq_printf(m, "leases %u\n", leases);
	seq_printf(m, "breaks %lld\n", atomic64_read(&ll_stats.breaks));
	seq_printf(m, "timeouts %lld\n", atomic64_read(&ll_stats.timeouts));
	return 0;
}

int ll_procfs_init(void)
{
	ll_proc_dir = proc_mkdir("fs/layoutlease", NULL);
	if (!ll_proc_dir)
		return -ENOMEM;
	if (!proc_create_single("stats", 0444, ll_proc_dir, ll_stats_show) ||
	    !proc_create_single("leases", 0444, ll_proc_dir, ll_leases_show)) {
		proc_remove(ll_proc_dir);
		return -ENOMEM;
	}
	return 0;
}

void ll_procfs_exit(void)
{
	proc_remove(ll_proc_dir);
}
