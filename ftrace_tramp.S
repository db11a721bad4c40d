/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The direct-call trampolines of the PRE and FILTER hooks (ftrace_hook.c),
 * x86-64.
 *
 * ftrace's direct calls enter it from the traced function's fentry site,
 * as a call (or by ftrace's own trampoline returning into it): the return
 * address at 0(%rsp) is the function's body, the function's own return
 * address is at 8(%rsp), and its arguments are in registers.  It passes
 * them to ll_hook_dispatch(), which may sleep (a PRE hook) or rewrite them
 * (a FILTER), and then either returns into the function with the
 * arguments restored from where it saved them, or returns the value that
 * ll_hook_dispatch() chose straight to the function's caller, as if the
 * function had returned it.
 *
 * Neither way is an indirect call or jump: the function is entered by
 * RET, which CET-IBT does not check, so its ENDBR need not be there.
 */
#include <linux/linkage.h>
#include <asm/ibt.h>
#include <asm/nospec-branch.h>
#include <asm/unwind_hints.h>

#include "ll_offsets.h"

	.text
SYM_FUNC_START(ll_hook_tramp)
	/* its address is taken (register_ftrace_direct()): objtool wants one */
	ENDBR
	pushq	%rbp
	movq	%rsp, %rbp
	/* args[0..5] from -48(%rbp) up, then the return value's slot */
	pushq	%r9
	pushq	%r8
	pushq	%rcx
	pushq	%rdx
	pushq	%rsi
	pushq	%rdi
	subq	$8, %rsp
	leaq	8(%rsp), %rdi
	movq	8(%rbp), %rsi
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
SYM_FUNC_START(ll_hook_tramp_leased)
	ENDBR
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
