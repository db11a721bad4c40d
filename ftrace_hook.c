// SPDX-License-Identifier: GPL-2.0
/*
 * The hook mechanism: ftrace on the entry of kernel functions, for the
 * tables of include/ll_hook.h.  No policy lives here: what a hook does is
 * in the file whose state it drives.
 *
 * Finding a function: a kprobe on its name resolves the address of its
 * fentry site, the same place ftrace patches (past the ENDBR on CET-IBT
 * kernels).  Nothing calls kallsyms_lookup_name(), which the kernel does
 * not export and seals on IBT kernels.
 *
 * Calling an original (LL_HOOK_WRAP): only through a pointer to the
 * function's first byte, and only when that byte starts an ENDBR64 that
 * the kernel did not seal at boot; a hook whose original is not such a
 * target is refused at install time, never called.  The sealing happens
 * at boot on every CPU, so the check means the same in QEMU as on a CPU
 * that enforces IBT.  PRE and FILTER hooks never call the original.
 *
 * PRE and FILTER hooks are ftrace direct calls of one trampoline
 * (ftrace_tramp.S), as BPF trampolines are: no pt_regs to fill, no
 * callback list, no recursion test.  WRAP and CALL hooks go through an
 * ftrace callback, which is given the traced function's true return
 * address even when another tracer (the function graph tracer, a
 * kretprobe) has replaced it on the stack: it is how a WRAP replacement's
 * own call of its original is told apart.  The hooks of both kinds are
 * found by patch site in a small hash table.
 *
 * Calling a function that is no such target (LL_HOOK_CALL): the module
 * calls a stub of its own, and the ftrace callback on the stub changes
 * the address ftrace returns to, exactly as it does for a WRAP hook's
 * replacement and as livepatch does for a new function: a return, which
 * IBT does not check, lands on the function's first byte with the stub's
 * arguments, and the function returns to the stub's caller.
 *
 * Install and remove mirror each other, as livepatch's klp_patch_func()
 * and klp_unpatch_func() do: resolve, record the site, add it to the
 * ftrace_ops filter; remove it from the filter, forget the site.  Hooks
 * on a module (ib_uverbs) are installed when it is COMING, before its init
 * runs, and removed when it is GOING.
 *
 * The ftrace_ops of the WRAP and CALL hooks is FTRACE_OPS_FL_PERMANENT:
 * while the module is loaded, "sysctl kernel.ftrace_enabled=0" is refused
 * instead of silently switching the protection off.
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

/* endbr64, f3 0f 1e fa, as a little-endian word */
#define LL_ENDBR64	0xfa1e0ff3U

static struct ll_hook_table *const *ll_tables;
static unsigned int ll_table_count;

/* At most this many hooks, half the size of ll_sites below */
#define LL_MAX_HOOKS	64
static DEFINE_MUTEX(ll_hook_mutex);	/* the hooks' ip and orig */
/* tasks between ll_hook_enter() and ll_hook_leave() (ll_hook.h) */
atomic_t ll_hook_inflight = ATOMIC_INIT(0);
/* ll_hooks_drain() waits: the last task to leave wakes it (ll_hook.h) */
bool ll_hook_draining;

/* Is @hook a direct call of ll_hook_tramp, rather than an ftrace callback? */
static bool ll_is_direct(const struct ll_hook *hook)
{
	return hook->kind == LL_HOOK_PRE || hook->kind == LL_HOOK_FILTER;
}

/*
 * The installed hooks by patch site, for the trampoline and the callback:
 * an open-addressed table, probed from hash_long(site) on until an empty
 * slot.  A slot keeps its hook when the hook is removed (its ip is 0 then,
 * so it matches nothing), and is taken again by the next hook that needs
 * it, so that a module's hooks can come and go for ever.  A CALL hook's
 * site is its stub's.
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

/* Are there few enough hooks in the tables for ll_sites? */
static int ll_count_hooks(struct ll_hook_table *const *tables,
			  unsigned int count)
{
	unsigned int t, n = 0;

	for (t = 0; t < count; t++)
		n += tables[t]->count;
	return n > LL_MAX_HOOKS ? -E2BIG : 0;
}

