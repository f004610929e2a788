# SPDX-License-Identifier: GPL-2.0
# What every test folder's Makefile shares.  A folder tests one part of the
# tree and is named after it; its sources are <what>_test.c and each becomes
# $(OUT)/<folder>_<what>_test (hyphens in the folder name become
# underscores), or $(OUT)/<folder>_test when <what> is the folder's name.
# Tests that boot QEMU are all in selftests/e2e (e2e_*_test, run last).
# SAN=1 builds with ASan/UBSan (make san-tests puts them in build/san).
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
OUT ?= $(TOP)/build/bin
SUITE := $(subst -,_,$(notdir $(CURDIR)))
TESTLIB := $(TOP)/selftests/lib
KSFT := -isystem $(TOP)/build/ksft
CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all \
	  -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
LIBDIR := $(TOP)/build/lib-san
else
LIBDIR := $(TOP)/build/lib
endif

# $(call test_bin,what): the binary a <what>_test.c becomes.
test_bin = $(OUT)/$(if $(filter $(SUITE),$(1)),$(SUITE),$(SUITE)_$(1))_test
