# Throughput against connections: one line per variant, its Little's-law bound
# (concurrency / delay) dashed and its effective bound (concurrency / unloaded latency) dotted.
#   gnuplot -e "datafile='connections.dat'; outfile='x.svg'; variants='a b'; heading='...'" \
#     scripts/charts/throughput-vs-connections.gp
# datafile: one block per variant (in the order of `variants`), two blank lines apart;
# columns: connections req/s bound effective-bound p50-ms p99-ms (see the header line).
load "common.gp"
set xlabel "Connections (wrk -c, log scale)"
set ylabel "Throughput (requests/s, log scale)"
set logscale xy
set format y "%.0s%c"
n = words(variants)
plot for [i=1:n] datafile index (i-1) using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb palette[i] title word(variants, i), \
  for [i=1:n] datafile index (i-1) using 1:3 with lines dt 2 lw 1.5 lc rgb palette[i] notitle, \
  for [i=1:n] datafile index (i-1) using 1:4 with lines dt 3 lw 1.5 lc rgb palette[i] notitle, \
  NaN with lines dt 2 lw 1.5 lc rgb "black" title "bound: concurrency / delay", \
  NaN with lines dt 3 lw 1.5 lc rgb "black" title "effective: concurrency / unloaded latency"
