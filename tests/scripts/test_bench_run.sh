#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# tests/bench/run.sh (make bench) with stubs for its two parts, so what
# it says and how it exits is checked without BPF, namespaces or a
# minute of benchmarks: BUILD is a temporary directory holding stub
# bench_prog and bench_e2e that exit as told (STUB_PROG_RC, STUB_E2E_RC,
# a last line on stderr as the real ones print before failing) and write
# their CSV when they "measured"; MAKE=true, and a stub gnuplot first in
# PATH (no apt-get, no plot).
#   - both parts measure: exit 0, no "not measured" line;
#   - part 2 fails: exit 0, one
#     line naming part 2, bench_e2e's status and its last error;
#   - part 2 has BROKEN rows (exit 3): exit 0, a line saying so;
#   - part 1 fails: exit 0, a line for part 1 and one for the plot;
#   - both fail: exit 1, a line for each;
#   - part 1's --combined and --conntrack and part 3 (the scaling) run
#     after a part that measured, part 3's failure is its own line;
#   - bench_e2e gets run.sh's arguments and MXGW_BENCH_GEN.
#
# Prints "ok NAME" or "FAIL NAME: why" per check and one closing line
# "N passed, N failed"; exits 0 iff nothing failed, 77 when it cannot run
# here (not root: run.sh refuses; a FAIL instead under MXGW_REQUIRE_BPF=1).
set -u

# shellcheck source=tests/e2e/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

RUN_SH=$E2E_ROOT/tests/bench/run.sh

[ "$(id -u)" -eq 0 ] || e2e_cannot_run "needs root (run.sh refuses to run otherwise)"

T=$(mktemp -d /tmp/mxgw-test-bench-run.XXXXXX) || e2e_cannot_run "mktemp failed"
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$T/bin" "$T/build/bench"
# stub NAME CSV-OPTION: exits $STUB_<NAME>_RC ($STUB_<NAME>_1Q_RC when run
# with --cpus 1, part 3's); measured (0 or 3): writes the CSV, a row of
# wall-clock Mpps that doubles with the CPUs (part 3's scaling.py reads it)
stub() {
	local var=STUB_$1_RC var1q=STUB_$1_1Q_RC
	# shellcheck disable=SC2016 # expanded by the stub
	printf '%s\n' '#!/bin/bash' \
		"rc=\${$var:-0}" \
		'case " $* " in *" --cpus 1 "*) rc=${'"$var1q"':-$rc}; cpus=1 ;; *) cpus=2 ;; esac' \
		'echo "$*" >>"$(dirname "$0")/'"$2"'.args"' \
		'echo "${MXGW_BENCH_GEN:-}" >"$(dirname "$0")/'"$2"'.gen"' \
		'while [ $# -gt 0 ]; do [ "$1" = --csv ] && csv=$2; shift; done' \
		'if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then printf "row,gateway,status,wall_mpps,cpus\nin-tcp-10k,mxgw,ok,%d,%d\n" $((8 * cpus)) "$cpus" >"$csv"; echo "'"$2"' figures"; fi' \
		'[ "$rc" -eq 3 ] && echo "BROKEN in-tcp-1 / mxgw: correctness pass: 1 sent, 0 arrived"' \
		'[ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] && echo "'"$2"': test_run: Operation not permitted" >&2' \
		'exit "$rc"' >"$T/build/bench/$2"
	chmod 755 "$T/build/bench/$2"
}
stub PROG bench_prog
stub E2E bench_e2e
printf '#!/bin/sh\nexit 0\n' >"$T/bin/gnuplot"
chmod 755 "$T/bin/gnuplot"

# bench CASE [ARGS...]: run.sh with the stubs; its output in $out (file), status in $rc
bench() {
	out=$T/$1.out
	shift
	rm -f "$T/build/bench/"*.csv "$T/build/bench/"*.args
	PATH=$T/bin:$PATH BUILD=$T/build MAKE=true "$RUN_SH" "$@" >"$out" 2>&1
	rc=$?
}

