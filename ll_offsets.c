// SPDX-License-Identifier: GPL-2.0
/*
 * Structure offsets for ftrace_tramp.S, which tests a file for leases
 * before it saves anything, the number of its thunks, and whether it counts
 * its call for call-depth tracking.  Compiled to assembly only, never linked:
 * Kbuild turns the DEFINE()s into ll_offsets.h, as the kernel makes its
 * asm-offsets.h.
 */
#define COMPILE_OFFSETS
#include <linux/kbuild.h>

#include "ll_compat.h"
#include "ll_hook.h"

int main(void)
{
	OFFSET(LL_FILE_INODE, file, f_inode);
	OFFSET(LL_INODE_FLCTX, inode, i_flctx);
	OFFSET(LL_FLCTX_LEASES, file_lock_context, flc_lease);
	DEFINE(LL_HOOK_THUNKS, LL_HOOK_THUNKS);
	DEFINE(LL_TRAMP_DEPTH, LL_CALL_DEPTH_ACCOUNT);
	return 0;
}
