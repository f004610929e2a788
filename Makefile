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

.PHONY: all userspace module tests san-tests guest-bin deps check check-matrix demo bench fuzz \
	eval checkpatch install clean distclean

all: userspace module

userspace:
	$(MAKE) -C host-backend
	$(MAKE) -C tools/replay
	$(MAKE) -C tools/tcgplugin plugin

# The module needs the guest kernel's headers: build/guest-kernel.env names
# them (written by `make deps`).
module: $(KENV)
	$(MAKE) -C guest-driver

$(KENV):
	@echo "vtier: $(KENV) is missing; run 'make deps' first" >&2
	@false

# Static programs and workloads that run inside the test guest, and the
# guest kselftests (installed with `make -C selftests install`).
guest-bin:
	$(MAKE) -C selftests/guest
	$(MAKE) -C selftests/guest-kselftest
	$(MAKE) -C tools/workload
	$(MAKE) -C tools/tcgplugin guest-bin

# Test folders, each named after the part it tests (selftests/lib.mk): each
# builds <folder>_<what>_test programs into OUT (default build/bin).  Those
# in SAN_TEST_DIRS are also built with ASan/UBSan into build/san.
# selftests/e2e's tests boot QEMU, so they run last.
UNIT_TEST_DIRS := selftests/proto selftests/host-backend selftests/guest-driver \
	selftests/replay selftests/sim selftests/tcgplugin
SAN_TEST_DIRS := selftests/proto selftests/host-backend selftests/guest-driver \
	selftests/sim selftests/tcgplugin
E2E_TEST_DIRS := selftests/e2e

tests: userspace guest-bin module
	for d in $(UNIT_TEST_DIRS) $(E2E_TEST_DIRS); do \
		$(MAKE) -C $$d || exit 1; done

san-tests:
	for d in $(SAN_TEST_DIRS); do \
		$(MAKE) -C $$d SAN=1 OUT=$(TOP)/build/san || exit 1; done

deps:
	scripts/deps.sh

checkpatch: deps
	$(MAKE) -C guest-driver checkpatch

# Every test: static checks of the module, unit tests (also under
# ASan/UBSan), then end-to-end tests that boot QEMU guests.  The test lists
# are shell globs so that they see what this very run has built.
# The e2e tests run on the default guest kernel and QEMU; a subset also on
# the newest pair (scripts/e2e-matrix.sh), whose vtier.ko build-module.sh
# builds.  check-matrix runs every e2e test on every pair (docs/testing.md).
STATIC_CHECKS := $(addprefix selftests/static/,module_checks.sh \
	packaging_check.sh layers_check.sh fuzz_check.sh)
UNIT_TESTS = $$(ls build/bin/*_test build/san/*_test | grep -v /e2e_)

check: deps
	$(MAKE) all tests san-tests
	scripts/build-module.sh
	selftests/run.sh --no-skips $(STATIC_CHECKS) $(UNIT_TESTS) \
		build/bin/e2e_*_test $$(scripts/e2e-matrix.sh subset)

check-matrix: deps
	$(MAKE) all tests san-tests
	scripts/build-module.sh
	selftests/run.sh --no-skips $(STATIC_CHECKS) $(UNIT_TESTS) \
		$$(scripts/e2e-matrix.sh all)

demo: deps
	$(MAKE) all guest-bin
	scripts/demo.sh

# The libFuzzer targets of fuzz/, each for SECONDS (default 600).
fuzz:
	$(MAKE) -C fuzz run $(if $(SECONDS),SECONDS=$(SECONDS))

# Identification benchmarks (docs/PERFORMANCE.md); QUICK=1 for short runs.
bench: userspace
	$(MAKE) -C bench run $(if $(QUICK),QUICK=1)

# The evaluation: workloads under the ground-truth plugin, accuracy, the
# tiering simulator; writes docs/EVALUATION.md and docs/eval/ (QUICK=1: a
# short run into build/eval-quick/).
eval: deps
	$(MAKE) all guest-bin
	$(MAKE) -C bench all
	bench/eval/eval.sh $(if $(QUICK),--quick)

# vtierd, vtierctl, man pages, the systemd unit, vtier.ko's DKMS source tree
# and examples (docs/install.md); honours PREFIX and DESTDIR.
install:
	$(MAKE) -C host-backend
	$(MAKE) -C packaging install

clean:
	-$(MAKE) -C guest-driver clean
	rm -rf build/bin build/san build/initramfs* build/kmod build/matrix build/fuzz

distclean: clean
	rm -rf build
