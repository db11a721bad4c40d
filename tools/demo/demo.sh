#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: the story of layoutlease, told in the test VM by `make demo`.
#
# An RDMA server (tools/examples/ibv_dax_server) serves a DAX file under
# a layout lease to a client on the same rxe device.  An administrator
# truncates the file: the server is told, drains, deregisters and
# releases; the truncate completes; the server registers again.  Then an
# application that ignores the break (tools/demo/stubborn_holder) has its
# MR fenced at the break timeout (revoke=fence): the truncate completes
# as well, and the application is still running.
# tools/demo/democheck checks the transcript this prints.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
ll=$top/tools/layoutlease/layoutlease
server=$top/tools/examples/ibv_dax_server
file=/mnt/dax-xfs/demo.dat
size=$((1 << 20))
addr=10.99.0.1
run=$(mktemp -d)
pids=()
cleanup() {
	kill "${pids[@]}" 2>/dev/null || true
	wait || true
	rm -rf "$run"
}
trap cleanup EXIT

say() {
	local up
	read -r up _ </proc/uptime
	printf '[%12s] demo: %s\n' "$up" "$*"
}

# listing: what the administrator sees
listing() {
	say "\$ layoutlease list"
	"$ll" list | sed 's/^/    /'
	say "\$ layoutlease pins"
	"$ll" pins | sed 's/^/    /'
}

# start NAME CMD...: runs CMD (with this stdin) in the background, its
# output on a pipe read by expect NAME
start() {
	local name=$1
	shift
	mkfifo "$run/$name.out"
	"$@" <&0 >"$run/$name.out" 2>&1 &
	pids+=($!)
	eval "exec {fd_$name}<\"$run/$name.out\""
}

# expect NAME REGEX: shows NAME's lines up to one matching REGEX (60 s)
expect() {
	local name=$1 re=$2 fd line
	fd=fd_$name
	while IFS= read -r -t 60 -u "${!fd}" line; do
		printf '%s\n' "$line"
		[[ $line =~ $re ]] && return 0
	done
	say "error: $name did not print /$re/"
	exit 1
}

# counter NAME: a counter of /proc/fs/layoutlease/stats
counter() {
	awk -v name="$1" '$1 == name { print $2 }' /proc/fs/layoutlease/stats
}

revocations=$(counter revocations)
fences=$(counter fences)
say "layoutlease $(cat /sys/module/layoutlease/version), break timeout $(cat /sys/module/layoutlease/parameters/break_timeout_ms) ms"
head -c "$size" /dev/zero | tr '\0' '.' >"$file"
say "created $file: $size bytes on $(findmnt -no FSTYPE --target "$file") -o $(findmnt -no OPTIONS --target "$file" | grep -o 'dax[^,]*')"

say "1. the server leases the DAX file and registers it for RDMA"
start server "$server" -l "$addr" "$file"
expect server 'listening on'
mkfifo "$run/client.in"
# read-write: the open does not wait for the client; its close is EOF
exec {to_client}<>"$run/client.in"
start client "$server" -c "$addr" <"$run/client.in"
expect server 'registered'
expect client 'server buffer:'
listing

say "2. the client writes over RDMA; the bytes are in the file"
echo "write 0 written-over-rdma" >&"$to_client"
expect client 'wrote 17 bytes at 0'
say "\$ head -c 17 $file: $(head -c 17 "$file")"

say "3. an administrator truncates the file to 4096 bytes"
# the truncate notes when it completed, on the programs' clock
(truncate -s 4096 "$file" && read -r up _ </proc/uptime && echo "$up" >"$run/done") &
trunc=$!
say "4. the server is told, drains and releases"
expect server 'break:'
expect client 'paused'
expect server 'released the lease'
wait "$trunc"
say "5. the truncate completed at $(cat "$run/done"): $file is $(stat -c %s "$file") bytes"
say "6. the server registers the file again and goes on"
expect server 're-registered'
expect client 'server buffer:'
echo "write 4000 after-the-truncate" >&"$to_client"
expect client 'wrote [0-9]+ bytes at 4000'
say "\$ tail -c 96 $file | tr -d .: $(tail -c 96 "$file" | tr -d .)"
listing
exec {to_client}>&-
kill "${pids[@]}"
wait "${pids[@]}" || true
pids=()

timeout_ms=3000
say "7. an application that ignores the break (break_timeout_ms=$timeout_ms)"
echo "$timeout_ms" >/sys/module/layoutlease/parameters/break_timeout_ms
truncate -s "$size" "$file"
start stubborn "$top/tools/demo/stubborn_holder" "$file"
stubborn=${pids[-1]}
expect stubborn 'registered'
listing
say "an administrator truncates the file to 0 bytes"
t0=$(date +%s%N)
truncate -s 0 "$file"
say "the truncate completed after $((($(date +%s%N) - t0) / 1000000)) ms: $file is $(stat -c %s "$file") bytes"
expect stubborn 'ignored'
expect stubborn 'the lease is gone'
expect stubborn 'a new registration fails'
dmesg | grep -E 'layoutlease: lease [0-9]+: (fencing|.*not released)' | tail -n 2
kill -0 "$stubborn" && say "stubborn_holder (pid $stubborn) is still alive"
listing
say "\$ layoutlease stats"
"$ll" stats | sed 's/^/    /'
say "final size $(stat -c %s "$file") bytes; fences during the demo $(($(counter fences) - fences)), processes killed $(($(counter revocations) - revocations))"
