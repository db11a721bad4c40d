// SPDX-License-Identifier: GPL-2.0
/*
 * layoutlease: file layout leases with long-term pin tracking.
 *
 * Module entry points and parameters.  See Documentation/layout-leases.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/string.h>

#include "layoutlease.h"
#include "ll_hook.h"

#define CREATE_TRACE_POINTS
#include "ll_trace.h"

#define LL_TIMEOUT_MAX_MS	(24U * 3600 * 1000)

static int ll_set_timeout(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, LL_TIMEOUT_MAX_MS);
}

static const struct kernel_param_ops ll_timeout_ops = {
	.set = ll_set_timeout,
	.get = param_get_uint,
};

unsigned int break_timeout_ms;
module_param_cb(break_timeout_ms, &ll_timeout_ops, &break_timeout_ms, 0644);
MODULE_PARM_DESC(break_timeout_ms,
		 "How long a broken lease may stay, in ms (default: /proc/sys/fs/lease-break-time)");

/*
 * The default break timeout is the kernel's lease-break-time sysctl, read
 * the way an administrator reads it.  0 (the kernel's "never") and values
 * past LL_TIMEOUT_MAX_MS get the kernel's own default, 45 s, and a log
 * line: never a 1 ms timeout.
 */
#define LL_TIMEOUT_DEFAULT_S	45

static int ll_lease_break_time(void)
{
	char buf[16] = "";
	struct file *f;
	loff_t pos = 0;
	int secs;

	f = filp_open("/proc/sys/fs/lease-break-time", O_RDONLY, 0);
	if (IS_ERR(f))
		return -1;
	kernel_read(f, buf, sizeof(buf) - 1, &pos);
	fput(f);
	return kstrtoint(strim(buf), 10, &secs) ? -1 : secs;
}

static void ll_default_timeout(void)
{
	int secs;

	if (break_timeout_ms)
		return;
	secs = ll_lease_break_time();
	if (secs <= 0 || secs > LL_TIMEOUT_MAX_MS / 1000) {
		pr_info("fs.lease-break-time is %d: break timeout %d s\n",
			secs, LL_TIMEOUT_DEFAULT_S);
		secs = LL_TIMEOUT_DEFAULT_S;
	}
	break_timeout_ms = secs * 1000U;
}

/* Every hook of the module, by the part that owns it. */
static struct ll_hook_table *ll_tables[9];

static int __init layoutlease_init(void)
{
	int err;

	ll_default_timeout();
	ll_uverbs_init(ll_pins_fence_mrs);
	err = ll_leases_init(ll_pins_revoke);
	if (err)
		return err;
	err = ll_procfs_init();
	if (err)
		goto out_leases;
	ll_tables[0] = ll_lease_hooks_init();
	ll_tables[1] = &ll_change_hook_table;
	ll_tables[2] = &ll_gup_hook_table;
	ll_tables[3] = &ll_uverbs_hook_table;
	ll_tables[4] = &ll_ufile_hook_table;
	ll_tables[5] = &ll_core_hook_table;
	ll_tables[6] = &ll_uobj_hook_table;
	ll_tables[7] = &ll_xfs_vfs_hook_table;
	ll_tables[8] = &ll_xfs_hook_table;
	/* on failure, some hooks may have been live for a moment */
	err = ll_hooks_install(ll_tables, ARRAY_SIZE(ll_tables));
	if (err)
		goto out_drain;
	/* last: once it is there, leases can be set through it */
	err = ll_chardev_init();
	if (err)
		goto out_hooks;
	pr_info("loaded, break timeout %u ms\n", break_timeout_ms);
	return 0;

out_hooks:
	ll_hooks_remove();
out_drain:
	ll_leases_shutdown();
	ll_hooks_drain();
	ll_pins_shutdown();
	ll_procfs_exit();
	ll_leases_exit();
	return err;
out_leases:
	ll_leases_shutdown();
	ll_leases_exit();
	return err;
}

static void __exit layoutlease_exit(void)
{
	ll_chardev_exit();
	ll_hooks_remove();
	ll_leases_shutdown();
	ll_hooks_drain();
	ll_pins_shutdown();
	ll_procfs_exit();
	ll_leases_exit();
	pr_info("unloaded\n");
}

module_init(layoutlease_init);
module_exit(layoutlease_exit);

MODULE_DESCRIPTION("File layout leases with long-term pin tracking");
MODULE_LICENSE("GPL");
MODULE_VERSION(LL_VERSION);
