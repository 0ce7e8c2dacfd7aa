#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# guest.sh RUNDIR TEST...: run each TEST through tests/run.sh with
# MXGW_REQUIRE_BPF=1 and leave the results in RUNDIR:
#   output.log  everything the tests printed, as tests/run.sh prints it
#   summary     "N passed, N failed, N skipped" over all of them
#   times       "SECONDS TEST" a line
#   dmesg.log   the kernel's log after the run (warnings, BPF splats)
# Stdout gets one progress line per test.  Exit 0 iff nothing failed.
#
# Runs as the command of the test VM's init (tests/kernels/init.c), where
# the checkout is the working directory; tests/kernels/run.sh also runs it
# directly on the host kernel, for the comparison.
set -u
run=$1
shift
export MXGW_REQUIRE_BPF=1
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 125
mkdir -p "$run" || exit 125
: >"$run/output.log"
: >"$run/times"

passed=0 failed=0 skipped=0 broken=()
echo "mxgw-guest: kernel $(uname -r), $(nproc) cpu(s), $(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo) MB"
for t in "$@"; do
	t0=$(date +%s%N)
	out=$(tests/run.sh "$t" 2>&1)
	rc=$?
	t1=$(date +%s%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	printf '%s\n' "$out" >>"$run/output.log"
	echo "$secs $t" >>"$run/times"
	line=$(printf '%s\n' "$out" | tail -1)
	if [[ $line =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed,\ ([0-9]+)\ skipped$ ]]; then
		passed=$((passed + BASH_REMATCH[1]))
		failed=$((failed + BASH_REMATCH[2]))
		skipped=$((skipped + BASH_REMATCH[3]))
	else
		failed=$((failed + 1))	# tests/run.sh itself did not finish
		line="no summary line (exit $rc)"
	fi
	[ "$rc" -ne 0 ] && broken+=("$t")
	echo "mxgw-guest: $t: $line (${secs}s)"
done
dmesg >"$run/dmesg.log" 2>&1
# tests/run.sh already counted a skip as a failure (MXGW_REQUIRE_BPF=1)
[ ${#broken[@]} -gt 0 ] && echo "failing: ${broken[*]}" >>"$run/output.log"
echo "$passed passed, $failed failed, $skipped skipped" | tee "$run/summary" >>"$run/output.log"
echo "mxgw-guest: $(cat "$run/summary")"
sync
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
