# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# make bench: the plot.  tests/bench/run.sh calls
#   gnuplot -e "e2e='build/bench/e2e-plot.dat'; prog='build/bench/prog.csv'; out='build/bench/bench.png'" tests/bench/plot.gp
# Left: part 2, Mpps per gateway and row (bench_e2e --plot-data: one line per
# row, one column per gateway, NaN for BROKEN).  Right, when prog is
# readable: part 1, ns per call of each path (bench_prog --csv).

if (!exists("e2e")) e2e = 'build/bench/e2e-plot.dat'
if (!exists("prog")) prog = ''
if (!exists("out")) out = 'build/bench/bench.png'
have_prog = strlen(prog) > 0 && system(sprintf("test -r '%s' && echo 1 || echo 0", prog)) + 0

set terminal pngcairo size (have_prog ? 1200 : 700), 460 font "sans,9" noenhanced
set output out
if (have_prog) set multiplot layout 1, 2

# ---- part 2 ----
set title "Part 2, end to end: Mpps per gateway (per CPU-second x CPUs)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set yrange [0:*]
set ylabel "Mpps"
set grid ytics
set key top center horizontal samplen 1.5
set offsets 0, 0, graph 0.12, 0
set xtics rotate by -25 nomirror
set datafile missing "NaN"
plot e2e using 2:xtic(1) title "mxgw" lc rgb "#1b7837", \
     '' using 3 title "nftables" lc rgb "#b2182b", \
     '' using 4 title "XDP_DROP ceiling" lc rgb "#878787", \
     '' using 5 title "xdp-fwd (bare rewrite)" lc rgb "#4393c3"

# ---- part 1 ----
if (have_prog) {
	reset
	set title "Part 1, bpf_prog_test_run: ns per call of each path"
	set datafile separator ","
	set style fill solid 0.85 border -1
	set xlabel "ns"
	set xrange [0:*]
	set yrange [-0.6:*] reverse
	set offsets 0, graph 0.12, 0, 0
	set ytics nomirror
	set grid xtics
	unset key
	plot prog skip 1 using ($2 / 2):0:($2 / 2):(0.35):ytic(1) with boxxyerror lc rgb "#1b7837", \
	     '' skip 1 using 2:0:(sprintf(" %.1f", $2)) with labels left
	unset multiplot
}
