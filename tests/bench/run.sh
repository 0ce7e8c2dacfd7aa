#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make bench: part 1 (per-packet cost of each path, bench_prog), part 2 (end
# to end, bench_e2e: mxgw, nftables, the XDP_DROP ceiling and a bare XDP
# forwarder side by side), part 3 (the 10,000-flow rows on one RX queue
# against part 2's all: scaling.py), then the plot.  As root; a few minutes.
#
#   tests/bench/run.sh [bench_e2e options]    e.g. --rounds 15, --rows in-tcp-1
#
# Writes build/bench/prog.csv, prog-combined.csv, prog-conntrack.csv, e2e.csv, e2e-1q.csv,
# e2e-plot.dat and bench.png (BUILD
# overrides build/).  The binaries come from the Makefile (make bench builds
# them first; run by hand, this script asks make for them).  gnuplot-nox is
# installed with apt-get when missing; without it there is no plot, and the
# figures are still printed and written.
#
# Part 2's generator: live frames, or AF_PACKET where the kernel refuses
# them (MXGW_BENCH_GEN=packet or --gen packet forces it; docs/BENCHMARKS.md,
# "When live frames are refused").
#
# Exit status: 0 whenever anything was measured, with a line "not measured:"
# per part that was not (a part that failed, part 2's BROKEN rows, the
# plot); 1 when nothing was (or not root); make's when the build fails.
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

missing=()
measured=0

# part NAME WHAT CMD...: runs CMD, its stderr shown and kept in $OUT/NAME.err;
# a failure becomes a "not measured" line with the last thing it said.
# Its exit status is left in last_rc.
last_rc=0
part() {
	local name=$1 what=$2 rc=0 why
	shift 2
	rm -f "$OUT/$name.csv" "$OUT/$name-plot.dat"	# no stale figures in the plot
	{ "$@" 2>&1 1>&3 3>&- | tee "$OUT/$name.err" >&2; } 3>&1 || rc=$?
	last_rc=$rc
	case $rc in
	0) measured=1 ;;
	3)	# bench_e2e: rows BROKEN, the others measured
		measured=1
		missing+=("$what: the rows marked BROKEN above (frames lost or wrong)") ;;
	*)	why=$(grep -v '^[[:space:]]*$' "$OUT/$name.err" | tail -n 1 || :)
		missing+=("$what: $(basename "$1") exited $rc${why:+: $why}") ;;
	esac
}

echo "== part 1: per-packet cost, bpf_prog_test_run"
part prog "part 1 (per packet)" "$OUT/bench_prog" --csv "$OUT/prog.csv"

# issue 13's targets again over three copies of each gateway: a loaded
# copy of the program differs from another by as much as the targets'
# 10% (docs/BENCHMARKS.md, "three copies of each gateway"); not when part
# 1 could not run at all (the same cause, said once)
if [ "$last_rc" -eq 0 ]; then
	echo
	echo "== part 1, issue 13's targets over three copies of each gateway (bench_prog --combined)"
	part prog-combined "part 1 (issue 13's targets, three copies)" "$OUT/bench_prog" \
		--combined --csv "$OUT/prog-combined.csv"
	# issue 14's flat conntrack the same way: three gateways per size
	# (bench_prog leaves the sweep out, and says so, short of memory)
	echo
	echo "== part 1, issue 14's conntrack sizes over three copies of each gateway (bench_prog --conntrack)"
	part prog-conntrack "part 1 (issue 14's conntrack sizes, three copies)" "$OUT/bench_prog" \
		--conntrack --csv "$OUT/prog-conntrack.csv"
fi

echo
echo "== part 2: end to end"
part e2e "part 2 (end to end)" "$OUT/bench_e2e" --csv "$OUT/e2e.csv" \
	--plot-data "$OUT/e2e-plot.dat" "$@"

# part 3: the 10,000-flow rows again on one CPU, one RX queue
# (tests/bench/scaling.py); for the default run, on 2 CPUs or more, when
# part 2 measured every row (its figures are half of each ratio)
if [ "$#" -eq 0 ] && [ "$last_rc" -eq 0 ] && [ "$(nproc)" -ge 2 ]; then
	echo
	echo "== part 3: scaling with the RX queues (10,000-flow rows, 1 queue)"
	part e2e-1q "part 3 (scaling)" "$OUT/bench_e2e" --cpus 1 --csv "$OUT/e2e-1q.csv" \
		--rows in-tcp-10k,reply-10k,est-10k,in6-tcp-10k,reply6-10k,est6-10k
	if [ "$last_rc" -eq 0 ] &&
		! python3 tests/bench/scaling.py "$OUT/e2e.csv" "$OUT/e2e-1q.csv"; then
		missing+=("part 3 (scaling): no ratio (tests/bench/scaling.py, above)")
	fi
fi

echo
if ! command -v gnuplot >/dev/null; then
	echo "== installing gnuplot-nox for the plot"
	{ apt-get install -y -qq --no-install-recommends gnuplot-nox ||
		{ apt-get update -qq &&
		  apt-get install -y -qq --no-install-recommends gnuplot-nox; }; } \
		>"$OUT/apt.log" 2>&1 || true
fi
if ! command -v gnuplot >/dev/null; then
	missing+=("the plot: no gnuplot (see $OUT/apt.log)")
elif [ ! -s "$OUT/prog.csv" ] || [ ! -s "$OUT/e2e.csv" ]; then
	missing+=("the plot: it needs both parts")
elif gnuplot -e "e2e='$OUT/e2e-plot.dat'; prog='$OUT/prog.csv'; out='$OUT/bench.png'" \
		tests/bench/plot.gp; then
	echo "plot: $OUT/bench.png"
else
	missing+=("the plot: gnuplot failed")
fi
for f in "$OUT/prog.csv" "$OUT/prog-combined.csv" "$OUT/prog-conntrack.csv" "$OUT/e2e.csv" \
	"$OUT/e2e-1q.csv"; do
	[ -s "$f" ] && echo "csv: $f"
done
for m in "${missing[@]}"; do
	echo "not measured: $m"
done
awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "make bench took %.0f s\n", e - s }'
if [ "$measured" -eq 0 ]; then
	echo "make bench: nothing could be measured" >&2
	exit 1
fi
exit 0
