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
 * ftrace's.  The hooks of vmlinux share two direct ftrace_ops (one per
 * trampoline); each module's table has one of its own, registered when the
 * module is COMING, before its init runs, and unregistered when it is
 * GOING.
 *
 * Calling: the module never calls a kernel function through a pointer.  A
 * WRAP or CALL hook's *orig is one of the module's thunks (ftrace_tramp.S),
 * which enters the function past its fentry site by a return: IBT checks
 * no ENDBR, sealed or not, and the call meets no hook, so the module's own
 * calls of a hooked function (a replacement's of its original,
 * __break_lease() and lease_modify() from the lease code) run it.
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
/* At most this many tables: each on a module has an ftrace_ops */
#define LL_MAX_TABLES	8
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
 * table, probed from hash_long(site) on until an empty slot.  A slot keeps
 * its hook when the hook is removed (its ip is 0 then, so it matches
 * nothing), and is taken again by the next hook that needs it, so that a
 * module's hooks can come and go for ever.
 */
#define LL_SITE_BITS	7	/* 2 * LL_MAX_HOOKS slots */
static struct ll_hook *ll_sites[1 << LL_SITE_BITS];

/* Under ll_hook_mutex, before @hook->ip is set to @ip. */
static void ll_site_add(struct ll_hook *hook, unsigned long ip)
{
	unsigned int i, n = hash_long(ip, LL_SITE_BITS);
	struct ll_hook *slot;

	for (i = 0; i < ARRAY_SIZE(ll_sites); i++, n++) {
		n &= ARRAY_SIZE(ll_sites) - 1;
		slot = ll_sites[n];
		/* an empty slot, or one whose hook is not installed */
		if (!slot || slot == hook || !READ_ONCE(slot->ip)) {
			WRITE_ONCE(ll_sites[n], hook);
			return;
		}
	}
	/* LL_MAX_HOOKS hooks fill half the table at most */
	WARN_ON_ONCE(1);
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
 * Few enough tables, hooks and thunks?  Each WRAP and CALL hook is given
 * its thunk, for good: a module's hooks keep theirs when it goes and
 * comes back.
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

			n++;
			if (ll_has_thunk(hook) && thunks < LL_HOOK_THUNKS)
				hook->thunk = thunks;
			thunks += ll_has_thunk(hook);
		}
	}
	return n > LL_MAX_HOOKS || thunks > LL_HOOK_THUNKS ? -E2BIG : 0;
}

/*
 * The direct calls: the hooks of vmlinux share one ftrace_ops per
 * trampoline, ll_hook_tramp's and, when some hook is LL_PRE_LEASED, the
 * ll_hook_tramp_leased one's; each table of a module has its own.
 */
static struct ftrace_ops ll_direct_ops;
static struct ftrace_ops ll_leased_ops;
static bool ll_leased_on;		/* ll_leased_ops is registered */
static struct ftrace_ops ll_table_ops[LL_MAX_TABLES];
static bool ll_table_on[LL_MAX_TABLES];	/* ll_table_ops[t] is registered */

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

/* The ftrace_ops of @hook, in table @t. */
static struct ftrace_ops *ll_hook_ops(struct ll_hook_table *table,
				      unsigned int t, struct ll_hook *hook)
{
	if (table->module)
		return &ll_table_ops[t];
	return hook->leased ? &ll_leased_ops : &ll_direct_ops;
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
		/* past the fentry call: the function's own first instruction */
		WRITE_ONCE(ll_hook_targets[hook->thunk],
			   site + MCOUNT_INSN_SIZE);
		*hook->orig = ll_hook_thunks[hook->thunk];
	}
	if (ll_is_traced(hook)) {
		ret = ftrace_set_filter_ip(ll_hook_ops(table, t, hook), site,
					   0, 0);
		if (ret) {
			pr_err("cannot trace %s: %d\n", hook->name, ret);
			return ret;
		}
		ll_site_add(hook, site);
	}
	/* the thunk's target before ll_hook_ready() */
	smp_store_release(&hook->ip, site);
	return 0;
}