static void notrace ll_ftrace_callback(unsigned long ip,
				       unsigned long parent_ip,
				       struct ftrace_ops *ops,
				       struct ftrace_regs *fregs)
{
	struct ll_hook *hook = ll_hook_at(ip);
	unsigned long args[LL_HOOK_ARGS];

	if (!hook)
		return;
	/* a stub of the module's own: on to the kernel function */
	if (hook->kind == LL_HOOK_CALL) {
		ll_fregs_set_ip(fregs, READ_ONCE(hook->target));
		return;
	}
	/* the module's own calls of an original run it */
	if (hook->kind != LL_HOOK_WRAP || within_module(parent_ip, THIS_MODULE))
		return;
	if (hook->wanted) {
		/* unrolled: with a constant index each is one load */
		args[0] = ll_fregs_arg(fregs, 0);
		args[1] = ll_fregs_arg(fregs, 1);
		args[2] = ll_fregs_arg(fregs, 2);
		args[3] = ll_fregs_arg(fregs, 3);
		args[4] = ll_fregs_arg(fregs, 4);
		args[5] = ll_fregs_arg(fregs, 5);
		if (!hook->wanted(args))
			return;
	}
	ll_fregs_set_ip(fregs, (unsigned long)hook->func);
}

static struct ftrace_ops ll_wrap_ops = {
	.func = ll_ftrace_callback,
	.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_RECURSION |
		 FTRACE_OPS_FL_PERMANENT,
};

/*
 * The PRE and FILTER hooks' direct calls: one ftrace_ops per trampoline,
 * ll_hook_tramp's and, when some hook is LL_PRE_LEASED, the
 * ll_hook_tramp_leased one's.
 */
static struct ftrace_ops ll_direct_ops;
static struct ftrace_ops ll_leased_ops;
static bool ll_leased_on;		/* ll_leased_ops is registered */

/**
 * ll_hook_dispatch() - run the direct hook of a traced function
 * @args: the function's six argument registers, which a FILTER may rewrite
 * @site: the return address of its fentry call
 * @ret: where to put the value the function returns instead of running
 *
 * Called by ll_hook_tramp (ftrace_tramp.S), in the function's context.
 *
 * Return: true to return *@ret to the function's caller, false to run the
 * function (with @args).
 */
bool ll_hook_dispatch(unsigned long *args, unsigned long site, long *ret)
{
	struct ll_hook *hook;
	bool done;

	/*
	 * A call the hook has no business with costs the lookup and the
	 * filter, which sleeps nowhere: the trampoline's own code, which the
	 * RCU-tasks grace period of ll_hooks_remove() covers.
	 */
	hook = ll_hook_at(site - MCOUNT_INSN_SIZE);
	if (!hook)
		return false;
	if (hook->kind == LL_HOOK_FILTER) {
		hook->wanted(args);
		return false;
	}
	if (hook->kind != LL_HOOK_PRE ||
	    (hook->pre_wanted && !hook->pre_wanted(args)))
		return false;
	ll_hook_enter();
	done = hook->pre(args, ret);
	ll_hook_leave();
	return done;
}

/* The fentry site of @module:@name (@module NULL: vmlinux), or 0. */
static unsigned long ll_hook_site(const char *module, const char *name)
{
	char sym[MODULE_NAME_LEN + KSYM_NAME_LEN];
	struct kprobe kp = { .symbol_name = sym };
	unsigned long site;

	if (module)
		snprintf(sym, sizeof(sym), "%s:%s", module, name);
	else
		strscpy(sym, name, sizeof(sym));
	if (register_kprobe(&kp))
		return 0;
	site = (unsigned long)kp.addr;
	unregister_kprobe(&kp);
	return site;
}

