// SPDX-License-Identifier: GPL-2.0
/*
 * The hook mechanism: ftrace on the entry of kernel functions, for the
 * tables of include/ll_hook.h.  No policy lives here: what a hook does is
 * in the file whose state it drives.
 *
 * Finding a function: a kprobe on its name resolves the address of its
 * fentry site, the same place ftrace patches (past the ENDBR on CET-IBT
 * kernels), and says whether it is one: a function without an fentry site
 * is neither hooked nor called.  Nothing calls kallsyms_lookup_name(),
 * which the kernel does not export and seals on IBT kernels.
 *
 * Hooking: WRAP, PRE and FILTER hooks are ftrace direct calls of one
 * trampoline (ftrace_tramp.S), as BPF trampolines are: no pt_regs to fill,
 * no callback list, no recursion test.  The trampoline finds the hook by
 * patch site in a small hash table.  A WRAP hook's replacement is entered
 * by the trampoline's return, as livepatch enters a new function by
 * ftrace's.  The hooks of vmlinux share one direct ftrace_ops per
 * trampoline; each module's table has its own set, registered when the
 * module is COMING, before its init runs, and unregistered when it is
 * GOING.
 *
 * Calling: the module never calls a kernel function through a pointer.  A
 * WRAP or CALL hook's *orig is one of the module's thunks (ftrace_tramp.S),
 * which enters the function by a return: IBT checks no ENDBR, sealed or
 * not.  A thunk enters a function the module hooks past its fentry site,
 * so that the module's own calls (a replacement's of its original,
 * __break_lease() and lease_modify() from the lease code) run it without
 * meeting the hook; any other function at its first byte, so that tracers
 * and a livepatch see the call as any other (ll_thunk_target()).
 *
 * Install and remove mirror each other, as livepatch's klp_patch_func()
 * and klp_unpatch_func() do: resolve, record the site, add it to the
 * ftrace_ops filter; remove it from the filter, forget the site.
 *
 * ftrace_enabled: a direct ops cannot keep FTRACE_OPS_FL_PERMANENT (6.1's
 * register_ftrace_direct_multi() replaces its flags), so a callback ops
 * with that flag, on a function of the module that nothing calls, is
 * registered first and unregistered last: while the module is loaded,
 * "sysctl kernel.ftrace_enabled=0" is refused instead of silently
 * switching the protection off.
 *
 * Unload: after the ftrace_ops are gone and an RCU-tasks grace period has
 * passed, every task that entered a replacement or a PRE handler is
 * counted in ll_hook_inflight; ll_hooks_drain() waits for them to leave.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ftrace.h>
#include <linux/hash.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/rcupdate_wait.h>
#include <linux/uaccess.h>
#include <linux/wait_bit.h>

#include "ll_compat.h"
#include "ll_hook.h"

static struct ll_hook_table *const *ll_tables;
static unsigned int ll_table_count;

/* At most this many hooks, half the size of ll_sites below */
#define LL_MAX_HOOKS	64
/* At most this many tables: each on a module has a row of ftrace_ops */
#define LL_MAX_TABLES	10
static DEFINE_MUTEX(ll_hook_mutex);	/* the hooks' ip, the thunks' targets */
/* tasks between ll_hook_enter() and ll_hook_leave() (ll_hook.h) */
atomic_t ll_hook_inflight = ATOMIC_INIT(0);
/* ll_hooks_drain() waits: the last task to leave wakes it (ll_hook.h) */
bool ll_hook_draining;
/* where each thunk enters its function (ftrace_tramp.S) */
unsigned long ll_hook_targets[LL_HOOK_THUNKS];

/* Is @hook traced, rather than only called (LL_HOOK_CALL)? */
static bool ll_is_traced(const struct ll_hook *hook)
{
	return hook->kind != LL_HOOK_CALL;
}

/* Does @hook call its function through a thunk? */
static bool ll_has_thunk(const struct ll_hook *hook)
{
	return hook->kind == LL_HOOK_WRAP || hook->kind == LL_HOOK_CALL;
}

