# Server RSS per idle connection, per server and transport (bench/report.py).
# gnuplot -e "datafile='memory.dat'; outfile='bench-memory.png'" bench/plot/memory.gp
# datafile: one line "server sse_bytes ws_bytes" per server (NaN = not measured).
set terminal pngcairo size 900,500 font "sans,10" noenhanced
set output outfile
set title "Server RSS per idle connection (lower is better)"
set ylabel "bytes per connection"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set datafile missing "NaN"
set key top left
set grid ytics
set yrange [0:*]
set xtics rotate by -20
plot datafile using 2:xtic(1) title "SSE" linecolor rgb "#3572b0", \
     '' using 3 title "WebSocket" linecolor rgb "#e07b39"
