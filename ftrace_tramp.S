/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The direct-call trampolines of the WRAP, PRE and FILTER hooks, and the
 * thunks through which the module calls kernel functions
 * (ftrace_hook.c), x86-64.
 *
 * ftrace's direct calls enter a trampoline from the traced function's
 * fentry site, as a call (or by ftrace's own trampoline returning into
 * it): the return address at 0(%rsp) is the function's body, the
 * function's own return address is at 8(%rsp), and its arguments are in
 * registers.  It passes them to ll_hook_dispatch(), which may sleep (a
 * PRE hook), rewrite them (a FILTER) or replace the address it returns to
 * (a WRAP: its replacement), and then either returns there with the
 * arguments restored from where it saved them, or returns the value that
 * ll_hook_dispatch() chose straight to the function's caller, as if the
 * function had returned it.
 *
 * A thunk enters a kernel function for the module, at its first byte or
 * past its fentry site (ftrace_hook.c): it pushes the address and returns
 * to it, so that the function runs with the thunk's caller's arguments and
 * returns to that caller.
 *
 * None of these is an indirect call or jump into the kernel: a function,
 * or a replacement, is entered by RET, which CET-IBT does not check, so no
 * ENDBR need be there.
 */
#include <linux/cfi_types.h>
#include <linux/linkage.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#include "ll_offsets.h"

	.text
SYM_TYPED_FUNC_START(ll_hook_tramp)
	pushq	%rbp
	movq	%rsp, %rbp
#if LL_TRAMP_DEPTH
	/* the fentry call that entered it went through no accounting thunk */
	CALL_DEPTH_ACCOUNT
#endif
	/* args[0..5] from -48(%rbp) up, then the return value's slot */
	pushq	%r9
	pushq	%r8
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	subq	$8, %rsp
	leaq	8(%rsp), %rdi
	/* where it returns to: into the function, or a WRAP's replacement */
	leaq	8(%rbp), %rsi
	movq	%rsp, %rdx
	call	ll_hook_dispatch
	testb	%al, %al
	jnz	.Lll_hook_return
	addq	$8, %rsp
	popq	%rdi
	popq	%rsi
	popq	%rdx
	popq	%rcx
	popq	%r8
	popq	%r9
	popq	%rbp
	RET

.Lll_hook_return:
	popq	%rax
	movq	%rbp, %rsp
	popq	%rbp
	/* drop the return into the function: its caller's address is next */
	addq	$8, %rsp
	UNWIND_HINT_FUNC
	RET
SYM_FUNC_END(ll_hook_tramp)

/*
 * The trampoline of the PRE hooks that concern only a file with leases,
 * its struct file * the function's first argument (LL_PRE_LEASED): a file
 * whose inode has no lock context, or no lease on it, returns into the
 * function at once, before anything is saved; any other goes on to
 * ll_hook_tramp, with the stack as it found it.  It reads what
 * locks_inode_context() and list_empty() would, and clobbers only %rax
 * and %r11, which carry no argument.
 */
SYM_TYPED_FUNC_START(ll_hook_tramp_leased)
	movq	LL_FILE_INODE(%rdi), %rax
	movq	LL_INODE_FLCTX(%rax), %rax
	testq	%rax, %rax
	jz	.Lll_no_leases
	leaq	LL_FLCTX_LEASES(%rax), %r11
	cmpq	%r11, LL_FLCTX_LEASES(%rax)
	jne	ll_hook_tramp
.Lll_no_leases:
	RET
SYM_FUNC_END(ll_hook_tramp_leased)

/*
 * The trampolines of the hooks that have business only while their gate
 * is open (LL_WRAP_GATED, LL_PRE_GATED_IF): ll_hook_tramp_gated_N, while
 * ll_hook_gates[N] (an atomic_t) is 0, returns into the function at once;
 * any other call goes on to ll_hook_tramp, with the stack as it found it.
 * Clobbers only the flags.
 */
.macro LL_HOOK_TRAMP_GATED n
SYM_TYPED_FUNC_START(ll_hook_tramp_gated_\n)
	cmpl	$0, ll_hook_gates + 4 * \n(%rip)
	jne	ll_hook_tramp
	RET
SYM_FUNC_END(ll_hook_tramp_gated_\n)
.endm

/* as many as LL_HOOK_GATES, include/ll_hook.h (ftrace_hook.c checks) */
	LL_HOOK_TRAMP_GATED 0
	LL_HOOK_TRAMP_GATED 1

/*
 * The thunks: ll_hook_thunk_N enters the function at ll_hook_targets[N].
 * Called through a pointer (an LL_HOOK_WRAP's or LL_HOOK_CALL's *orig),
 * hence SYM_TYPED_FUNC_START, which begins with an ENDBR on IBT kernels
 * (SYM_FUNC_START has none on 7.2), as for the trampolines, whose
 * addresses ftrace is given.  The push leaves the stack as at the
 * function's entry, with the thunk's caller's return address next.  The
 * return is mispredicted (the return stack buffer holds the caller's), and
 * a task preempted on it has no reliable stack trace (the unwinder looks
 * up the byte before the target): a livepatch transition tries such a task
 * again later.
 */
.macro LL_HOOK_THUNK n
SYM_TYPED_FUNC_START(ll_hook_thunk_\n)
	pushq	ll_hook_targets + 8 * \n(%rip)
	UNWIND_HINT_FUNC
	RET
SYM_FUNC_END(ll_hook_thunk_\n)
.endm

#define LL_THUNK_LIST	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, \
			16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, \
			29, 30, 31

.irp n, LL_THUNK_LIST
	LL_HOOK_THUNK \n
.endr

	.section .rodata
SYM_DATA_START(ll_hook_thunks)
.irp n, LL_THUNK_LIST
	.quad	ll_hook_thunk_\n
.endr
SYM_DATA_END_LABEL(ll_hook_thunks, SYM_L_LOCAL, ll_hook_thunks_end)

/* as many as include/ll_hook.h says */
.if (ll_hook_thunks_end - ll_hook_thunks) != 8 * LL_HOOK_THUNKS
	.error "ll_hook_thunks: not LL_HOOK_THUNKS entries"
.endif
