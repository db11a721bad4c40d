/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libibverbs helpers for the selftests: the soft-RoCE device of the VM.
 */
#ifndef _LL_RDMA_UTIL_H
#define _LL_RDMA_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <infiniband/verbs.h>
#include <linux/userfaultfd.h>

#define RDMA_ACCESS	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
			 IBV_ACCESS_REMOTE_READ)

/*
 * The access of an MR over page cache that needs dirty tracking (XFS or
 * ext4 without DAX; not tmpfs): from 6.5 on, the kernel refuses a writable
 * long-term pin of such a shared file mapping with EFAULT
 * (writable_file_mapping_allowed() in mm/gup.c).  A read-only MR is pinned
 * on every kernel; 6.1's ib_umem_get() pins it for write, as any MR.
 */
#define RDMA_PAGECACHE_ACCESS	IBV_ACCESS_REMOTE_READ

/*
 * Load libibverbs' providers in this process, so that the children it
 * forks next open rxe0 without loading them again.  In a fresh process,
 * the first ibv_get_device_list() reads /etc/libibverbs.d and dlopen()s
 * every provider over the VM's 9p root: 40 ms of a child's 45 to open
 * rxe0 and allocate a PD under TCG on 6.1, 5 ms once the parent did it.
 * The children still open the device, and everything after, themselves.
 */
static inline void rdma_preload(void)
{
	int n;
	struct ibv_device **list = ibv_get_device_list(&n);

	if (list)
		ibv_free_device_list(list);
}

/* Open rxe0, the soft-RoCE device tools/vm/guest-setup creates. */
static inline struct ibv_context *open_rxe0(void)
{
	struct ibv_device **list;
	struct ibv_context *ctx = NULL;
	int i, n;

	list = ibv_get_device_list(&n);
	if (!list)
		return NULL;
	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), "rxe0"))
			ctx = ibv_open_device(list[i]);
	ibv_free_device_list(list);
	return ctx;
}

/*
 * A uverbs command held in flight: a write() to a uverbs file whose
 * buffer is a page of a userfaultfd range, which faults when the kernel
 * reads the command's header, until cmd_hold_release() fills it in (with
 * a header no command has: the command then fails).
 */
struct cmd_hold {
	int uffd;
	void *page;
	size_t len;
	int fd;
	pthread_t th;
	ssize_t ret;
	int err;
};

static void *cmd_hold_thread(void *arg)
{
	struct cmd_hold *h = arg;

	h->ret = write(h->fd, h->page, 16);
	h->err = errno;
	return NULL;
}

/* Start a command on uverbs file @fd; 0 once it is in flight. */
static inline int cmd_hold_start(struct cmd_hold *h, int fd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffd_msg msg;

	h->fd = fd;
	h->len = sysconf(_SC_PAGESIZE);
	h->uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (h->uffd < 0 || ioctl(h->uffd, UFFDIO_API, &api))
		return -errno;
	h->page = mmap(NULL, h->len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (h->page == MAP_FAILED)
		return -errno;
	reg.range.start = (unsigned long)h->page;
	reg.range.len = h->len;
	if (ioctl(h->uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	if (pthread_create(&h->th, NULL, cmd_hold_thread, h))
		return -EAGAIN;
	/* in flight once the kernel faulted on its buffer */
	if (read(h->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return -EIO;
	return 0;
}

/* Let the command go on; its result, a negative errno. */
static inline int cmd_hold_release(struct cmd_hold *h)
{
	struct uffdio_copy copy = { .len = h->len };
	char *src = malloc(h->len);

	if (!src)
		return -ENOMEM;
	memset(src, 0xff, h->len);
	copy.dst = (unsigned long)h->page;
	copy.src = (unsigned long)src;
	ioctl(h->uffd, UFFDIO_COPY, &copy);
	pthread_join(h->th, NULL);
	free(src);
	close(h->uffd);
	munmap(h->page, h->len);
	return h->ret < 0 ? -h->err : 0;
}

/* Two RC QPs on rxe0 connected to each other, and their CQ. */
struct qp_pair {
	struct ibv_cq *cq;
	struct ibv_qp *a, *b;
};

static inline struct ibv_qp *create_rc_qp(struct ibv_pd *pd,
					  struct ibv_cq *cq)
{
	struct ibv_qp_init_attr init = {
		.send_cq = cq, .recv_cq = cq, .qp_type = IBV_QPT_RC,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};

	return ibv_create_qp(pd, &init);
}

/* INIT, RTR and RTS towards @dest_qpn, over GID index 1 (RoCE v2). */
static inline int connect_qp(struct ibv_qp *qp, uint32_t dest_qpn,
			     const union ibv_gid *gid)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT, .port_num = 1,
		.qp_access_flags = RDMA_ACCESS,
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
			  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		return -errno;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = dest_qpn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = 12;
	a.ah_attr.is_global = 1;
	a.ah_attr.grh.dgid = *gid;
	a.ah_attr.grh.sgid_index = 1;
	a.ah_attr.grh.hop_limit = 1;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
			  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
			  IBV_QP_MAX_DEST_RD_ATOMIC | IBV_QP_MIN_RNR_TIMER))
		return -errno;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = 7;
	a.max_rd_atomic = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
			  IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY | IBV_QP_SQ_PSN |
			  IBV_QP_MAX_QP_RD_ATOMIC))
		return -errno;
	return 0;
}