/*
 * The installed hooks by patch site, for the trampoline: an open-addressed
 * table, probed from hash_long(site) on until an empty slot.  A removed
 * hook leaves a tombstone (ll_site_gone, whose ip is 0: it matches nothing
 * and does not end a probe), which the next hook to add may take, so that
 * each hook is in one slot at most and a module's hooks can come and go
 * for ever.
 */
#define LL_SITE_BITS	7	/* 2 * LL_MAX_HOOKS slots */
static struct ll_hook *ll_sites[1 << LL_SITE_BITS];
static struct ll_hook ll_site_gone;

/* Under ll_hook_mutex, before @hook->ip is set to @ip. */
static int ll_site_add(struct ll_hook *hook, unsigned long ip)
{
	unsigned int i, n = hash_long(ip, LL_SITE_BITS);
	struct ll_hook *slot;

	for (i = 0; i < ARRAY_SIZE(ll_sites); i++, n++) {
		n &= ARRAY_SIZE(ll_sites) - 1;
		slot = ll_sites[n];
		if (!slot || slot == &ll_site_gone) {
			WRITE_ONCE(ll_sites[n], hook);
			return 0;
		}
	}
	/* LL_MAX_HOOKS hooks fill half the table at most */
	WARN_ON_ONCE(1);
	return -ENOSPC;
}

/* Under ll_hook_mutex, before @hook->ip, its site, is set to 0. */
static void ll_site_del(struct ll_hook *hook)
{
	unsigned int i, n = hash_long(hook->ip, LL_SITE_BITS);

	for (i = 0; i < ARRAY_SIZE(ll_sites); i++, n++) {
		n &= ARRAY_SIZE(ll_sites) - 1;
		if (!ll_sites[n])
			return;
		if (ll_sites[n] == hook) {
			WRITE_ONCE(ll_sites[n], &ll_site_gone);
			return;
		}
	}
}

/* The installed hook whose patch site is @ip, or NULL. */
static struct ll_hook *ll_hook_at(unsigned long ip)
{
	unsigned int i, n = hash_long(ip, LL_SITE_BITS);
	struct ll_hook *slot;

	for (i = 0; i < ARRAY_SIZE(ll_sites); i++, n++) {
		slot = READ_ONCE(ll_sites[n & (ARRAY_SIZE(ll_sites) - 1)]);
		if (!slot)
			return NULL;
		if (READ_ONCE(slot->ip) == ip)
			return slot;
	}
	return NULL;
}

/*
 * Few enough tables, hooks and thunks, and gates that exist?  Each WRAP
 * and CALL hook is given its thunk, for good: a module's hooks keep theirs
 * when it goes and comes back.
 */
static int ll_number_hooks(struct ll_hook_table *const *tables,
			   unsigned int count)
{
	unsigned int t, i, n = 0, thunks = 0;

	if (count > LL_MAX_TABLES)
		return -E2BIG;
	for (t = 0; t < count; t++) {
		for (i = 0; i < tables[t]->count; i++) {
			struct ll_hook *hook = &tables[t]->hooks[i];

			/* one trampoline each: a gate of its own, or a lease */
			if (hook->gate > LL_HOOK_GATES ||
			    (hook->gate && hook->leased))
				return -EINVAL;
			n++;
			if (ll_has_thunk(hook) && thunks < LL_HOOK_THUNKS)
				hook->thunk = thunks;
			thunks += ll_has_thunk(hook);
		}
	}
	return n > LL_MAX_HOOKS || thunks > LL_HOOK_THUNKS ? -E2BIG : 0;
}

/*
 * The direct calls: one ftrace_ops per trampoline (ll_hook_tramp, and
 * those of the LL_PRE_LEASED hooks and of each gate, which test before
 * they save anything), shared by the hooks of vmlinux (row 0), and one set
 * for each table of a module (row 1 + its index), which come and go with
 * it.
 */
struct ll_direct {
	struct ftrace_ops ops;
	bool on;			/* registered */
};

/* in the order ll_row_off() turns them off, and the reverse of ll_row_on() */
enum { LL_TRAMP, LL_TRAMP_LEASED, LL_TRAMP_GATED,
	LL_TRAMPS = LL_TRAMP_GATED + LL_HOOK_GATES };

