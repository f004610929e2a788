# SPDX-License-Identifier: GPL-2.0
# plugin-touch: vtier-touch between vtier-gt markers 1 and 2, for
# selftests/e2e/plugin_test.c.  Kernel command line: vtier.hot=N,
# vtier.cold=N, vtier.hrounds=N, vtier.crounds=N, vtier.threads=N.
vtier-touch "${VTIER_HOT:-64}" "${VTIER_COLD:-192}" "${VTIER_HROUNDS:-100}" \
	"${VTIER_CROUNDS:-2}" "${VTIER_THREADS:-2}"
