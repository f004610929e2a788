# SPDX-License-Identifier: GPL-2.0
# The simulator's sources (docs/simulator.md), for bench/Makefile (vtier-sim)
# and selftests/sim/Makefile (its tests): one list.  Multi-VM mixes link
# vtierd's balancer itself.
SIM_DIR := $(dir $(lastword $(MAKEFILE_LIST)))
SIM_SRCS := $(addprefix $(SIM_DIR), sim_trace.c sim_tier.c sim_run.c sim_abit.c \
	sim_pol_vtier.c sim_pol_hemem.c sim_pol_memtis.c sim_pol_tpp.c \
	sim_pol_static.c sim_multi.c sim_multi_opts.c hemem_core.c memtis_core.c \
	../host-backend/balancer.c ../host-backend/deferred.c)
SIM_HDRS := $(addprefix $(SIM_DIR), sim.h sim_abit.h sim_multi.h sim_period.h \
	hemem_core.h memtis_core.h \
	../host-backend/balancer.h ../host-backend/balance.h \
	../host-backend/deferred.h ../guest-driver/vtier_abit_defs.h)
# vtierd's balancer and deferred promotions, the very files (host-backend/);
# the command line's number parser, vtier-replay's (tools/replay/numarg.h)
SIM_CPPFLAGS := -I$(SIM_DIR)../host-backend -I$(SIM_DIR)../tools/replay
