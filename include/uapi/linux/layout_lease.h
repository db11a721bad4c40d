/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * layoutlease user ABI: layout leases through fcntl(F_SETLEASE) and
 * /dev/layout_lease.  See Documentation/layout-leases.rst.
 */
#ifndef _UAPI_LINUX_LAYOUT_LEASE_H
#define _UAPI_LINUX_LAYOUT_LEASE_H

#include <linux/ioctl.h>
#include <linux/types.h>

/*
 * OR-ed into the F_SETLEASE argument with F_RDLCK, and reported by
 * F_GETLEASE.  The values are those of the 2019 RFC.
 */
#define F_LAYOUT	16	/* a layout lease */
#define F_EXCLUSIVE	32	/* the only layout lease; others get ETXTBSY */

/**
 * struct layout_lease_req - argument of the /dev/layout_lease ioctls
 * @fd:  the file to lease, in the caller's file table
 * @arg: LAYOUT_LEASE_SET: F_LAYOUT | F_RDLCK [| F_EXCLUSIVE];
 *       LAYOUT_LEASE_GET: filled in as F_GETLEASE would return it
 */
struct layout_lease_req {
	__s32 fd;
	__u32 arg;
};

/*
 * 0xBC 00-0F, free in the kernel's ioctl-number table (0xB8, 0xBA and 0xBF
 * are taken nearby).  Version 0.1 used 'L', which is loop's: those numbers
 * still work in this release, with a deprecation log line, and go in the
 * next.
 */
#define LAYOUT_LEASE_IOC_MAGIC	0xBC
#define LAYOUT_LEASE_SET	_IOW(LAYOUT_LEASE_IOC_MAGIC, 0x01, struct layout_lease_req)
#define LAYOUT_LEASE_GET	_IOWR(LAYOUT_LEASE_IOC_MAGIC, 0x02, struct layout_lease_req)
#define LAYOUT_LEASE_RELEASE	_IOW(LAYOUT_LEASE_IOC_MAGIC, 0x03, struct layout_lease_req)

#endif /* _UAPI_LINUX_LAYOUT_LEASE_H */