static void (*const ll_tramps[LL_TRAMPS])(void) = {
	[LL_TRAMP] = ll_hook_tramp,
	[LL_TRAMP_LEASED] = ll_hook_tramp_leased,
	[LL_TRAMP_GATED] = ll_hook_tramp_gated_0,
	[LL_TRAMP_GATED + 1] = ll_hook_tramp_gated_1,
};

static struct ll_direct ll_directs[1 + LL_MAX_TABLES][LL_TRAMPS];

/* the gates of the LL_WRAP_GATED and LL_PRE_GATED_IF hooks (ll_hook.h) */
atomic_t ll_hook_gates[LL_HOOK_GATES];

/**
 * ll_hook_dispatch() - run the hook of a traced function
 * @args: the function's six argument registers, which a FILTER may rewrite
 * @ip: where the trampoline returns: the return address of the fentry
 *	call, which a WRAP hook replaces with its replacement's address
 * @ret: where to put the value the function returns instead of running
 *
 * Called by ll_hook_tramp (ftrace_tramp.S), in the function's context.
 *
 * Return: true to return *@ret to the function's caller, false to return
 * to *@ip (with @args).
 */
bool ll_hook_dispatch(unsigned long *args, unsigned long *ip, long *ret)
{
	struct ll_hook *hook;
	bool done;

	/*
	 * A call the hook has no business with costs the lookup and the
	 * filter, which sleeps nowhere: the trampoline's own code, which the
	 * RCU-tasks grace period of ll_hooks_remove() covers.
	 */
	hook = ll_hook_at(*ip - MCOUNT_INSN_SIZE);
	if (!hook)
		return false;
	switch (hook->kind) {
	case LL_HOOK_WRAP:
		if (!hook->wanted || hook->wanted(args))
			*ip = (unsigned long)hook->func;
		return false;
	case LL_HOOK_FILTER:
		hook->wanted(args);
		return false;
	case LL_HOOK_PRE:
		if (hook->pre_wanted && !hook->pre_wanted(args))
			return false;
		ll_hook_enter();
		done = hook->pre(args, ret);
		ll_hook_leave();
		return done;
	default:
		return false;
	}
}

/*
 * The fentry site of @module:@name (@module NULL: vmlinux), or 0 when
 * there is no such function or it has none (notrace).
 */
static unsigned long ll_hook_site(const char *module, const char *name)
{
	char sym[MODULE_NAME_LEN + KSYM_NAME_LEN];
	struct kprobe kp = { .symbol_name = sym };
	unsigned long site;
	bool fentry;

	if (module)
		snprintf(sym, sizeof(sym), "%s:%s", module, name);
	else
		strscpy(sym, name, sizeof(sym));
	if (register_kprobe(&kp))
		return 0;
	site = (unsigned long)kp.addr;
	/* kprobes sets it for a probe on an ftrace location */
	fentry = kprobe_ftrace(&kp);
	unregister_kprobe(&kp);
	return fentry ? site : 0;
}

/* The row of ll_directs of table @t. */
static unsigned int ll_row_of(struct ll_hook_table *table, unsigned int t)
{
	return table->module ? 1 + t : 0;
}

/* The trampoline of @hook. */
static unsigned int ll_tramp_of(const struct ll_hook *hook)
{
	if (hook->leased)
		return LL_TRAMP_LEASED;
	if (hook->gate)
		return LL_TRAMP_GATED + hook->gate - 1;
	return LL_TRAMP;
}

/* The direct calls of @hook, in table @t. */
static struct ll_direct *ll_hook_direct(struct ll_hook_table *table,
					unsigned int t, struct ll_hook *hook)
{
	return &ll_directs[ll_row_of(table, t)][ll_tramp_of(hook)];
}

/*
 * The first byte of the function whose fentry site is @site: its ENDBR, if
 * the one before the site is one (sealed or not), on IBT kernels.
 */
static unsigned long ll_entry_of(unsigned long site)
{
	u32 insn;

	if (IS_ENABLED(CONFIG_X86_KERNEL_IBT) &&
	    !get_kernel_nofault(insn, (u32 *)(site - ENDBR_INSN_SIZE)) &&
	    ll_is_endbr(insn))
		return site - ENDBR_INSN_SIZE;
	return site;
}

