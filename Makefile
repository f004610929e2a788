# SPDX-License-Identifier: GPL-2.0
# vtier: the one entry point.  `make` builds vtier.ko, vtierd and vtierctl;
# `make check` runs every test; `make demo` shows the hint path live;
# `make deps` installs and fetches what the others need.
TOP := $(CURDIR)
BIN := $(TOP)/build/bin
KENV := $(TOP)/build/guest-kernel.env

# Userspace builds honour SAN=1 (AddressSanitizer + UBSan).
SAN ?=
export SAN

.PHONY: all userspace module tests guest-bin deps check check-static demo \
	checkpatch clean distclean

all: userspace module

userspace:
	$(MAKE) -C host-backend

# The module needs the guest kernel's headers: build/guest-kernel.env names
# them (written by `make deps`).
module: $(KENV)
	$(MAKE) -C guest-driver

$(KENV):
	@echo "vtier: $(KENV) is missing; run 'make deps' first" >&2
	@false

guest-bin:
	$(MAKE) -C selftests/guest

tests: userspace guest-bin
	$(MAKE) -C selftests/proto
	$(MAKE) -C selftests/host
	$(MAKE) -C selftests/e2e

deps:
	scripts/deps.sh

checkpatch: deps
	$(MAKE) -C guest-driver checkpatch

# Every test: static checks of the module, unit tests (also under
# ASan/UBSan), then end-to-end tests that boot QEMU guests.
check: deps
	$(MAKE) all tests
	$(MAKE) -C selftests/proto SAN=1 OUT=$(TOP)/build/san
	$(MAKE) -C selftests/host SAN=1 OUT=$(TOP)/build/san
	$(MAKE) -C host-backend SAN=1 OUT=$(TOP)/build/san
	selftests/run.sh \
		selftests/static/module_checks.sh \
		$(BIN)/proto_test \
		$(TOP)/build/san/proto_test \
		$(wildcard $(BIN)/host_*_test) \
		selftests/host/run_san.sh \
		$(wildcard $(BIN)/e2e_*_test)

demo: deps
	$(MAKE) all guest-bin
	scripts/demo.sh

clean:
	-$(MAKE) -C guest-driver clean
	rm -rf build/bin build/san build/initramfs*

distclean: clean
	rm -rf build
