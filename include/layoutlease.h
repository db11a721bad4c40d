/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the layoutlease module.
 */
#ifndef _LAYOUTLEASE_H
#define _LAYOUTLEASE_H

#include <linux/atomic.h>

/* Counters shown in /proc/fs/layoutlease/stats. */
struct ll_stats {
	atomic64_t leases;	/* layout leases in place now */
	atomic64_t breaks;	/* breaks started */
	atomic64_t timeouts;	/* leases removed at the break timeout */
};

extern struct ll_stats ll_stats;

int ll_procfs_init(void);
void ll_procfs_exit(void);

#endif /* _LAYOUTLEASE_H */