/*
 * Where a thunk enters the function whose fentry site is @site: past the
 * site when the module hooks the function (the module's own call must not
 * meet its own hook, and no livepatch can redirect a function the module
 * hooks: ftrace refuses both on one function), at its first byte otherwise,
 * so that the call is a call like any other for tracers and for a
 * livepatch.  Under ll_hook_mutex.
 */
static unsigned long ll_thunk_target(unsigned long site)
{
	return ll_hook_at(site) ? site + MCOUNT_INSN_SIZE : ll_entry_of(site);
}

/* @site is hooked from now on: the CALL thunks to it go past its hook. */
static void ll_thunks_past(unsigned long site)
{
	unsigned int t, i;

	for (t = 0; t < ll_table_count; t++) {
		struct ll_hook_table *table = ll_tables[t];

		for (i = 0; i < table->count; i++) {
			struct ll_hook *hook = &table->hooks[i];

			if (hook->kind == LL_HOOK_CALL && hook->ip == site)
				WRITE_ONCE(ll_hook_targets[hook->thunk],
					   site + MCOUNT_INSN_SIZE);
		}
	}
}

static int ll_hook_one(struct ll_hook_table *table, unsigned int t,
		       struct ll_hook *hook)
{
	unsigned long site = ll_hook_site(table->module, hook->name);
	int ret;

	if (!site) {
		pr_err("cannot find %s\n", hook->name);
		return -ENOENT;
	}
	if (ll_has_thunk(hook)) {
		/* a WRAP's original: past its own hook */
		WRITE_ONCE(ll_hook_targets[hook->thunk],
			   hook->kind == LL_HOOK_WRAP ?
			   site + MCOUNT_INSN_SIZE : ll_thunk_target(site));
		*hook->orig = ll_hook_thunks[hook->thunk];
	}
	if (ll_is_traced(hook)) {
		struct ftrace_ops *ops = &ll_hook_direct(table, t, hook)->ops;

		ret = ftrace_set_filter_ip(ops, site, 0, 0);
		if (ret) {
			pr_err("cannot trace %s: %d\n", hook->name, ret);
			return ret;
		}
		ret = ll_site_add(hook, site);
		if (ret) {
			ftrace_set_filter_ip(ops, site, 1, 0);
			return ret;
		}
	}
	/* the thunk's target before ll_hook_ready() */
	smp_store_release(&hook->ip, site);
	if (ll_is_traced(hook))
		ll_thunks_past(site);
	return 0;
}

/* Do the direct calls @d trace a function? */
static bool ll_hooked(struct ll_direct *d)
{
	unsigned int t, i;

	for (t = 0; t < ll_table_count; t++) {
		struct ll_hook_table *table = ll_tables[t];

		for (i = 0; i < table->count; i++) {
			struct ll_hook *hook = &table->hooks[i];

			if (hook->ip && ll_is_traced(hook) &&
			    ll_hook_direct(table, t, hook) == d)
				return true;
		}
	}
	return false;
}

/* Unregister the direct calls of row @row that are, ll_hook_tramp's first. */
static void ll_row_off(unsigned int row)
{
	unsigned int k;

	for (k = 0; k < LL_TRAMPS; k++) {
		struct ll_direct *d = &ll_directs[row][k];

		if (d->on)
			ll_ftrace_direct_unregister(&d->ops,
						    (unsigned long)ll_tramps[k]);
		d->on = false;
	}
}

/*
 * Register the direct calls of row @row, but those that trace nothing
 * (they would trace everything); all or none.  The gated and leased ones
 * first: a hook on ll_hook_tramp may start what they follow (a WRAP that
 * opens a gate, for calls it makes), so they are live before it is, as
 * ll_row_off() turns it off first.
 */
