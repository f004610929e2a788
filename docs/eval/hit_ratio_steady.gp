set terminal pngcairo size 900,540 font ',10'
set output 'hit_ratio_steady.png'
set datafile separator ','
set key outside right
set grid ytics
set multiplot layout 3,1 title 'Fast-tier hit ratio, steady state per policy'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -20 font ',8'
set ylabel 'hit ratio'
set yrange [0:1]
set title 'fast:slow 1:2'
plot 'hit_ratio_steady.dat.csv' every ::1::24 using 2:xtic(1) title 'vtier', '' every ::1::24 using 3 title 'hemem', '' every ::1::24 using 4 title 'memtis', '' every ::1::24 using 5 title 'tpp', '' every ::1::24 using 6 title 'first-touch', '' every ::1::24 using 7 title 'oracle', '' every ::1::24 using 8 title 'all-fast'
set title 'fast:slow 1:4'
plot 'hit_ratio_steady.dat.csv' every ::25::48 using 2:xtic(1) title 'vtier', '' every ::25::48 using 3 title 'hemem', '' every ::25::48 using 4 title 'memtis', '' every ::25::48 using 5 title 'tpp', '' every ::25::48 using 6 title 'first-touch', '' every ::25::48 using 7 title 'oracle', '' every ::25::48 using 8 title 'all-fast'
set title 'fast:slow 1:8'
plot 'hit_ratio_steady.dat.csv' every ::49::72 using 2:xtic(1) title 'vtier', '' every ::49::72 using 3 title 'hemem', '' every ::49::72 using 4 title 'memtis', '' every ::49::72 using 5 title 'tpp', '' every ::49::72 using 6 title 'first-touch', '' every ::49::72 using 7 title 'oracle', '' every ::49::72 using 8 title 'all-fast'
unset multiplot
