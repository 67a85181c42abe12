# Throughput against workers (handler threads) for the variants whose wait blocks a thread:
# the bound, workers / delay, dashed.
#   gnuplot -e "datafile='workers.dat'; outfile='x.svg'; variants='a b'; heading='...'" \
#     scripts/charts/throughput-vs-workers.gp
load "common.gp"
set xlabel "Workers (handler threads, --workers, log scale)"
set ylabel "Throughput (requests/s)"
set logscale x 2
set xtics (1, 2, 4, 8, 16, 32, 64)
set yrange [0:*]
n = words(variants)
plot for [i=1:n] datafile index (i-1) using 1:2 with linespoints lw 2 pt 7 ps 0.8 lc rgb palette[i] title word(variants, i), \
  for [i=1:n] datafile index (i-1) using 1:3 with lines dt 2 lw 1.5 lc rgb palette[i] notitle, \
  NaN with lines dt 2 lw 1.5 lc rgb "black" title "bound: workers / delay"
