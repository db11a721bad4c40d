# SPDX-License-Identifier: GPL-2.0
#
# make            build layoutlease.ko, the selftests and the tools for KVER
#                 (Debian's 6.1.0-56-amd64); installs nothing
# make deps       install the packages and fill the cache the builds need
# make check      deps, build everything, run every selftest in test VMs
# make demo       the main job: deps, build, the demo in the test VM
# make bench      deps, build, what the module costs, measured in the test VM
# make bench-icount  the same costs in instructions (QEMU -icount), P1 to P4
# make bench-profile  where P1, P3 and P4's instructions go, per function
# make dkms-source [DESTDIR=]  copy the module's sources to /usr/src for DKMS
# KVER=... or KDIR=... select another kernel; W=1 is always on.  A kernel
# of another Debian suite (6.12.107+deb13-amd64) is built in a chroot of
# that suite, which tools/vm/prepare creates (tools/vm/chroot).  KVER=debug
# is the debug kernel (lockdep, KASAN, KFENCE, kmemleak) that `make deps
# KVER=debug` builds from Debian's linux-source-6.1 (tools/vm/debug-kernel):
# its build tree in the cache is KDIR.

KVER ?= 6.1.0-56-amd64
ifeq ($(KVER),debug)
KDIR ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/layoutlease/debug/build
endif
KDIR ?= /usr/src/linux-headers-$(KVER)
SUITE := $(shell tools/vm/chroot --suite $(KVER))
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' dkms.conf)
DKMS_SOURCES := Kbuild dkms.conf $(filter-out %.mod.c,$(wildcard *.c)) $(wildcard *.S) \
		$(wildcard include/*.h include/uapi/linux/*.h)

.PHONY: all deps module selftests programs check demo bench bench-icount \
	bench-profile dkms-source clean

all: module selftests programs

deps:
	@tools/vm/prepare --kernel $(KVER)

ifeq ($(SUITE),)
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 LL_WERROR=1 modules
else
module:
	tools/vm/chroot $(KVER) --module
endif

selftests:
	$(MAKE) -C selftests

programs:
	$(MAKE) -C tools/layoutlease
	$(MAKE) -C tools/examples
	$(MAKE) -C tools/demo
	$(MAKE) -C tools/bench

check: deps
	$(MAKE) all
	tools/check --kernel $(KVER)

demo: deps
	$(MAKE) all
	tools/demo/run --kernel $(KVER)

bench: deps
	$(MAKE) all
	tools/bench/run --kernel $(KVER)

bench-icount: deps
	$(MAKE) all
	tools/bench/run --kernel $(KVER) --icount

bench-profile: deps
	$(MAKE) all
	tools/bench/profile --kernel $(KVER)

dkms-source:
	install -d $(DESTDIR)/usr/src/layoutlease-$(VERSION)
	cp --parents $(DKMS_SOURCES) $(DESTDIR)/usr/src/layoutlease-$(VERSION)

clean:
ifeq ($(SUITE),)
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
else
	tools/vm/chroot $(KVER) --clean
	rm -f layoutlease.ko
endif
	$(MAKE) -C selftests clean
	$(MAKE) -C tools/demo clean
	$(MAKE) -C tools/layoutlease clean
	$(MAKE) -C tools/examples clean
	$(MAKE) -C tools/bench clean
