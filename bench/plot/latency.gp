# Publish->delivery latency percentiles per server and transport (bench/report.py).
# gnuplot -e "datafile='latency.dat'; outfile='bench-latency.png'" bench/plot/latency.gp
# datafile: two blocks (index 0: one channel, index 1: per-subscriber channels), each
# lines "server/transport p50 p99 p999" in milliseconds.
set terminal pngcairo size 1000,750 font "sans,10" noenhanced
set output outfile
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set datafile missing "NaN"
set logscale y
set ylabel "milliseconds (log scale)"
set key top left
set grid ytics
set xtics rotate by -20
set multiplot layout 2,1 title "Publish-to-delivery latency at 1,000 events/s (lower is better)"
set title "one channel, every subscriber on it"
plot datafile index 0 using 2:xtic(1) title "p50" linecolor rgb "#6aa84f", \
     '' index 0 using 3 title "p99" linecolor rgb "#3572b0", \
     '' index 0 using 4 title "p99.9" linecolor rgb "#e07b39"
set title "one channel per subscriber"
plot datafile index 1 using 2:xtic(1) title "p50" linecolor rgb "#6aa84f", \
     '' index 1 using 3 title "p99" linecolor rgb "#3572b0", \
     '' index 1 using 4 title "p99.9" linecolor rgb "#e07b39"
unset multiplot