static int ll_row_on(unsigned int row)
{
	unsigned int k;
	int ret;

	for (k = LL_TRAMPS; k-- > 0; ) {
		struct ll_direct *d = &ll_directs[row][k];

		if (d->on || !ll_hooked(d))
			continue;
		ret = ll_ftrace_direct_register(&d->ops,
						(unsigned long)ll_tramps[k]);
		d->on = !ret;
		/*
		 * A registration that failed in register_ftrace_function() (an
		 * IPMODIFY user on one of the functions: -EBUSY) leaves the
		 * ops' callback and trampoline set on 6.1 and 6.12, and every
		 * later registration would fail with -EINVAL: undo them, as
		 * later kernels do themselves.
		 */
		if (ret) {
			d->ops.func = NULL;
			d->ops.trampoline = 0;
			ll_row_off(row);
			return ret;
		}
	}
	return 0;
}

/*
 * Remove the hooks of table @t from their filters and forget them, the
 * caller having turned their direct calls off: a module's when it goes,
 * all on unload.  A filter left without a site is ftrace's empty one
 * again, so a module's ops can be registered anew when it comes back
 * (ftrace_free_filter() would free the hash and keep the pointer, on
 * 6.1).
 */
static void ll_unhook_table(unsigned int t)
{
	struct ll_hook_table *table = ll_tables[t];
	struct ll_hook *hook;

	for (hook = table->hooks; hook < table->hooks + table->count; hook++) {
		if (!hook->ip)
			continue;
		/* a site left in a module's filter would be hooked again */
		if (ll_is_traced(hook)) {
			WARN_ON_ONCE(ftrace_set_filter_ip(&ll_hook_direct(table, t, hook)->ops,
							  hook->ip, 1, 0));
			ll_site_del(hook);
		}
		WRITE_ONCE(hook->ip, 0);
	}
}

/*
 * Hook every hook of table @t that is not off; all or none.  A module's
 * table then has its direct calls; vmlinux's get theirs from
 * ll_hooks_install().
 */
static int ll_hook_table(unsigned int t)
{
	struct ll_hook_table *table = ll_tables[t];
	struct ll_hook *hook;
	int ret = 0;

	for (hook = table->hooks; hook < table->hooks + table->count; hook++) {
		if (hook->off || hook->ip)
			continue;
		ret = ll_hook_one(table, t, hook);
		if (ret)
			break;
	}
	/* on failure nothing is registered: only the sites to forget */
	if (!ret && table->module)
		ret = ll_row_on(ll_row_of(table, t));
	if (ret)
		ll_unhook_table(t);
	return ret;
}

static bool ll_module_is(struct ll_hook_table *table, const char *name)
{
	return table->module && !strcmp(table->module, name);
}

/*
 * A module with hooks may come after layoutlease and go before it.  Hook
 * it while it is COMING: its init has not run, so no call is missed.
 */
static int ll_module_event(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct module *mod = data;
	unsigned int t;
	int ret;

	if (action != MODULE_STATE_COMING && action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&ll_hook_mutex);
	for (t = 0; t < ll_table_count; t++) {
		if (!ll_module_is(ll_tables[t], mod->name))
			continue;
		if (action == MODULE_STATE_GOING) {
			ll_row_off(ll_row_of(ll_tables[t], t));
			ll_unhook_table(t);
			continue;
		}
		ret = ll_hook_table(t);
		if (ret)
			pr_err_ratelimited("cannot hook %s: %d; its hooks are off\n",
					   mod->name, ret);
	}
	mutex_unlock(&ll_hook_mutex);
	return NOTIFY_DONE;
}

static struct notifier_block ll_module_nb = {
	.notifier_call = ll_module_event,
};

/*
 * The holder of FTRACE_OPS_FL_PERMANENT: a callback that does nothing, on
 * ll_hook_guard(), which nothing calls.
 */
static void notrace ll_guard_func(unsigned long ip, unsigned long parent_ip,
				  struct ftrace_ops *ops,
				  struct ftrace_regs *fregs)
{
}

static struct ftrace_ops ll_guard_ops = {
	.func = ll_guard_func,
	.flags = FTRACE_OPS_FL_PERMANENT,
};

static noinline void ll_hook_guard(void)
{
	barrier();
}

