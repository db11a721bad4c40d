#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, run inside the test VM by `make demo`: a layout lease on a DAX
# file, broken by a truncate, once with a holder that releases and once
# with one that does not.
set -euo pipefail

say() {
	printf '[%7.2f] %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*"
}

# holder_py FILE MODE: holds a layout lease on FILE; on the break, releases it
# (MODE=release) or ignores it (MODE=ignore).  Prints what it sees.
holder_py=$(cat <<'PY'
import fcntl, os, signal, sys, time
F_LAYOUT = 16
path, mode = sys.argv[1], sys.argv[2]
fd = os.open(path, os.O_RDWR)
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGIO])
fcntl.fcntl(fd, fcntl.F_SETLEASE, F_LAYOUT | fcntl.F_RDLCK)
print(f"holder {os.getpid()}: layout lease on {path}", flush=True)
open("/tmp/holder.ready", "w").close()
signal.sigwait([signal.SIGIO])
print(f"holder {os.getpid()}: SIGIO: the layout is about to change", flush=True)
if mode == "release":
    fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    print(f"holder {os.getpid()}: released the lease", flush=True)
else:
    print(f"holder {os.getpid()}: ignoring it", flush=True)
    signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
    signal.sigwait([signal.SIGTERM])
PY
)

wait_ready() {
	while [ ! -e /tmp/holder.ready ]; do sleep 0.05; done
	rm -f /tmp/holder.ready
}

f=/mnt/dax-xfs/demo.dat
say "layoutlease $(cat /sys/module/layoutlease/srcversion 2>/dev/null || echo loaded); DAX filesystems:"
grep -E ' /mnt/dax-(xfs|ext4) ' /proc/mounts
head -c 1048576 /dev/zero | tr '\0' 'A' >"$f"
say "wrote 1 MiB to $f"

say "1. a holder that cooperates"
python3 -u -c "$holder_py" "$f" release &
pid=$!
wait_ready
say "/proc/locks:"
cat /proc/locks
say "/proc/fs/layoutlease/leases:"
cat /proc/fs/layoutlease/leases
say "administrator: truncate -s 4096 $f"
truncate -s 4096 "$f"
wait "$pid"
say "truncate done; size is $(stat -c %s "$f") bytes"

say "2. a holder that ignores the break (break_timeout_ms=2000)"
echo 2000 >/sys/module/layoutlease/parameters/break_timeout_ms
python3 -u -c "$holder_py" "$f" ignore &
pid=$!
wait_ready
say "administrator: truncate -s 0 $f"
truncate -s 0 "$f"
say "truncate done after the timeout; size is $(stat -c %s "$f") bytes"
kill "$pid"
wait "$pid" || true
dmesg | grep 'layoutlease: lease' | tail -n 1
say "module counters:"
cat /proc/fs/layoutlease/stats
