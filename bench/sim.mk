# SPDX-License-Identifier: GPL-2.0
# The simulator's sources (docs/simulator.md), for bench/Makefile (vtier-sim)
# and selftests/sim/Makefile (its tests): one list.
SIM_DIR := $(dir $(lastword $(MAKEFILE_LIST)))
SIM_SRCS := $(addprefix $(SIM_DIR), sim_trace.c sim_tier.c sim_run.c \
	sim_pol_vtier.c sim_pol_hemem.c sim_pol_memtis.c sim_pol_tpp.c \
	sim_pol_static.c)
SIM_HDRS := $(addprefix $(SIM_DIR), sim.h baselines.h)
