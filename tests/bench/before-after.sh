#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Part 1 of make bench, before and after: IPv4's per-packet cost at an
# earlier revision (default b1afc0a, main before IPv6 was merged, issue
# 12's "pre-i12") against this
# tree, and IPv6's rows against IPv4's, in one run.  As root; about 30 s
# a pass.
#
#   tests/bench/before-after.sh [--passes N] [REV]     default 8 passes, b1afc0a
#
# REV is checked out in a temporary git worktree (removed on exit), with
# this tree's tests/bench/bench_prog.c, so both are timed by the same code
# (without IPv6 rows where REV's testbed cannot frame IPv6).  Each pass runs
# REV's bench_prog --ipv4, this tree's bench_prog --ipv4 and this tree's
# bench_prog with every row, in an order rotated from pass to pass, so that
# load coming and going on a shared machine falls on both sides alike.
# Reported: per row, the median over the passes of each run's median, and
# the median (and range) of the differences within a pass, after minus
# before: the pairing cancels most of the load that moves between passes.
# Never fails on speed.  Writes $BUILD/bench/before-after/.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
passes=8
rev=b1afc0a
while [ $# -gt 0 ]; do
	case $1 in
	--passes) passes=$2; shift 2 ;;
	-h|--help) sed -n '3,21p' "$0"; exit 0 ;;
	*) rev=$1; shift ;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "before-after: needs root (network namespaces, BPF)" >&2
	exit 1
fi
out=$BUILD/bench/before-after
rm -rf "$out"
mkdir -p "$out"
old=$(mktemp -d /tmp/mxgw-before.XXXXXX)
cleanup() {
	git worktree remove --force "$old" 2>/dev/null || rm -rf "$old"
	git worktree prune
}
trap cleanup EXIT
git worktree add -q --detach "$old" "$rev"
cp tests/bench/bench_prog.c "$old/tests/bench/bench_prog.c"
echo "building $rev ($(git rev-parse --short "$rev")) and this tree ($(git rev-parse --short HEAD)$(git diff --quiet HEAD -- bpf maps || echo ', changed'))"
make -s -C "$old" -j2 build/bench/bench_prog >"$out/build-before.log" 2>&1 ||
	{ cat "$out/build-before.log"; exit 1; }
${MAKE:-make} -s -j2 BUILD="$BUILD" "$BUILD/bench/bench_prog" >"$out/build-after.log" 2>&1 ||
	{ cat "$out/build-after.log"; exit 1; }

run() {	# NAME PASS BINARY [ARGS]
	local name=$1 pass=$2 bin=$3
	shift 3
	"$bin" --csv "$out/$name.$pass.csv" "$@" >/dev/null
}
for ((p = 1; p <= passes; p++)); do
	printf '\rpass %d of %d' "$p" "$passes"
	case $((p % 3)) in
	1) run before "$p" "$old/build/bench/bench_prog" --ipv4
	   run after "$p" "$BUILD/bench/bench_prog" --ipv4
	   run all "$p" "$BUILD/bench/bench_prog" ;;
	2) run after "$p" "$BUILD/bench/bench_prog" --ipv4
	   run all "$p" "$BUILD/bench/bench_prog"
	   run before "$p" "$old/build/bench/bench_prog" --ipv4 ;;
	0) run all "$p" "$BUILD/bench/bench_prog"
	   run before "$p" "$old/build/bench/bench_prog" --ipv4
	   run after "$p" "$BUILD/bench/bench_prog" --ipv4 ;;
	esac
done
echo

python3 - "$out" "$passes" "$rev" <<'EOF'
import csv, statistics as st, sys
out, passes, rev = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def load(name):
    runs = []
    for p in range(1, passes + 1):
        with open(f"{out}/{name}.{p}.csv") as f:
            runs.append({r["path"]: r for r in csv.DictReader(f)})
    return runs

before, after, full = load("before"), load("after"), load("all")
rows = [r for r in after[0] if r in before[0]]

def med(runs, row, col="median_ns"):
    return st.median(float(r[row][col]) for r in runs)

print(f"IPv4, {rev} (before) against this tree (after), bench_prog --ipv4, "
      f"{passes} passes; ns per call, median of the passes' medians")
print(f"{'path':40} {'before':>8} {'after':>8} {'after-before':>13} {'(range)':>17}"
      f" {'x empty before':>15} {'after':>6}")
for row in rows:
    d = [float(a[row]["median_ns"]) - float(b[row]["median_ns"]) for a, b in zip(after, before)]
    print(f"{row:40} {med(before, row):8.1f} {med(after, row):8.1f} {st.median(d):+13.1f}"
          f" {min(d):+8.1f}..{max(d):+6.1f} {med(before, row, 'ratio_to_empty'):15.2f}"
          f" {med(after, row, 'ratio_to_empty'):6.2f}")

print()
print(f"IPv6 against IPv4, this tree, every row in one process, {passes} passes;"
      " ratio within a pass, median (range)")
pairs = [("IPv6 inbound allowed: forward + redirect", "inbound allowed: DNAT + redirect", 1.0),
         ("IPv6 inbound SYN: in_new + redirect", "inbound SYN: DNAT + in_new + redirect", 1.0),
         ("IPv6 inbound denied: drop", "inbound denied: drop", 1.1),
         ("IPv6 not for us: pass", "not for us: pass", None),
         ("IPv6 conntrack reply: redirect", "conntrack reply: DNAT + redirect", None),
         ("IPv6 not for us: transit, fib + drop", "not for us: transit, fib + drop", None),
         ("IPv6 outgoing reply: as it is", "outgoing reply: SNAT", None),
         ("IPv6 outgoing tracked: mxgw_ct6", "outgoing tracked: masquerade", None)]
print(f"{'IPv6 path':40} {'ns':>7} {'IPv4 path':38} {'ns':>7} {'IPv6/IPv4':>9} {'(range)':>12}  target")
for six, four, target in pairs:
    if six not in full[0] or four not in full[0]:
        continue
    q = [float(r[six]["median_ns"]) / float(r[four]["median_ns"]) for r in full]
    t = f"<= {target:.1f}: {'met' if st.median(q) <= target else 'NOT met'}" if target else ""
    print(f"{six:40} {med(full, six):7.1f} {four:38} {med(full, four):7.1f}"
          f" {st.median(q):9.3f} {min(q):5.2f}..{max(q):5.2f}  {t}")
EOF
echo "csv: $out/{before,after,all}.PASS.csv"
