# SPDX-License-Identifier: GPL-2.0
#
# make                 module for KDIR (default: the running kernel), library,
#                      CLI and selftests
# make KVER=6.1        the same, module for the newest 6.1 (or 6.12, 7)
# make deps            install the Debian packages everything below needs
# make check           static checks, then the selftests in QEMU on every
#                      supported kernel; ends with "N passed, N failed"
# make check-debug     the same on the 7.x debug kernel (KASAN, lockdep,
#                      kmemleak, panic_on_warn), built from source once
# make style           W=1, sparse (C=2), checkpatch --strict and the spec
#                      check (generated files equal a fresh generation)
# make spec            regenerate uapi/linux/tcpkit.h, module/netlink-gen.[ch]
#                      and lib/names-gen.h from the YNL spec
# make demo            the README's demo in a VM
# make vm-shell KVER=  a shell in the test VM
# make bench           benchmarks in a VM, results in bench/results/
# make install         module, library, headers, CLI and man page
# make abi-dump        record libtcpkit's ABI as the reference make check
#                      compares with (abi/libtcpkit.abi)
# make deb             Debian packages in build/deb/ (tcpkit-dkms, libtcpkit1,
#                      libtcpkit-dev, tcpkit), lintian-checked

KVER ?=
KDIR ?= /lib/modules/$(shell uname -r)/build
TCPKIT_CACHE ?= /var/cache/tcpkit
KSFT_DIR ?= $(TCPKIT_CACHE)/src-6.12/tools/testing/selftests
PREFIX ?= /usr
export TCPKIT_CACHE PREFIX

.PHONY: all module lib cli selftests deps check check-debug style spec demo vm-shell \
	vm-prereqs bench install deb abi-dump clean

all: lib cli selftests module

ifneq ($(KVER),)
module:
	@scripts/build-module.sh $(KVER)
else
module:
	@if [ ! -d "$(KDIR)" ]; then \
		echo "tcpkit: no kernel headers in $(KDIR); use 'make KVER=6.1' (or 6.12, 7) to build for a test kernel, or KDIR=/path/to/build"; \
		exit 1; \
	fi
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
endif

lib:
	$(MAKE) -C lib

cli: lib
	$(MAKE) -C cli

selftests: lib
	$(MAKE) -C selftests OUTPUT=$(CURDIR)/build/selftests KSFT_DIR=$(KSFT_DIR)

vm-prereqs: module cli selftests

deps:
	@scripts/deps.sh

check:
	@scripts/check.sh

check-debug:
	@TCPKIT_SERIES=7-debug scripts/check.sh

style:
	@scripts/style.sh

spec:
	@scripts/spec.sh

demo:
	@scripts/demo.sh

vm-shell:
	@test -n "$(KVER)" || { echo "usage: make vm-shell KVER=6.1|6.12|7"; exit 1; }
	@scripts/deps.sh
	@scripts/vm-run.sh --kver $(KVER) --shell

bench:
	@scripts/bench.sh

# Installs for KDIR (the running kernel by default); modules_install runs
# depmod, so `modprobe tcpkit` works right after.
install: module
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	$(MAKE) -C lib install
	$(MAKE) -C cli install

deb:
	@scripts/deb.sh

abi-dump:
	@scripts/abi.sh dump

clean:
	rm -rf build
	-$(MAKE) -C lib clean
	-$(MAKE) -C cli clean
	-$(MAKE) -C selftests clean OUTPUT=$(CURDIR)/build/selftests
	@if [ -d "$(KDIR)" ]; then $(MAKE) -C $(KDIR) M=$(CURDIR) clean; fi
