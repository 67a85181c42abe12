# common.gp: what every chart shares. Loaded by each chart script; the caller sets
#   outfile  the SVG to write        heading  the title (chart, machine, load; may hold \n)
set terminal svg size 960,600 dynamic noenhanced font "sans,13" background rgb "white"
set output outfile
set title heading font "sans,14"
set grid xtics ytics mxtics mytics lc rgb "#dddddd"
set key inside left top box opaque font ",11" spacing 1.1
set border 3
set tics nomirror
set datafile missing "NaN"
# One colour per variant, the same in every chart (the order of the run's variants).
array palette[6] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
