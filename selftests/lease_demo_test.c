// SPDX-License-Identifier: GPL-2.0
/*
 * The demo of `make demo` (tools/demo/demo.sh), run as a test: its
 * transcript must tell the story in order (tools/demo/democheck), and the
 * module must be back to nothing afterwards.
 */
#include "kselftest_harness.h"
#include "lease_util.h"

FIXTURE(demo) {
};

FIXTURE_SETUP(demo)
{
}

FIXTURE_TEARDOWN(demo)
{
}

TEST_F_TIMEOUT(demo, tells_the_story, 300)
{
	char demo[PATH_MAX], check[PATH_MAX], out[] = "/tmp/demo.XXXXXX";
	long timeout = ll_read_long(LL_PARAM("break_timeout_ms"));
	long fences = ll_stat("fences");
	int fd = mkstemp(out);

	ASSERT_LE(0, fd);
	close(fd);
	ll_tree_path(demo, sizeof(demo), "tools/demo/demo.sh");
	ll_tree_path(check, sizeof(check), "tools/demo/democheck");
	EXPECT_EQ(0, ll_sh("%s > %s 2>&1", demo, out));
	EXPECT_EQ(0, ll_sh("sed 's/^/#   demo| /' %s", out));
	EXPECT_EQ(0, ll_sh("%s %s", check, out));
	EXPECT_EQ(fences + 1, ll_stat("fences"));
	EXPECT_EQ(0, ll_stat("leases"));
	EXPECT_EQ(0, ll_stat("pins"));
	unlink(out);
	ll_write_long(LL_PARAM("break_timeout_ms"), timeout);
}

TEST_HARNESS_MAIN