/* The fentry site of ll_hook_guard(): past its ENDBR, if it has one. */
static unsigned long ll_guard_site(void)
{
	unsigned long entry = (unsigned long)ll_hook_guard;
	u32 insn;

	/* computed, not a relocation to the middle of an ENDBR function */
	OPTIMIZER_HIDE_VAR(entry);
	if (IS_ENABLED(CONFIG_X86_KERNEL_IBT) &&
	    !get_kernel_nofault(insn, (u32 *)entry) && ll_is_endbr(insn))
		return entry + ENDBR_INSN_SIZE;
	return entry;
}

/* Every direct call off, every hook forgotten. */
static void ll_unhook_all(void)
{
	unsigned int t;

	mutex_lock(&ll_hook_mutex);
	for (t = 0; t <= ll_table_count; t++)
		ll_row_off(t);
	for (t = 0; t < ll_table_count; t++)
		ll_unhook_table(t);
	mutex_unlock(&ll_hook_mutex);
}

/**
 * ll_hooks_install() - install the hook tables
 * @tables: the tables, each alive until ll_hooks_remove()
 * @count: how many
 *
 * The hooks on vmlinux are installed now; those on a module now if it is
 * loaded, and whenever it is loaded later.  A module whose hooks cannot
 * all be installed is left unhooked, with a log line.
 *
 * Return: 0, or the error of the first vmlinux hook that could not be
 * installed (then none is).
 */
int ll_hooks_install(struct ll_hook_table *const *tables, unsigned int count)
{
	unsigned int t;
	int ret;

	/* a trampoline for each gate, each an atomic_t (ftrace_tramp.S) */
	BUILD_BUG_ON(LL_HOOK_GATES != 2 || sizeof(atomic_t) != 4);
	ret = ll_number_hooks(tables, count);
	if (ret)
		return ret;
	ll_tables = tables;
	ll_table_count = count;
	ret = ftrace_set_filter_ip(&ll_guard_ops, ll_guard_site(), 0, 0);
	if (!ret)
		ret = register_ftrace_function(&ll_guard_ops);
	if (ret)
		goto out_guard;
	mutex_lock(&ll_hook_mutex);
	for (t = 0; t < count && !ret; t++)
		if (!tables[t]->module)
			ret = ll_hook_table(t);
	/* a module's table has its direct calls as soon as it is hooked */
	if (!ret)
		ret = ll_row_on(0);
	mutex_unlock(&ll_hook_mutex);
	if (!ret)
		ret = register_module_notifier(&ll_module_nb);
	if (ret)
		goto out_unhook;
	/* already loaded?  The notifier covers a load from now on. */
	mutex_lock(&ll_hook_mutex);
	for (t = 0; t < count; t++) {
		struct ll_hook_table *table = tables[t];

		if (!table->module || !table->count ||
		    !ll_hook_site(table->module, table->hooks[0].name))
			continue;
		if (ll_hook_table(t))
			pr_err("cannot hook %s; its hooks are off\n",
			       table->module);
	}
	mutex_unlock(&ll_hook_mutex);
	return 0;

out_unhook:
	ll_unhook_all();
	unregister_ftrace_function(&ll_guard_ops);
out_guard:
	pr_err("cannot hook: %d\n", ret);
	ftrace_free_filter(&ll_guard_ops);
	synchronize_rcu_tasks();
	return ret;
}

/**
 * ll_hooks_remove() - stop hooking; handlers may still be running
 */
void ll_hooks_remove(void)
{
	unregister_module_notifier(&ll_module_nb);
	ll_unhook_all();
	unregister_ftrace_function(&ll_guard_ops);
	ftrace_free_filter(&ll_guard_ops);
	/* tasks sent to a handler have now passed ll_hook_enter() */
	synchronize_rcu_tasks();
}

/**
 * ll_hooks_drain() - wait until no task runs in a handler
 */
void ll_hooks_drain(void)
{
	/*
	 * Set before the count is read, as a leaver decrements it before
	 * reading this: the drain sees 0, or the last leaver sees it and
	 * wakes the drain.
	 */
	smp_store_mb(ll_hook_draining, true);
	wait_var_event(&ll_hook_inflight, !atomic_read(&ll_hook_inflight));
	/* and is past the instructions after ll_hook_leave() */
	synchronize_rcu_tasks();
}
