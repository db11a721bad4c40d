# SPDX-License-Identifier: GPL-2.0
#
# make            build layoutlease.ko for KVER (Debian's 6.1.0-56-amd64)
# make check      build everything, boot the test VM once, run every selftest
# make demo       the main job: the demo in the test VM
# KVER=... or KDIR=... select another kernel; W=1 is always on.

KVER ?= 6.1.0-56-amd64
KDIR ?= /usr/src/linux-headers-$(KVER)
VM := tools/vm/run --kernel $(KVER)

.PHONY: all deps module selftests check demo clean

all: module selftests

deps:
	@tools/vm/prepare --packages-only --kernel $(KVER)

module: deps
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

selftests: deps
	$(MAKE) -C selftests
	$(MAKE) -C tools/examples

check: all
	tools/check --kernel $(KVER)

demo: all
	$(VM) -- tools/demo.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C selftests clean
	$(MAKE) -C tools/examples clean
