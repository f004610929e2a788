set terminal pngcairo size 900,540 font ',10'
set output 'migrations.png'
set datafile separator ','
set key outside right
set grid ytics
set title 'Page migrations per second (pages promoted + demoted), fast:slow 1:4'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -20 font ',8'
set logscale y
set ylabel 'migrations per second (log)'
plot 'migrations.dat.csv' using (column(2) > 0 ? column(2) : 1e-3):xtic(1) title 'vtier', '' using (column(3) > 0 ? column(3) : 1e-3) title 'hemem', '' using (column(4) > 0 ? column(4) : 1e-3) title 'memtis', '' using (column(5) > 0 ? column(5) : 1e-3) title 'tpp'
