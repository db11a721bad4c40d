# SPDX-License-Identifier: GPL-2.0
# Shared settings for the VM tools; sourced, never run.

LL_KVER_DEFAULT=6.1.0-56-amd64
LL_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/layoutlease
LL_CHROOTS=$LL_CACHE/chroots
LL_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# Host packages the build, the VM and the tests need.  The guest runs
# programs from the host's root over 9p, so user-space test tools are
# host packages too.
LL_HOST_PACKAGES="gcc make kmod cpio xz-utils busybox-static qemu-system-x86
	xfsprogs e2fsprogs iproute2 rdma-core ibverbs-utils ibverbs-providers
	libibverbs-dev librdmacm-dev libfabric-dev libfabric-bin librpma-dev perftest strace python3-docutils dkms
	linux-source-6.1 zstd binutils libsmartcols-dev xfslibs-dev"
# Host packages `make bench` needs as well: the plot (tools/bench/run).
LL_BENCH_PACKAGES="gnuplot-nox python3"

# kver_suite KVER: prints the Debian suite that ships KVER when it is not
# this system's suite, nothing when it is (or when KVER is not Debian's).
# Such a kernel's packages come from that suite's apt and its headers need
# that suite's compiler: they live in a chroot of the suite, LL_CHROOTS/SUITE
# (see tools/vm/chroot).
kver_suite() {
	local suite=
	case $1 in
	*+deb13-*) suite=trixie ;;
	*+deb14-*) suite=sid ;;
	esac
	local this
	this=$(. /etc/os-release && echo "$VERSION_CODENAME")
	# sid goes by the next release's name; its debian_version says sid
	case $(cat /etc/debian_version 2>/dev/null) in
	*/sid) this=sid ;;
	esac
	if [ -n "$suite" ] && [ "$suite" != "$this" ]; then
		echo "$suite"
	fi
}

# kver_release KVER: the kernel release of KVER, the name of its modules'
# directory and its modules' vermagic: KVER itself for Debian's kernels;
# for "debug", the debug kernel of tools/vm/debug-kernel, the release it
# was built as (after tools/vm/prepare --kernel debug).
kver_release() {
	if [ "$1" = debug ]; then
		cat "$LL_CACHE/debug/image/release" 2>/dev/null ||
			die "no debug kernel in $LL_CACHE/debug (tools/vm/prepare --kernel debug)"
	else
		echo "$1"
	fi
}

die() {
	echo "${0##*/}: $*" >&2
	exit 1
}

log() {
	echo "${0##*/}: $*" >&2
}

# Install the packages in "$@" that are not installed yet.
ensure_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null |
			grep -qx installed || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	log "installing ${missing[*]}"
	[ "$(id -u)" = 0 ] || die "need root to install: ${missing[*]}"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >/dev/null; then
		apt-get update -q >/dev/null || die "apt-get update failed"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}" >/dev/null ||
			die "apt-get install ${missing[*]} failed"
	fi
}

# stamp_ok DIR KEY: DIR is a complete cache entry built from KEY.
stamp_ok() {
	[ -f "$1/.stamp" ] && [ "$(cat "$1/.stamp")" = "$2" ]
}

# hash of files, used as a cache key for derived entries
files_hash() {
	cat "$@" | sha256sum | cut -c1-16
}

# dmesg_problems FILE: prints the kernel warnings in a guest's dmesg, if
# any, and succeeds when there are some.  Besides warnings, oopses and
# lockups, it knows the reports of the debug kernel's checkers: lockdep
# (WARNING:/BUG:/INFO: lines, lockdep turning itself off; not its boot
# banner), KASAN and KFENCE (BUG: KASAN:/KFENCE:),
# debugobjects (ODEBUG:), list debugging and kmemleak's messages about
# leaks or about itself being disabled.
dmesg_problems() {
	local bad='WARNING:|BUG:|Oops|Call Trace|KASAN|UBSAN|KFENCE'
	bad+='|INFO: (possible|trying to register|task|rcu)|ODEBUG:'
	bad+='|lockdep is turned off|turning off the locking correctness validator'
	bad+='|list_(add|del) corruption|DEBUG_LOCKS_WARN_ON'
	bad+='|kmemleak: .*(suspected memory leak|[Dd]isabl|[Ee]rror|[Ff]ail|[Cc]annot|empty)'
	bad+='|unreferenced object'
	bad+='|general protection|soft lockup|hard LOCKUP|self-detected stall'
	bad+='|blocked for more than'
	[ -f "$1" ] && grep -Eq "$bad" "$1" || return 1
	grep -E -B2 -A12 "$bad" "$1" | head -n 80
}

# kmemleak_problems FILE: prints the guest's kmemleak report (the file the
# guest saves after its final scans, on the debug kernel only) and succeeds
# when it lists leaks.
kmemleak_problems() {
	[ -s "$1" ] || return 1
	echo "kmemleak: $(grep -c '^unreferenced object' "$1") unreferenced objects:"
	head -n 120 "$1"
}

# guest_problems JOBDIR: the kernel problems of a finished guest run, its
# dmesg's and kmemleak's; succeeds when there are some.
guest_problems() {
	local rc=1
	dmesg_problems "$1/dmesg" && rc=0
	kmemleak_problems "$1/kmemleak" && rc=0
	return $rc
}
