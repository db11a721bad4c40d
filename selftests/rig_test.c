// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of the test rig itself: the module loads and unloads, the DAX
 * mounts really are DAX, and soft-RoCE registers memory.
 */
#include <sys/mman.h>
#include "kselftest_harness.h"
#include "rdma_util.h"
#include "util.h"

TEST(module_loaded)
{
	FILE *f;
	char line[128];
	int n = 0;

	ASSERT_TRUE(ll_module_loaded());
	f = fopen("/proc/fs/layoutlease/stats", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	EXPECT_GT(n, 0);
}

TEST(module_unload_and_reload)
{
	char ko[PATH_MAX];

	ll_module_path(ko, sizeof(ko));
	ASSERT_TRUE(ll_module_loaded());
	ASSERT_EQ(0, ll_sh("rmmod layoutlease"));
	ASSERT_FALSE(ll_module_loaded());
	ASSERT_NE(0, access("/proc/fs/layoutlease", F_OK));
	ASSERT_EQ(0, ll_sh("insmod %s", ko));
	ASSERT_TRUE(ll_module_loaded());
	ASSERT_EQ(0, access("/proc/fs/layoutlease/stats", R_OK));
}

static int file_is_dax(const char *dir)
{
	char path[PATH_MAX];
	struct statx stx;
	int fd, ret;

	fd = ll_make_file(dir, "dax-probe", 8192, 'x', path, sizeof(path));
	if (fd < 0)
		return -1;
	ret = statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx);
	close(fd);
	unlink(path);
	if (ret)
		return -1;
	if (!(stx.stx_attributes_mask & STATX_ATTR_DAX))
		return -1;
	return !!(stx.stx_attributes & STATX_ATTR_DAX);
}

TEST(dax_mounts_have_dax)
{
	EXPECT_EQ(1, file_is_dax(MNT_DAX_XFS));
	EXPECT_EQ(1, file_is_dax(MNT_DAX_EXT4));
	EXPECT_EQ(0, file_is_dax(MNT_XFS));
	EXPECT_EQ(0, file_is_dax(MNT_TMPFS));
}

TEST(rxe0_registers_anonymous_mr)
{
	size_t len = 1 << 20;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *mr;
	void *buf;

	ctx = open_rxe0();
	ASSERT_NE(NULL, ctx);
	pd = ibv_alloc_pd(ctx);
	ASSERT_NE(NULL, pd);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	mr = ibv_reg_mr(pd, buf, len, RDMA_ACCESS);
	ASSERT_NE(NULL, mr) TH_LOG("ibv_reg_mr: %s", strerror(errno));
	EXPECT_EQ(len, mr->length);
	EXPECT_NE(0, mr->rkey);
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	munmap(buf, len);
	EXPECT_EQ(0, ibv_dealloc_pd(pd));
	EXPECT_EQ(0, ibv_close_device(ctx));
}

/*
 * RDMA WRITE and READ over the whole of a page-aligned MR of 256 pages:
 * one rxe map (RXE_BUF_PER_MAP buffers), used up by the last packet.
 * Debian's 6.1 rxe_mr_copy() then loads the pointer after its map array,
 * which the debug kernel's KASAN reports; that kernel carries our fix
 * (tools/vm/debug/patches).  Anonymous memory: the module has no part in
 * this MR.
 */
TEST(rxe0_copies_to_the_end_of_a_full_map)
{
	size_t len = 256 * 4096;
	struct ibv_mr *mr, *smr;
	struct ibv_context *ctx;
	struct qp_pair qp;
	struct ibv_pd *pd;
	char *buf, *src;
	size_t i;

	ASSERT_EQ(4096, sysconf(_SC_PAGESIZE));
	ctx = open_rxe0();
	ASSERT_NE(NULL, ctx);
	pd = ibv_alloc_pd(ctx);
	ASSERT_NE(NULL, pd);
	ASSERT_EQ(0, qp_pair_open(ctx, pd, &qp));
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	src = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	ASSERT_NE(MAP_FAILED, src);
	for (i = 0; i < len; i++)
		src[i] = (char)(i * 7 + 3);
	mr = ibv_reg_mr(pd, buf, len, RDMA_ACCESS);
	smr = ibv_reg_mr(pd, src, len, RDMA_ACCESS);
	ASSERT_NE(NULL, mr);
	ASSERT_NE(NULL, smr);
	EXPECT_EQ(0, rdma_op(&qp, IBV_WR_RDMA_WRITE, src, smr->lkey,
			     (uintptr_t)buf, mr->rkey, len));
	EXPECT_EQ(0, memcmp(src, buf, len));
	memset(src, 0, len);
	EXPECT_EQ(0, rdma_op(&qp, IBV_WR_RDMA_READ, src, smr->lkey,
			     (uintptr_t)buf, mr->rkey, len));
	EXPECT_EQ(0, memcmp(src, buf, len));
	EXPECT_EQ(0, ibv_dereg_mr(smr));
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	qp_pair_close(&qp);
	munmap(src, len);
	munmap(buf, len);
	EXPECT_EQ(0, ibv_dealloc_pd(pd));
	EXPECT_EQ(0, ibv_close_device(ctx));
}

TEST_HARNESS_MAIN
