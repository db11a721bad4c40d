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

#include <linux/fs.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

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

/*
 * lm_setup: the setter's process owns the file unless F_SETOWN named
 * someone.  Its tgid, where the kernel's lease_setup() names the calling
 * thread: a lease set by a thread that has since exited still has an
 * owner to tell and to exempt.
 */
void ll_owner_default(struct ll_file_lease *fl)
{
	__f_setown(ll_fl_file(fl), task_tgid(current), PIDTYPE_TGID, 0);
}

/* Tell the owner: exactly one signal per break, from lm_break. */
void ll_owner_notify(struct ll_file_lease *fl)
{
	kill_fasync(&fl->fl_fasync, SIGIO, POLL_MSG);
}

/**
 * ll_owner_pid() - the pid a break of a lease on @filp is signalled to
 * @filp: the leased file, alive (its lease is listed, under flc_lock)
 * @setter: the process that set the lease
 * @ns: the pid namespace the pid is for
 *
 * Return: the owner's pid in @ns, negative for a process group, or the
 * setter's when the file has no owner; 0 when @ns cannot see the owner.
 */
pid_t ll_owner_pid(struct file *filp, struct pid *setter,
		   struct pid_namespace *ns)
{
	struct fown_struct *fown = ll_fown(filp);
	unsigned long flags;
	bool owned = false;
	pid_t pid = 0;

	if (fown) {
		read_lock_irqsave(&fown->lock, flags);
		if (fown->pid) {
			owned = true;
			pid = pid_nr_ns(fown->pid, ns);
			if (fown->pid_type == PIDTYPE_PGID)
				pid = -pid;
		}
		read_unlock_irqrestore(&fown->lock, flags);
	}
	return owned ? pid : pid_nr_ns(setter, ns);
}

/**
 * ll_current_owns() - is the caller the owner of @filp's layout lease?
 * @filp: the leased file, alive (its lease is listed, under flc_lock)
 * @setter: the tgid of the lease's setter (counted by the lease)
 *
 * The owner is the target of F_SETOWN or F_SETOWN_EX, which lm_setup
 * makes the setter's process when nobody was named: the process of a
 * thread (F_OWNER_TID), a process (F_OWNER_PID: the process of the task
 * with that pid, as send_sigio() finds it), or the members of a process
 * group (F_OWNER_PGRP).  Whoever else has the file open, through fork, dup
 * or SCM_RIGHTS, is not the owner.
 *
 * A break asks this of every lease it meets, several times.  The owner's
 * pid and type are read together under the fown lock (F_SETOWN writes
 * them one after the other), and the usual answers come from comparing
 * struct pid pointers, which are not dereferenced: the caller's own
 * thread or tgid, the setter's tgid (which the lease keeps from being
 * freed and reused), the caller's process group.  Only another owner
 * needs its task looked up.
 *
 * Return: true when current belongs to the owner.
 */
bool ll_current_owns(struct file *filp, struct pid *setter)
{
	struct fown_struct *fown = ll_fown(filp);
	struct task_struct *task;
	unsigned long flags;
	enum pid_type type;
	struct pid *pid;
	bool owns;

	if (!fown)
		return false;
	read_lock_irqsave(&fown->lock, flags);
	pid = fown->pid;
	type = fown->pid_type;
	if (!pid) {
		owns = false;
	} else if (type == PIDTYPE_PGID) {
		owns = pid == task_pgrp(current);
	} else if (pid == task_pid(current) || pid == task_tgid(current)) {
		owns = true;		/* current, or its group's leader */
	} else if (pid == setter) {
		owns = false;		/* another process's leader */
	} else {
		rcu_read_lock();
		task = pid_task(pid, PIDTYPE_PID);
		owns = task && same_thread_group(task, current);
		rcu_read_unlock();
	}
	read_unlock_irqrestore(&fown->lock, flags);
	return owns;
}
