# Latency against connections: p50 (solid) and p99 (dashed) per variant, as wrk measured
# them over answered requests (timeouts are counted apart, in the summary).
#   gnuplot -e "datafile='connections.dat'; outfile='x.svg'; variants='a b'; heading='...'" \
#     scripts/charts/latency-vs-connections.gp
load "common.gp"
set xlabel "Connections (wrk -c, log scale)"
set ylabel "Latency (ms, log scale)"
set logscale xy
n = words(variants)
plot for [i=1:n] datafile index (i-1) using 1:5 with linespoints lw 2 pt 7 ps 0.8 lc rgb palette[i] title word(variants, i)." p50", \
  for [i=1:n] datafile index (i-1) using 1:6 with linespoints dt 2 lw 1.5 pt 6 ps 0.8 lc rgb palette[i] title word(variants, i)." p99"
