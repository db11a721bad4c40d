#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run inside the test VM by `make demo`.
set -euo pipefail

say() {
	printf '[%6.2f] %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*"
}

f=/mnt/dax-xfs/demo.dat
say "layoutlease is loaded: $(grep -c '^layoutlease ' /proc/modules) module"
say "DAX filesystems:"
grep -E ' /mnt/dax-(xfs|ext4) ' /proc/mounts
say "RDMA device:"
ibv_devices
say "writing 1 MiB to $f"
head -c 1048576 /dev/zero | tr '\0' 'A' >"$f"
say "truncating $f to 4096 bytes"
truncate -s 4096 "$f"
say "size is now $(stat -c %s "$f") bytes"
say "module counters:"
cat /proc/fs/layoutlease/stats
