# SPDX-License-Identifier: GPL-2.0
#
# gnuplot -e "dir='DIR'; ops=N; proc=N" p6.gp: the P6 plot, DIR/p6.svg,
# from DIR/p6-ops.dat and DIR/p6-proc.dat (tools/bench/report writes them;
# ops and proc are their numbers of curves).  Left, the operations on one
# file; right, the /proc reads, whose cost grows with their lines.
set terminal svg size 1200,560 dynamic noenhanced font 'sans,11'
set output dir.'/p6.svg'
set multiplot layout 1,2 title 'P6: cost against N unrelated layout leases (and min(N, 10 000) pins), ratio to N = 1'
set logscale x
set xrange [0.7:150000]
set xlabel 'N (leases)'
set ylabel 'ratio to N = 1'
set grid
set key top left font ',9'
set title 'one file: system calls, lease, break'
set yrange [0.5:2]
plot for [i=0:ops-1] dir.'/p6-ops.dat' index i using 1:2:3:4 \
	with yerrorlines title columnheader(1), \
	1.1 with lines dashtype 2 lc 'red' title 'target at N = 100 000'
set title '/proc/fs/layoutlease'
set logscale y
set autoscale y
plot for [i=0:proc-1] dir.'/p6-proc.dat' index i using 1:2:3:4 \
	with yerrorlines title columnheader(1)
unset multiplot