/* Does @ops trace a function? */
static bool ll_hooked(struct ftrace_ops *ops)
{
	unsigned int t, i;

	for (t = 0; t < ll_table_count; t++) {
		struct ll_hook_table *table = ll_tables[t];

		for (i = 0; i < table->count; i++) {
			struct ll_hook *hook = &table->hooks[i];

			if (hook->ip && ll_is_traced(hook) &&
			    ll_hook_ops(table, t, hook) == ops)
				return true;
		}
	}
	return false;
}

static void ll_unhook_one(struct ll_hook_table *table, unsigned int t,
			  struct ll_hook *hook)
{
	if (ll_is_traced(hook))
		ftrace_set_filter_ip(ll_hook_ops(table, t, hook), hook->ip,
				     1, 0);
	WRITE_ONCE(hook->ip, 0);
}

/* A module's table: its direct calls stop, its hooks are forgotten. */
static void ll_unhook_table(unsigned int t)
{
	struct ll_hook_table *table = ll_tables[t];
	struct ll_hook *hook;

	if (ll_table_on[t]) {
		ll_ftrace_direct_unregister(&ll_table_ops[t],
					    (unsigned long)ll_hook_tramp);
		ll_table_on[t] = false;
	}
	for (hook = table->hooks; hook < table->hooks + table->count; hook++)
		if (hook->ip)
			ll_unhook_one(table, t, hook);
	if (table->module)
		ftrace_free_filter(&ll_table_ops[t]);
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
		if (table->module && hook->leased)
			ret = -EOPNOTSUPP;
		else
			ret = ll_hook_one(table, t, hook);
		if (ret)
			break;
	}
	/* an ftrace_ops with an empty filter would trace every function */
	if (!ret && table->module && ll_hooked(&ll_table_ops[t])) {
		ret = ll_ftrace_direct_register(&ll_table_ops[t],
						(unsigned long)ll_hook_tramp);
		ll_table_on[t] = !ret;
	}
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

static void ll_unhook_all(void)
{
	unsigned int t;

	mutex_lock(&ll_hook_mutex);
	for (t = 0; t < ll_table_count; t++)
		ll_unhook_table(t);
	mutex_unlock(&ll_hook_mutex);
}

/* The direct calls of vmlinux's hooks, once they are all in the filters. */
static int ll_direct_register(void)
{
	int ret;

	/* an ftrace_ops with an empty filter would trace every function */
	if (!ll_hooked(&ll_direct_ops))
		return -EINVAL;
	ret = ll_ftrace_direct_register(&ll_direct_ops,
					(unsigned long)ll_hook_tramp);
	if (ret)
		return ret;
	/* none with hook_fcntl=0 */
	ll_leased_on = ll_hooked(&ll_leased_ops);
	if (ll_leased_on)
		ret = ll_ftrace_direct_register(&ll_leased_ops,
						(unsigned long)ll_hook_tramp_leased);
	if (ret) {
		ll_leased_on = false;
		ll_ftrace_direct_unregister(&ll_direct_ops,
					    (unsigned long)ll_hook_tramp);
	}
	return ret;
}

static void ll_direct_unregister(void)
{
	ll_ftrace_direct_unregister(&ll_direct_ops, (unsigned long)ll_hook_tramp);
	if (ll_leased_on)
		ll_ftrace_direct_unregister(&ll_leased_ops,
					    (unsigned long)ll_hook_tramp_leased);
	ll_leased_on = false;
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
	mutex_unlock(&ll_hook_mutex);
	if (!ret)
		ret = ll_direct_register();
	if (ret)
		goto out_unhook;
	ret = register_module_notifier(&ll_module_nb);
	if (ret)
		goto out_direct;
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

out_direct:
	ll_direct_unregister();
out_unhook:
	ll_unhook_all();
	ftrace_free_filter(&ll_direct_ops);
	ftrace_free_filter(&ll_leased_ops);
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
	ll_direct_unregister();
	ll_unhook_all();
	ftrace_free_filter(&ll_direct_ops);
	ftrace_free_filter(&ll_leased_ops);
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
