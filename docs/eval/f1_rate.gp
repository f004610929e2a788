set terminal pngcairo size 900,540 font ',10'
set output 'f1_rate.png'
set datafile separator ','
set key outside right
set grid ytics
set title 'Hot-set F1 against sampling rate (K = fast tier at 1:4)'
set logscale x
set xlabel 'one sample per N accesses'
set ylabel 'mean F1'
set yrange [0:1]
plot 'f1_rate.dat.csv' index 0 using 1:2 with linespoints title 'gen vtier', 'f1_rate.dat.csv' index 1 using 1:2 with linespoints title 'gen ewma', 'f1_rate.dat.csv' index 2 using 1:2 with linespoints title 'gen memtis', 'f1_rate.dat.csv' index 3 using 1:2 with linespoints title 'gen hemem', 'f1_rate.dat.csv' index 4 using 1:2 with linespoints title 'redis vtier', 'f1_rate.dat.csv' index 5 using 1:2 with linespoints title 'sqlite vtier', 'f1_rate.dat.csv' index 6 using 1:2 with linespoints title 'zstd vtier', 'f1_rate.dat.csv' index 7 using 1:2 with linespoints title 'sort vtier', 'f1_rate.dat.csv' index 8 using 1:2 with linespoints title 'graph vtier', 'f1_rate.dat.csv' index 9 using 1:2 with linespoints title 'memcached vtier', 'f1_rate.dat.csv' index 10 using 1:2 with linespoints title 'xsbench vtier'
