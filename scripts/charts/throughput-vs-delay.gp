# Throughput against the servers' delay per request, bounds as in throughput-vs-connections.gp
# (no bound at delay 0; the effective bound still has one: concurrency / unloaded latency).
#   gnuplot -e "datafile='delay.dat'; outfile='x.svg'; variants='a b'; heading='...'" \
#     scripts/charts/throughput-vs-delay.gp
load "common.gp"
set key inside right top
set xlabel "Delay per request (ms)"
set ylabel "Throughput (requests/s, log scale)"
set logscale y
set format y "%.0s%c"
n = words(variants)
plot for [i=1:n] datafile index (i-1) using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb palette[i] title word(variants, i), \
  for [i=1:n] datafile index (i-1) using 1:3 with lines dt 2 lw 1.5 lc rgb palette[i] notitle, \
  for [i=1:n] datafile index (i-1) using 1:4 with lines dt 3 lw 1.5 lc rgb palette[i] notitle, \
  NaN with lines dt 2 lw 1.5 lc rgb "black" title "bound: concurrency / delay", \
  NaN with lines dt 3 lw 1.5 lc rgb "black" title "effective: concurrency / unloaded latency"
