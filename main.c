// SPDX-License-Identifier: GPL-2.0
/*
 * layoutlease: file layout leases with long-term pin tracking.
 *
 * Module entry points.  See Documentation/layout-leases.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "layoutlease.h"

struct ll_stats ll_stats;

static int __init layoutlease_init(void)
{
	int err;

	err = ll_procfs_init();
	if (err)
		return err;
	pr_info("loaded\n");
	return 0;
}

static void __exit layoutlease_exit(void)
{
	ll_procfs_exit();
	pr_info("unloaded\n");
}

module_init(layoutlease_init);
module_exit(layoutlease_exit);

MODULE_DESCRIPTION("File layout leases with long-term pin tracking");
MODULE_LICENSE("GPL");
