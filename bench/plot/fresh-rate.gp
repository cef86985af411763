# The highest publish rate that stays fresh (p99 <= 100 ms, nothing lost) per
# server and transport, one channel (bench/report.py).
# gnuplot -e "datafile='fresh.dat'; outfile='bench-fresh-rate.png'" bench/plot/fresh-rate.gp
# datafile: lines "server/transport events_per_s" (NaN when not even the lowest step was).
set terminal pngcairo size 1000,450 font "sans,10" noenhanced
set output outfile
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set datafile missing "NaN"
set logscale y
set yrange [1:*]
set ylabel "events/s (log scale)"
set grid ytics
set xtics rotate by -20
set key off
set title "Highest rate that stays fresh, one channel, every subscriber on it (higher is better)"
plot datafile using 2:xtic(1) linecolor rgb "#3572b0"
