/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hooks on kernel functions through ftrace: the mechanism, with no policy
 * (ftrace_hook.c).  Each part of the module declares the functions it
 * hooks in a table beside the state they drive; main.c installs the
 * tables.
 *
 * Four kinds, chosen so that the module never calls a kernel function
 * through a pointer, and so never depends on an ENDBR the kernel may have
 * sealed (CET-IBT, Documentation/layout-leases.rst, "Hooks").  WRAP, PRE
 * and FILTER hooks are ftrace direct calls of a trampoline
 * (ftrace_tramp.S) that saves the argument registers, runs
 * ll_hook_dispatch() and restores them.  The module reaches a kernel
 * function through a thunk of its own (WRAP and CALL: *@orig), which
 * enters the function by a return, which IBT does not check: past its
 * fentry site when the module hooks it, so that the call meets no hook of
 * the module's, at its first byte otherwise.  A filter
 * (@wanted, @pre_wanted) is given the traced function's six arguments,
 * must not sleep, and may run where the function runs, which may be in
 * atomic context.
 *
 * LL_HOOK_WRAP    the trampoline sends a call for which @wanted says yes
 *                 (every call when @wanted is NULL: LL_WRAP_ALL) to @func,
 *                 by returning into it instead of into the function: @func
 *                 runs with the function's arguments and returns to its
 *                 caller.  @func calls the original through *@orig.
 * LL_HOOK_PRE     the trampoline runs @pre, which may sleep, before the
 *                 function: @pre returns false to let the function run,
 *                 or true to return *ret to its caller instead.
 *                 @pre_wanted, if set, runs first: when it says no, the
 *                 function runs and @pre does not (LL_PRE_IF).  A @leased
 *                 hook (LL_PRE_LEASED), on a function whose first
 *                 argument is a struct file *, has a trampoline of its
 *                 own that lets every call on a file whose inode has no
 *                 lease run at once, in a few instructions.
 * LL_HOOK_FILTER  the trampoline runs @wanted, which may rewrite the
 *                 arguments (ll_hook_set_arg()), and the function runs.
 * LL_HOOK_CALL    not a hook: *@orig is set to a thunk that calls the
 *                 function (past the module's hook on it, if any), for a
 *                 function the module calls but may not call by name (no
 *                 export, or a module layoutlease must not depend on) or
 *                 must call without its own hook (a WRAP's function,
 *                 called by the module outside the WRAP).  Callers check
 *                 ll_hook_ready() first when the function is in a module.
 *
 * A WRAP or PRE hook may have a gate (LL_WRAP_GATED, LL_PRE_GATED_IF):
 * one of LL_HOOK_GATES counts, which the policy opens while the hook may
 * have business (ll_hook_gate_open()).  Its trampoline reads the count
 * and, while it is 0, lets the call run at once, in three instructions,
 * before anything is saved or looked up: a hook on a hot path whose
 * business is rare costs almost nothing the rest of the time.
 */
#ifndef _LL_HOOK_H
#define _LL_HOOK_H

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/types.h>
#include <linux/wait_bit.h>

enum ll_hook_kind {
	LL_HOOK_WRAP,
	LL_HOOK_PRE,
	LL_HOOK_FILTER,
	LL_HOOK_CALL,
};

struct ll_hook {
	const char *name;			/* the traced function */
	enum ll_hook_kind kind;
	bool (*wanted)(unsigned long *args);	/* WRAP (NULL: every call),
						 * FILTER
						 */
	void *func;				/* WRAP: the replacement */
	void **orig;				/* WRAP, CALL: set to a thunk
						 * that calls the function
						 */
	bool (*pre)(const unsigned long *args, long *ret);	/* PRE */
	bool (*pre_wanted)(const unsigned long *args);	/* PRE, optional */
	bool leased;				/* PRE: files with leases only */
	unsigned char gate;			/* WRAP, PRE: 1 + the index of
						 * its gate; 0: none
						 */
	bool off;				/* not installed */
	unsigned long ip;			/* fentry site; 0: not hooked */
	unsigned int thunk;			/* WRAP, CALL: *orig's index */
};

/* The hooks of one part of the module, on vmlinux or on one module. */
struct ll_hook_table {
	const char *module;			/* NULL: vmlinux */
	struct ll_hook *hooks;
	unsigned int count;
};

#define LL_WRAP(_name, _wanted, _func, _orig)				\
	{ .name = _name, .kind = LL_HOOK_WRAP, .wanted = _wanted,	\
	  .func = _func, .orig = (void **)(_orig) }
#define LL_WRAP_ALL(_name, _func, _orig)				\
	LL_WRAP(_name, NULL, _func, _orig)
#define LL_PRE(_name, _pre)						\
	{ .name = _name, .kind = LL_HOOK_PRE, .pre = _pre }
#define LL_PRE_IF(_name, _wanted, _pre)					\
	{ .name = _name, .kind = LL_HOOK_PRE, .pre = _pre,		\
	  .pre_wanted = _wanted }
#define LL_PRE_LEASED(_name, _pre)					\
	{ .name = _name, .kind = LL_HOOK_PRE, .pre = _pre, .leased = true }
/* every call while gate @_gate is open: the gate is the filter */
#define LL_WRAP_GATED(_name, _gate, _func, _orig)			\
	{ .name = _name, .kind = LL_HOOK_WRAP, .func = _func,		\
	  .orig = (void **)(_orig), .gate = 1 + (_gate) }
/* installed only when @_on: a hook some kernels need */
#define LL_WRAP_ON(_on, _name, _wanted, _func, _orig)			\
	{ .name = _name, .kind = LL_HOOK_WRAP, .wanted = _wanted,	\
	  .func = _func, .orig = (void **)(_orig), .off = !(_on) }
#define LL_WRAP_GATED_ON(_on, _name, _gate, _func, _orig)		\
	{ .name = _name, .kind = LL_HOOK_WRAP, .func = _func,		\
	  .orig = (void **)(_orig), .gate = 1 + (_gate), .off = !(_on) }
#define LL_PRE_ON(_on, _name, _pre)					\
	{ .name = _name, .kind = LL_HOOK_PRE, .pre = _pre, .off = !(_on) }
#define LL_PRE_ON_IF(_on, _name, _wanted, _pre)			\
	{ .name = _name, .kind = LL_HOOK_PRE, .pre = _pre,		\
	  .pre_wanted = _wanted, .off = !(_on) }
/* while gate @_gate is open, the calls @_wanted says yes to */
#define LL_PRE_GATED_IF(_name, _gate, _wanted, _pre)			\
	{ .name = _name, .kind = LL_HOOK_PRE, .pre = _pre,		\
	  .pre_wanted = _wanted, .gate = 1 + (_gate) }
#define LL_PRE_GATED_ON_IF(_on, _name, _gate, _wanted, _pre)		\
	{ .name = _name, .kind = LL_HOOK_PRE, .pre = _pre,		\
	  .pre_wanted = _wanted, .gate = 1 + (_gate), .off = !(_on) }
#define LL_FILTER(_name, _filter)					\
	{ .name = _name, .kind = LL_HOOK_FILTER, .wanted = _filter }
#define LL_CALL(_name, _orig)						\
	{ .name = _name, .kind = LL_HOOK_CALL, .orig = (void **)(_orig) }

/* Is @hook installed?  For a CALL hook: may *@orig be called? */
static inline bool ll_hook_ready(const struct ll_hook *hook)
{
	/* and *@orig's thunk has its target (ll_hook_one()) */
	return smp_load_acquire(&hook->ip);
}

/* The traced function's argument @n (0-5), in a filter. */
#define LL_HOOK_ARGS		6
#define ll_hook_arg(args, n)	((args)[n])

/* In a FILTER: the function runs with @val as its argument @n. */
static inline void ll_hook_set_arg(unsigned long *args, unsigned int n,
				   unsigned long val)
{
	if (!WARN_ON_ONCE(n >= LL_HOOK_ARGS))
		args[n] = val;
}

/* Between ftrace_hook.c and the trampolines and thunks, ftrace_tramp.S */
#define LL_HOOK_THUNKS		32	/* WRAP and CALL hooks, at most */
#define LL_HOOK_GATES		2	/* gates ll_hook_tramp_gated_N read */
void ll_hook_tramp(void);
void ll_hook_tramp_leased(void);
void ll_hook_tramp_gated_0(void);
void ll_hook_tramp_gated_1(void);
bool ll_hook_dispatch(unsigned long *args, unsigned long *ip, long *ret);
extern void *const ll_hook_thunks[LL_HOOK_THUNKS];
extern unsigned long ll_hook_targets[LL_HOOK_THUNKS];

extern atomic_t ll_hook_inflight;
extern bool ll_hook_draining;
extern atomic_t ll_hook_gates[LL_HOOK_GATES];

/**
 * ll_hook_gate_open() - the hooks of a gate have business from now on
 * @gate: its index, below LL_HOOK_GATES
 *
 * A gate is a count: it is open while the policy has opened it more often
 * than it has closed it (once per object that gives the hooks business,
 * say).  A call that reads it closed runs as if unhooked; the task that
 * opens it sees it open from then on.
 */
static inline void ll_hook_gate_open(unsigned int gate)
{
	atomic_inc(&ll_hook_gates[gate]);
}

/**
 * ll_hook_gate_close() - undo one ll_hook_gate_open()
 * @gate: its index
 */
static inline void ll_hook_gate_close(unsigned int gate)
{
	atomic_dec(&ll_hook_gates[gate]);
}

/**
 * ll_hook_enter() - a task enters a replacement; call first thing
 *
 * Inline: it runs on every call a WRAP or PRE hook takes, such as each
 * uverbs command.
 */
static inline void ll_hook_enter(void)
{
	atomic_inc(&ll_hook_inflight);
}

/**
 * ll_hook_leave() - a task leaves a replacement; call last thing
 */
static inline void ll_hook_leave(void)
{
	/* the full barrier of atomic_dec_and_test() orders the read after */
	if (atomic_dec_and_test(&ll_hook_inflight) &&
	    READ_ONCE(ll_hook_draining))
		wake_up_var(&ll_hook_inflight);
}

int ll_hooks_install(struct ll_hook_table *const *tables, unsigned int count);
void ll_hooks_remove(void);
void ll_hooks_drain(void);

#endif /* _LL_HOOK_H */