static inline int qp_pair_open(struct ibv_context *ctx, struct ibv_pd *pd,
			       struct qp_pair *p)
{
	union ibv_gid gid;
	int ret;

	p->cq = ibv_create_cq(ctx, 8, NULL, NULL, 0);
	if (!p->cq || ibv_query_gid(ctx, 1, 1, &gid))
		return -errno;
	p->a = create_rc_qp(pd, p->cq);
	p->b = create_rc_qp(pd, p->cq);
	if (!p->a || !p->b)
		return -errno;
	ret = connect_qp(p->a, p->b->qp_num, &gid);
	return ret ? ret : connect_qp(p->b, p->a->qp_num, &gid);
}

static inline void qp_pair_close(struct qp_pair *p)
{
	ibv_destroy_qp(p->a);
	ibv_destroy_qp(p->b);
	ibv_destroy_cq(p->cq);
}

/* RDMA @op of @len bytes from @local (lkey) to @remote (rkey), and wait. */
static inline int rdma_op(struct qp_pair *p, enum ibv_wr_opcode op,
			  void *local, uint32_t lkey, uint64_t remote,
			  uint32_t rkey, uint32_t len)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)local, .length = len, .lkey = lkey,
	};
	struct ibv_send_wr wr = {
		.sg_list = &sge, .num_sge = 1, .opcode = op,
		.send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = remote, .rkey = rkey },
	}, *bad;
	struct ibv_wc wc;
	int n;

	if (ibv_post_send(p->a, &wr, &bad))
		return -errno;
	while ((n = ibv_poll_cq(p->cq, 1, &wc)) == 0)
		;
	if (n < 0)
		return -EIO;
	return wc.status == IBV_WC_SUCCESS ? 0 : -EIO;
}

/* A registration of a file's shared mapping: its context, PD, MR, mapping. */
struct file_mr {
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	void *buf;
	size_t len;
};

/* Map @len bytes of @fd and register them; -errno of the step that failed. */
static inline int file_mr_reg(struct file_mr *r, int fd, size_t len)
{
	r->len = len;
	r->ctx = open_rxe0();
	r->pd = r->ctx ? ibv_alloc_pd(r->ctx) : NULL;
	if (!r->pd)
		return -ENODEV;
	r->buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->buf == MAP_FAILED)
		return -errno;
	r->mr = ibv_reg_mr(r->pd, r->buf, len, RDMA_ACCESS);
	return r->mr ? 0 : -errno;
}

/* Undo what file_mr_reg() did; a buf of MAP_FAILED is not unmapped. */
static inline void file_mr_unreg(struct file_mr *r)
{
	if (r->mr)
		ibv_dereg_mr(r->mr);
	if (r->buf && r->buf != MAP_FAILED)
		munmap(r->buf, r->len);
	if (r->pd)
		ibv_dealloc_pd(r->pd);
	if (r->ctx)
		ibv_close_device(r->ctx);
}

#endif /* _LL_RDMA_UTIL_H */
