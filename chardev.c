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
#include <linux/uaccess.h>
#include <uapi/linux/layout_lease.h>

#include "layoutlease.h"

static long ll_ioctl(struct file *dev, unsigned int cmd, unsigned long uarg)
{
	struct layout_lease_req __user *ureq = (void __user *)uarg;
	struct layout_lease_req req;
	struct file *filp;
	struct fd f;
	long ret;

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

int ll_chardev_init(void)
{
	return misc_register(&ll_miscdev);
}

void ll_chardev_exit(void)
{
	misc_deregister(&ll_miscdev);
}
