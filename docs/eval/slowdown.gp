set terminal pngcairo size 900,540 font ',10'
set output 'slowdown.png'
set datafile separator ','
set key outside right
set grid ytics
set multiplot layout 3,1 title 'Estimated memory time relative to all-fast per policy'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by -20 font ',8'
set ylabel 'time / all-fast'
set yrange [1:*]
set title 'fast:slow 1:2'
plot 'slowdown.dat.csv' every ::1::10 using 2:xtic(1) title 'vtier', '' every ::1::10 using 3 title 'hemem', '' every ::1::10 using 4 title 'memtis', '' every ::1::10 using 5 title 'tpp', '' every ::1::10 using 6 title 'first-touch', '' every ::1::10 using 7 title 'oracle', '' every ::1::10 using 8 title 'all-fast'
set title 'fast:slow 1:4'
plot 'slowdown.dat.csv' every ::11::20 using 2:xtic(1) title 'vtier', '' every ::11::20 using 3 title 'hemem', '' every ::11::20 using 4 title 'memtis', '' every ::11::20 using 5 title 'tpp', '' every ::11::20 using 6 title 'first-touch', '' every ::11::20 using 7 title 'oracle', '' every ::11::20 using 8 title 'all-fast'
set title 'fast:slow 1:8'
plot 'slowdown.dat.csv' every ::21::30 using 2:xtic(1) title 'vtier', '' every ::21::30 using 3 title 'hemem', '' every ::21::30 using 4 title 'memtis', '' every ::21::30 using 5 title 'tpp', '' every ::21::30 using 6 title 'first-touch', '' every ::21::30 using 7 title 'oracle', '' every ::21::30 using 8 title 'all-fast'
unset multiplot
