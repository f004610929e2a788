set terminal pngcairo size 900,540 font ',10'
set output 'f1_time.png'
set datafile separator ','
set key outside right
set grid ytics
set title 'vtier hot-set F1 per window against the plugin''s exact counts (K = fast tier at 1:4)'
set xlabel 'guest time, s (plugin time base)'
set ylabel 'F1'
set yrange [0:1]
plot 'f1_time.dat.csv' index 0 using 1:2 with linespoints title 'graph', 'f1_time.dat.csv' index 1 using 1:2 with linespoints title 'memcached', 'f1_time.dat.csv' index 2 using 1:2 with linespoints title 'redis', 'f1_time.dat.csv' index 3 using 1:2 with linespoints title 'sort', 'f1_time.dat.csv' index 4 using 1:2 with linespoints title 'sqlite', 'f1_time.dat.csv' index 5 using 1:2 with linespoints title 'xsbench', 'f1_time.dat.csv' index 6 using 1:2 with linespoints title 'zstd'
