# SPDX-License-Identifier: GPL-2.0
# The e2e test guest's side of selftests/e2e/kselftest_test.c (installed
# there as /scripts/kselftest.sh): load vtier.ko as modules-load.d would
# (sampler=auto), run the installed suite in /opt/vtier-kselftest, print
# VTIER-KSELFTEST-END rc=N, then wait for a console line so that the host
# can ask vtierd while the VM still runs.
. /scripts/lib.sh

vtier_load sampler=auto || exit 1
/opt/vtier-kselftest/run_kselftest.sh
echo "VTIER-KSELFTEST-END rc=$?"
read -r _
