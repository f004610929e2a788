set terminal pngcairo size 900,540 font ',10'
set output 'cost.png'
set datafile separator ','
set key outside right
set grid ytics
set title 'Identification engine: time per sample (4 Mi pages tracked)'
set style data histograms
set style fill solid 0.7
set ylabel 'ns per sample'
set yrange [0:*]
unset key
plot 'cost.dat.csv' using 2:xtic(1) skip 1
