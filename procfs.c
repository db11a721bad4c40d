// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/fs/layoutlease: what the module holds, for administrators.
 * The formats are stable ABI; see Documentation/layout-leases.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "layoutlease.h"

static struct proc_dir_entry *ll_proc_dir;

static const char * const ll_state_names[] = {
	[LL_SETTING] = "setting",
	[LL_ACTIVE] = "active",
	[LL_BREAKING] = "breaking",
	[LL_REVOKING] = "revoking",
	[LL_REFUSING] = "refusing",
	[LL_EXPIRING] = "expiring",
	[LL_RELEASED] = "released",
	[LL_UNLOADING] = "unloading",
	[LL_GONE] = "gone",
};

/*
 * id pid fd maj:min:ino mode state ms pins pages, if still listed and its
 * owner is in the reader's pid namespace (as /proc/locks does)
 */
static void ll_show_lease(struct seq_file *m, struct ll_lease *ll)
{
	struct pid_namespace *ns = proc_pid_ns(file_inode(m->file)->i_sb);
	struct file_lock_context *ctx = locks_inode_context(ll->inode);
	struct ll_file_lease *fl;
	unsigned int ms = 0;
	pid_t owner;

	spin_lock(&ctx->flc_lock);
	fl = ll_listed(ll);
	if (!fl)
		goto out;
	spin_lock(&ll_lock);
	if (!ll_state_listed(ll->state)) {
		spin_unlock(&ll_lock);
		goto out;
	}
	/* an implicit lease's owner is the process that registered */
	owner = ll->implicit ? pid_nr_ns(ll->tgid, ns) :
		ll_owner_pid(ll_fl_file(fl), ll->tgid, ns);
	if (!owner) {
		spin_unlock(&ll_lock);
		goto out;
	}
	if (ll_state_broken(ll->state))
		ms = ktime_ms_delta(ktime_get(), ll->break_start);
	seq_printf(m, "%llu %d %d %u:%u:%lu %s %s %u %d %ld\n", ll->id, owner,
		   ll->fd, MAJOR(ll->dev), MINOR(ll->dev), ll->ino,
		   ll->implicit ? "implicit" :
		   ll->exclusive ? "exclusive" : "shared",
		   ll_state_names[ll->state], ms, atomic_read(&ll->pins),
		   atomic_long_read(&ll->pages));
	spin_unlock(&ll_lock);
out:
	spin_unlock(&ctx->flc_lock);
}

/*
 * The leases by id, each looked at with a reference and no lock of the
 * module's held between two: a read costs what it prints.  A read goes on
 * from the lease it stopped at, by its id.
 */
static void *ll_leases_start(struct seq_file *m, loff_t *pos)
{
	struct ll_lease *ll = ll_lease_find_get(*pos);

	if (ll)
		*pos = ll->id;
	return ll;
}

static void *ll_leases_next(struct seq_file *m, void *v, loff_t *pos)
{
	struct ll_lease *ll = v, *next;

	next = ll_lease_next_get(ll);
	*pos = next ? next->id : ll->id + 1;
	ll_lease_put(ll);
	return next;
}

static void ll_leases_stop(struct seq_file *m, void *v)
{
	if (!IS_ERR_OR_NULL(v))
		ll_lease_put(v);
}

static int ll_leases_show(struct seq_file *m, void *v)
{
	ll_show_lease(m, v);
	return 0;
}

static const struct seq_operations ll_leases_seq_ops = {
	.start = ll_leases_start,
	.next = ll_leases_next,
	.stop = ll_leases_stop,
	.show = ll_leases_show,
};

static int ll_stats_show(struct seq_file *m, void *v)
{
	seq_printf(m, "leases %u\n", ll_leases_listed());
	seq_printf(m, "breaks %lld\n", atomic64_read(&ll_stats.breaks));
	seq_printf(m, "timeouts %lld\n", atomic64_read(&ll_stats.timeouts));
	seq_printf(m, "revocations %lld\n",
		   atomic64_read(&ll_stats.revocations));
	seq_printf(m, "fences %lld\n", atomic64_read(&ll_stats.fences));
	ll_pins_stats(m);
	return 0;
}

/* "ID\n": break that lease (layoutlease break ID), CAP_SYS_ADMIN only */
static ssize_t ll_break_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *pos)
{
	u64 id;
	int ret;

	/* the opener's credentials: a passed descriptor lends nothing */
	if (!file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN))
		return -EPERM;
	ret = kstrtou64_from_user(buf, count, 10, &id);
	if (!ret)
		ret = ll_lease_admin_break(id);
	return ret ? ret : count;
}

static const struct proc_ops ll_break_ops = {
	.proc_write = ll_break_write,
	.proc_lseek = noop_llseek,
};

/**
 * ll_procfs_init() - create /proc/fs/layoutlease and its files
 *
 * Return: 0 or -ENOMEM.
 */
int ll_procfs_init(void)
{
	ll_proc_dir = proc_mkdir("fs/layoutlease", NULL);
	if (!ll_proc_dir)
		return -ENOMEM;
	if (!proc_create_single("stats", 0444, ll_proc_dir, ll_stats_show) ||
	    !proc_create_seq("leases", 0444, ll_proc_dir, &ll_leases_seq_ops) ||
	    !proc_create("break", 0200, ll_proc_dir, &ll_break_ops) ||
	    ll_pins_procfs_init(ll_proc_dir)) {
		proc_remove(ll_proc_dir);
		return -ENOMEM;
	}
	return 0;
}

/**
 * ll_procfs_exit() - remove /proc/fs/layoutlease
 */
void ll_procfs_exit(void)
{
	proc_remove(ll_proc_dir);
}
