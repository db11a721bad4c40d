/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libibverbs helpers for the selftests: the soft-RoCE device of the VM.
 */
#ifndef _LL_RDMA_UTIL_H
#define _LL_RDMA_UTIL_H

#include <string.h>
#include <infiniband/verbs.h>

#define RDMA_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

/* Open rxe0, the soft-RoCE device tools/vm/guest-setup creates. */
static inline struct ibv_context *open_rxe0(void)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list)
		return NULL;
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), "rxe0"))
			ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	return ctx;
}

#endif /* _LL_RDMA_UTIL_H */