/*
 * The first byte of the function whose fentry site is @site, and whether
 * the module may call it through a pointer: only if it starts with an
 * ENDBR64 the kernel did not seal (ll_is_endbr() also accepts the seal).
 */
static unsigned long ll_hook_entry(unsigned long site, bool *callable)
{
	unsigned long entry = site;
	u32 insn;

	*callable = !IS_ENABLED(CONFIG_X86_KERNEL_IBT);
	if (!IS_ENABLED(CONFIG_X86_KERNEL_IBT))
		return entry;
	if (!get_kernel_nofault(insn, (u32 *)(site - ENDBR_INSN_SIZE)) &&
	    ll_is_endbr(insn))
		entry = site - ENDBR_INSN_SIZE;
	*callable = !get_kernel_nofault(insn, (u32 *)entry) &&
		    insn == LL_ENDBR64;
	return entry;
}

/* The fentry site of the module's own function @func (a CALL stub). */
static unsigned long ll_stub_site(void *func)
{
	unsigned long entry = (unsigned long)func;
	u32 insn;

	if (IS_ENABLED(CONFIG_X86_KERNEL_IBT) &&
	    !get_kernel_nofault(insn, (u32 *)entry) && ll_is_endbr(insn))
		return entry + ENDBR_INSN_SIZE;
	return entry;
}

static struct ftrace_ops *ll_hook_ops(struct ll_hook *hook)
{
	if (!ll_is_direct(hook))
		return &ll_wrap_ops;
	return hook->leased ? &ll_leased_ops : &ll_direct_ops;
}

static int ll_hook_one(const char *module, struct ll_hook *hook)
{
	unsigned long site = ll_hook_site(module, hook->name);
	unsigned long entry;
	bool callable;
	int ret;

	if (!site) {
		pr_err("cannot find %s\n", hook->name);
		return -ENOENT;
	}
	entry = ll_hook_entry(site, &callable);
	if (hook->kind == LL_HOOK_WRAP) {
		if (!callable) {
			pr_err("cannot hook %s: it may not be called through a pointer (no ENDBR, or sealed)\n",
			       hook->name);
			return -EOPNOTSUPP;
		}
		*hook->orig = (void *)entry;
	} else if (hook->kind == LL_HOOK_CALL) {
		/* ftrace returns to it: no indirect call, no ENDBR needed */
		WRITE_ONCE(hook->target, entry);
		site = ll_stub_site(hook->func);
	}
	ret = ftrace_set_filter_ip(ll_hook_ops(hook), site, 0, 0);
	if (ret) {
		pr_err("cannot trace %s: %d\n", hook->name, ret);
		return ret;
	}
	ll_site_add(hook, site);
	WRITE_ONCE(hook->ip, site);
	return 0;
}

/* Does @ops trace a function of vmlinux? */
static bool ll_hooked(struct ftrace_ops *ops)
{
	unsigned int t, i;

	for (t = 0; t < ll_table_count; t++) {
		for (i = 0; i < ll_tables[t]->count; i++) {
			struct ll_hook *hook = &ll_tables[t]->hooks[i];

			if (!ll_tables[t]->module && hook->ip &&
			    ll_hook_ops(hook) == ops)
				return true;
		}
	}
	return false;
}

static void ll_unhook_one(struct ll_hook *hook)
{
	ftrace_set_filter_ip(ll_hook_ops(hook), hook->ip, 1, 0);
	WRITE_ONCE(hook->ip, 0);
}

/* Hook every hook of @table that is not off; all or none. */
static int ll_hook_table(struct ll_hook_table *table)
{
	struct ll_hook *hook;
	int ret = 0;

	for (hook = table->hooks; hook < table->hooks + table->count; hook++) {
		if (hook->off || hook->ip)
			continue;
		if (table->module && ll_is_direct(hook))
			ret = -EOPNOTSUPP;
		else
			ret = ll_hook_one(table->module, hook);
		if (ret)
			break;
	}
	if (ret) {
		while (hook-- > table->hooks)
			if (hook->ip)
				ll_unhook_one(hook);
	}
	return ret;
}

