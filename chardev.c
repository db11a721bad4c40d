// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/layout_lease: the layout lease operations as ioctls on an fd, for
 * kernels or policies where fcntl(2) is not hooked (hook_fcntl=0).  The
 * operations are the fcntl ones; permission is checked on the file leased.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/sched.h>
#include <linux/uaccess.h>
#include <uapi/linux/layout_lease.h>

#include "layoutlease.h"

/*
 * The numbers of version 0.1, under loop's magic 'L': accepted for one
 * release, with a deprecation line.
 */
#define LL_OLD_MAGIC	'L'

static unsigned int ll_ioctl_cmd(unsigned int cmd)
{
	if (_IOC_TYPE(cmd) != LL_OLD_MAGIC || _IOC_NR(cmd) < 1 ||
	    _IOC_NR(cmd) > 3 || _IOC_SIZE(cmd) != sizeof(struct layout_lease_req))
		return cmd;
	pr_warn_ratelimited("pid %d (%s): ioctl numbers with magic 'L' are deprecated and go in the next release; rebuild with this linux/layout_lease.h\n",
			    task_tgid_nr(current), current->comm);
	return _IOC(_IOC_DIR(cmd), LAYOUT_LEASE_IOC_MAGIC, _IOC_NR(cmd),
		    _IOC_SIZE(cmd));
}

static long ll_ioctl(struct file *dev, unsigned int cmd, unsigned long uarg)
{
	struct layout_lease_req __user *ureq = (void __user *)uarg;
	struct layout_lease_req req;
	struct file *filp;
	struct fd f;
	long ret;

	cmd = ll_ioctl_cmd(cmd);
	if (cmd != LAYOUT_LEASE_SET && cmd != LAYOUT_LEASE_GET &&
	    cmd != LAYOUT_LEASE_RELEASE)
		return -ENOTTY;
	if (copy_from_user(&req, ureq, sizeof(req)))
		return -EFAULT;
	f = fdget(req.fd);
	filp = ll_fd_file(f);
	if (!filp)
		return -EBADF;
	switch (cmd) {
	case LAYOUT_LEASE_SET:
		ret = ll_lease_set(filp, req.fd, req.arg);
		break;
	case LAYOUT_LEASE_RELEASE:
		ret = ll_lease_release(filp);
		break;
	default:
		ret = ll_lease_get(filp);
		if (ret == -ENOENT)
			ret = F_UNLCK;
		req.arg = ret;
		ret = put_user(req.arg, &ureq->arg);
	}
	fdput(f);
	return ret;
}

static const struct file_operations ll_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = ll_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice ll_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "layout_lease",
	.fops = &ll_dev_fops,
	.mode = 0666,
};

/**
 * ll_chardev_init() - create /dev/layout_lease
 *
 * Return: 0 or misc_register()'s error.
 */
int ll_chardev_init(void)
{
	return misc_register(&ll_miscdev);
}

/**
 * ll_chardev_exit() - remove /dev/layout_lease
 */
void ll_chardev_exit(void)
{
	misc_deregister(&ll_miscdev);
}
