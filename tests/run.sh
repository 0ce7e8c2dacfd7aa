#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Run every test program given, each followed by its wall-clock time,
# then print one closing line for them all: "N passed, N failed, N
# skipped".  Under MXGW_REQUIRE_BPF=1 a skip fails.
set -u
passed=0 failed=0 skipped=0 broken=()
for t in "$@"; do
	echo "=== $t"
	t0=$(date +%s%N)
	out=$("$t" 2>&1)
	rc=$?
	t1=$(date +%s%N)
	printf '%s\n' "$out"
	awk -v t="$t" -v a="$t0" -v b="$t1" 'BEGIN { printf "--- %s: %.1f s\n", t, (b - a) / 1e9 }'
	# cmocka: "[  PASSED  ] N test(s)."; our shell tests: "N passed, N failed"
	p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p; s/^\([0-9]*\) passed, [0-9]* failed.*/\1/p' | tail -1)
	f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p; s/^[0-9]* passed, \([0-9]*\) failed.*/\1/p' | tail -1)
	s=$(printf '%s\n' "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p; s/^SKIP:.*/1/p' | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	skipped=$((skipped + ${s:-0}))
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ "${f:-0}" -eq 0 ]; then
		failed=$((failed + 1))	# crashed or failed without saying so
	fi
	[ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && broken+=("$t")
done
if [ "${MXGW_REQUIRE_BPF:-0}" = 1 ] && [ "$skipped" -gt 0 ]; then
	echo "MXGW_REQUIRE_BPF=1: $skipped test(s) skipped, which counts as failure"
	failed=$((failed + skipped))
fi
[ ${#broken[@]} -gt 0 ] && echo "failing: ${broken[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