static void ll_unhook_table(struct ll_hook_table *table)
{
	struct ll_hook *hook;

	for (hook = table->hooks; hook < table->hooks + table->count; hook++)
		if (hook->ip)
			ll_unhook_one(hook);
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
			ll_unhook_table(ll_tables[t]);
			continue;
		}
		ret = ll_hook_table(ll_tables[t]);
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

static void ll_unhook_all(void)
{
	unsigned int t;

	mutex_lock(&ll_hook_mutex);
	for (t = 0; t < ll_table_count; t++)
		ll_unhook_table(ll_tables[t]);
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

	ret = ll_count_hooks(tables, count);
	if (ret)
		return ret;
	ll_tables = tables;
	ll_table_count = count;
	mutex_lock(&ll_hook_mutex);
	for (t = 0; t < count && !ret; t++)
		if (!tables[t]->module)
			ret = ll_hook_table(tables[t]);
	mutex_unlock(&ll_hook_mutex);
	/* an ftrace_ops with an empty filter would trace every function */
	if (!ret && (!ll_hooked(&ll_wrap_ops) || !ll_hooked(&ll_direct_ops)))
		ret = -EINVAL;
	if (!ret)
		ret = register_ftrace_function(&ll_wrap_ops);
	if (ret)
		goto out_unhook;
	ret = ll_ftrace_direct_register(&ll_direct_ops,
					(unsigned long)ll_hook_tramp);
	if (ret)
		goto out_wrap;
	/* none with hook_fcntl=0: an empty filter would trace everything */
	ll_leased_on = ll_hooked(&ll_leased_ops);
	if (ll_leased_on)
		ret = ll_ftrace_direct_register(&ll_leased_ops,
						(unsigned long)ll_hook_tramp_leased);
	if (ret)
		goto out_direct;
	ret = register_module_notifier(&ll_module_nb);
	if (ret)
		goto out_leased;
	/* already loaded?  The notifier covers a load from now on. */
	mutex_lock(&ll_hook_mutex);
	for (t = 0; t < count; t++) {
		struct ll_hook_table *table = tables[t];

		if (!table->module || !table->count ||
		    !ll_hook_site(table->module, table->hooks[0].name))
			continue;
		if (ll_hook_table(table))
			pr_err("cannot hook %s; its hooks are off\n",
			       table->module);
	}
	mutex_unlock(&ll_hook_mutex);
	return 0;

out_leased:
	if (ll_leased_on)
		ll_ftrace_direct_unregister(&ll_leased_ops,
					    (unsigned long)ll_hook_tramp_leased);
out_direct:
	ll_ftrace_direct_unregister(&ll_direct_ops, (unsigned long)ll_hook_tramp);
out_wrap:
	unregister_ftrace_function(&ll_wrap_ops);
out_unhook:
	pr_err("cannot hook: %d\n", ret);
	ll_unhook_all();
	ftrace_free_filter(&ll_wrap_ops);
	ftrace_free_filter(&ll_direct_ops);
	ftrace_free_filter(&ll_leased_ops);
	synchronize_rcu_tasks();
	return ret;
}

/**
 * ll_hooks_remove() - stop hooking; handlers may still be running
 */
void ll_hooks_remove(void)
{
	unregister_module_notifier(&ll_module_nb);
	unregister_ftrace_function(&ll_wrap_ops);
	ll_ftrace_direct_unregister(&ll_direct_ops, (unsigned long)ll_hook_tramp);
	if (ll_leased_on)
		ll_ftrace_direct_unregister(&ll_leased_ops,
					    (unsigned long)ll_hook_tramp_leased);
	ll_unhook_all();
	ftrace_free_filter(&ll_wrap_ops);
	ftrace_free_filter(&ll_direct_ops);
	ftrace_free_filter(&ll_leased_ops);
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
