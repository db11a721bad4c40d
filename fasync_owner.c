// SPDX-License-Identifier: GPL-2.0
/*
 * Who is told when a layout lease breaks, and how.
 *
 * As for classic leases, a layout lease carries a fasync entry for the fd
 * it was set through, and a break is sent with kill_fasync() to the owner
 * of the open file description (F_SETOWN, F_SETOWN_EX), or to the process
 * that set the lease when no owner was set.  With F_SETSIG the signal
 * carries si_fd, si_code POLL_MSG and si_band.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/sched.h>

#include "layoutlease.h"

/**
 * ll_owner_attach() - add the fasync entry of a lease not yet inserted
 * @fl: the lease
 * @fd: the descriptor reported as si_fd
 *
 * Return: 0 or -ENOMEM.
 */
int ll_owner_attach(struct ll_file_lease *fl, int fd)
{
	int ret = fasync_helper(fd, ll_fl_file(fl), 1, &fl->fl_fasync);

	return ret < 0 ? ret : 0;
}

/* Undo ll_owner_attach() for a lease that was never inserted. */
void ll_owner_detach(struct ll_file_lease *fl)
{
	fasync_helper(-1, ll_fl_file(fl), 0, &fl->fl_fasync);
}

/* lm_setup: the setter owns the file unless F_SETOWN named someone. */
void ll_owner_default(struct ll_file_lease *fl)
{
	__f_setown(ll_fl_file(fl), task_pid(current), PIDTYPE_TGID, 0);
}

/* Tell the owner: exactly one signal per break, from lm_break. */
void ll_owner_notify(struct ll_file_lease *fl)
{
	kill_fasync(&fl->fl_fasync, SIGIO, POLL_MSG);
}

/**
 * ll_owner_pid() - the pid a break of a lease on @filp is signalled to
 * @filp: the leased file, alive (its lease is listed, under flc_lock)
 * @setter: the pid of the process that set the lease
 *
 * Return: the owner's pid in the caller's namespace, negative for a
 * process group, or @setter when the file has no owner.
 */
pid_t ll_owner_pid(struct file *filp, pid_t setter)
{
	struct fown_struct *fown = ll_fown(filp);
	unsigned long flags;
	pid_t pid = 0;

	if (!fown)
		return setter;
	read_lock_irqsave(&fown->lock, flags);
	if (fown->pid) {
		pid = pid_vnr(fown->pid);
		if (fown->pid_type == PIDTYPE_PGID)
			pid = -pid;
	}
	read_unlock_irqrestore(&fown->lock, flags);
	return pid ? pid : setter;
}

static int ll_match_file(const void *filp, struct file *file, unsigned int fd)
{
	return file == filp;
}

/**
 * ll_current_holds() - is @filp in the calling process's file table?
 * @filp: an open file description
 * @fd: where it usually is, checked first
 *
 * A layout lease belongs to the open file description, so every process
 * with @filp in its table (after fork, dup, SCM_RIGHTS) is a holder.
 * Called under flc_lock: takes only the file table's spinlock.
 */
bool ll_current_holds(struct file *filp, int fd)
{
	struct files_struct *files = current->files;
	bool held;

	if (!files)
		return false;
	/* only compared, never dereferenced: the raw lookup under RCU */
	rcu_read_lock();
	held = fd >= 0 && files_lookup_fd_raw(files, fd) == filp;
	rcu_read_unlock();
	return held || iterate_fd(files, 0, ll_match_file, filp);
}
