# The seed's three-way comparison as bars, for `make bench` runs: throughput against its
# Little's-law bound (left), and mean, p99 and max latency (right).
#   gnuplot -e "datafile='seed-comparison.dat'; outfile='x.svg'; heading='...'" \
#     scripts/charts/seed-comparison.gp
# datafile columns: variant req/s bound mean-ms p99-ms max-ms (one row per variant and run).
load "common.gp"
set terminal svg size 1100,560 dynamic noenhanced font "sans,13" background rgb "white"
set output outfile
unset title
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set xtics norotate font ",11"
set logscale y
set key outside below center horizontal
set multiplot layout 1, 2 title heading font "sans,14"
set xlabel "Variant"
set ylabel "Throughput (requests/s, log scale)"
set format y "%.0s%c"
set yrange [1:*]
plot datafile using 2:xtic(1) title "measured" lc rgb palette[1], \
  "" using 3 title "bound: concurrency / delay" lc rgb "#bbbbbb"
set ylabel "Latency (ms, log scale)"
set format y "%g"
set yrange [*:*]
plot datafile using 4:xtic(1) title "mean" lc rgb palette[3], \
  "" using 5 title "p99" lc rgb palette[5], \
  "" using 6 title "max" lc rgb palette[2]
unset multiplot
