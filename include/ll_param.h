/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters that take one of a list of names (revoke, implicit,
 * implicit_scope): the value is the name's index, read with READ_ONCE().
 * A name not in the list is refused with EINVAL and changes nothing.
 */
#ifndef _LL_PARAM_H
#define _LL_PARAM_H

#include <linux/compiler.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/string.h>
#include <linux/sysfs.h>

struct ll_enum_param {
	const char * const *names;
	size_t count;
	int *value;
	void (*changed)(void);	/* after a write, or NULL */
};

static inline int ll_enum_param_set(const char *val,
				    const struct kernel_param *kp)
{
	const struct ll_enum_param *p = kp->arg;
	int i = __sysfs_match_string(p->names, p->count, val);

	if (i < 0)
		return -EINVAL;
	WRITE_ONCE(*p->value, i);
	if (p->changed)
		p->changed();
	return 0;
}

static inline int ll_enum_param_get(char *buf, const struct kernel_param *kp)
{
	const struct ll_enum_param *p = kp->arg;

	return sysfs_emit(buf, "%s\n", p->names[READ_ONCE(*p->value)]);
}

/* The ops of such a parameter, whose arg is its struct ll_enum_param */
static const struct kernel_param_ops ll_enum_param_ops = {
	.set = ll_enum_param_set,
	.get = ll_enum_param_get,
};

#endif /* _LL_PARAM_H */
