#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make bench: part 1 (per-packet cost of each path, bench_prog), part 2 (end
# to end, bench_e2e: mxgw, nftables, the XDP_DROP ceiling and a bare XDP
# forwarder side by side), then the plot.  As root; about a minute.
#
#   tests/bench/run.sh [bench_e2e options]    e.g. --rounds 15, --rows in-tcp-1
#
# Writes build/bench/prog.csv, e2e.csv, e2e-plot.dat and bench.png (BUILD
# overrides build/).  The binaries come from the Makefile (make bench builds
# them first; run by hand, this script asks make for them).  gnuplot-nox is
# installed with apt-get when missing; without it there is no plot, and the
# figures are still printed and written.
#
# Exit status: 0, or bench_e2e's (3: a row was BROKEN), or 1 on failure.
# Speed never fails the bench: see docs/BENCHMARKS.md for the targets.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
OUT=$BUILD/bench
start=$(date +%s.%N)

if [ "$(id -u)" -ne 0 ]; then
	echo "make bench: needs root (network namespaces, BPF)" >&2
	exit 1
fi
mkdir -p "$OUT"
${MAKE:-make} -s --no-print-directory BUILD="$BUILD" "$OUT/bench_prog" "$OUT/bench_e2e"

echo "== part 1: per-packet cost, bpf_prog_test_run"
"$OUT/bench_prog" --csv "$OUT/prog.csv"

echo
echo "== part 2: end to end"
rc=0
"$OUT/bench_e2e" --csv "$OUT/e2e.csv" --plot-data "$OUT/e2e-plot.dat" "$@" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
	exit "$rc"
fi

echo
if ! command -v gnuplot >/dev/null; then
	echo "== installing gnuplot-nox for the plot"
	{ apt-get install -y -qq --no-install-recommends gnuplot-nox ||
		{ apt-get update -qq &&
		  apt-get install -y -qq --no-install-recommends gnuplot-nox; }; } \
		>"$OUT/apt.log" 2>&1 || true
fi
if command -v gnuplot >/dev/null; then
	gnuplot -e "e2e='$OUT/e2e-plot.dat'; prog='$OUT/prog.csv'; out='$OUT/bench.png'" \
		tests/bench/plot.gp
	echo "plot: $OUT/bench.png"
else
	echo "no gnuplot (see $OUT/apt.log): no plot"
fi
echo "csv: $OUT/prog.csv $OUT/e2e.csv"
awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "make bench took %.0f s\n", e - s }'
exit "$rc"
