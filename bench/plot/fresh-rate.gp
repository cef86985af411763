# The highest publish rate that stays fresh (p99 <= 100 ms, nothing lost) per
# server and transport, one channel (bench/report.py).
# gnuplot -e "datafile='fresh.dat'; outfile='bench-fresh-rate.png'" bench/plot/fresh-rate.gp
# datafile: lines "server/transport events_per_s" (0 when not even the lowest step was).
set terminal pngcairo size 1000,450 font "sans,10" noenhanced
set output outfile
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.8
set yrange [0:*]
set ylabel "events/s (0: not fresh at the lowest step)"
set grid ytics
set xtics rotate by -20
set key off
set title "Highest rate that stays fresh, one channel, every subscriber on it (higher is better)"
plot datafile using 2:xtic(1) linecolor rgb "#3572b0", \
     '' using 0:2:(sprintf("%g", $2)) with labels offset 0,0.7 notitle