# check NAME WANT-RC WANT-MISSING-LINES [PATTERN...]: the status, the number
# of "not measured:" lines, each PATTERN among them
check() {
	local name=$1 want_rc=$2 want_n=$3 n p
	shift 3
	n=$(grep -c '^not measured: ' "$out")
	if [ "$rc" -ne "$want_rc" ]; then
		fail "$name" "exit $rc, want $want_rc: $(tr '\n' '|' <"$out" | head -c 400)"
		return
	fi
	if [ "$n" -ne "$want_n" ]; then
		fail "$name" "$n \"not measured\" lines, want $want_n: $(grep '^not measured' "$out" | tr '\n' '|')"
		return
	fi
	for p in "$@"; do
		if ! grep -q "^not measured: $p" "$out"; then
			fail "$name" "no line \"not measured: $p\": $(grep '^not measured' "$out" | tr '\n' '|')"
			return
		fi
	done
	ok "$name"
}

STUB_PROG_RC=0 STUB_E2E_RC=0 bench both_measured
check bench_run_both_measured_exits_0 0 0
# part 1's --combined and --conntrack and part 3 ran, part 3's ratio printed
# from the two CSVs (part 3 needs 2 CPUs: on one, no target line)
if grep -q -- '--combined' "$T/build/bench/bench_prog.args" &&
	grep -q -- '--conntrack' "$T/build/bench/bench_prog.args" &&
	{ [ "$(nproc)" -lt 2 ] ||
	  grep -q '^target in-tcp-10k   mxgw, 2 queues >= 1.8x 1:  2.000x  met' "$out"; }; then
	ok bench_run_combined_and_scaling_parts_run
else
	fail bench_run_combined_and_scaling_parts_run "bench_prog got: $(cat "$T/build/bench/bench_prog.args"); output: $(grep -i 'target\|part' "$out" | tr '\n' '|')"
fi

# part 3's own failure: said, the rest measured
STUB_PROG_RC=0 STUB_E2E_RC=0 STUB_E2E_1Q_RC=1 bench part3_failed
if [ "$(nproc)" -ge 2 ]; then
	check bench_run_part3_failed_exits_0_and_says_why 0 1 \
		'part 3 (scaling): bench_e2e exited 1: bench_e2e: test_run: Operation not permitted'
else
	check bench_run_part3_failed_exits_0_and_says_why 0 0
fi

STUB_PROG_RC=0 STUB_E2E_RC=1 bench part2_failed
check bench_run_part2_failed_exits_0_and_says_why 0 2 \
	'part 2 (end to end): bench_e2e exited 1: bench_e2e: test_run: Operation not permitted' \
	'the plot: it needs both parts'

STUB_PROG_RC=0 STUB_E2E_RC=3 bench part2_broken
check bench_run_broken_rows_exit_0_and_are_named 0 1 'part 2 (end to end): the rows marked BROKEN'

STUB_PROG_RC=1 STUB_E2E_RC=0 bench part1_failed
check bench_run_part1_failed_exits_0_and_says_why 0 2 \
	'part 1 (per packet): bench_prog exited 1: bench_prog: ' 'the plot: it needs both parts'

STUB_PROG_RC=1 STUB_E2E_RC=2 bench nothing
check bench_run_nothing_measured_exits_1 1 3 'part 1 (per packet): bench_prog exited 1' \
	'part 2 (end to end): bench_e2e exited 2'

MXGW_BENCH_GEN=packet STUB_PROG_RC=0 STUB_E2E_RC=0 bench args --rounds 3 --rows in-tcp-1
if [ "$rc" -eq 0 ] && grep -q -- '--rounds 3 --rows in-tcp-1$' "$T/build/bench/bench_e2e.args" &&
	[ "$(cat "$T/build/bench/bench_e2e.gen")" = packet ]; then
	ok bench_run_passes_options_and_generator_to_part2
else
	fail bench_run_passes_options_and_generator_to_part2 "exit $rc; bench_e2e got: $(cat "$T/build/bench/bench_e2e.args" 2>/dev/null), MXGW_BENCH_GEN=$(cat "$T/build/bench/bench_e2e.gen" 2>/dev/null)"
fi
e2e_summary
