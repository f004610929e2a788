set terminal pngcairo size 900,540 font ',10'
set output 'multivm_quota.png'
set datafile separator ','
set key outside right
set grid ytics
set title 'Skewed mix, fast:slow 1:4, utility: each VM''s quota and fast pages held'
set xlabel 't, s'
set ylabel '4 KiB pages'
plot 'multivm_quota.dat.csv' index 0 using 1:2 with lines lw 2 lc 1 title 'hot quota', 'multivm_quota.dat.csv' index 1 using 1:2 with lines dt 2 lc 1 title 'hot held', 'multivm_quota.dat.csv' index 2 using 1:2 with lines lw 2 lc 2 title 'flat quota', 'multivm_quota.dat.csv' index 3 using 1:2 with lines dt 2 lc 2 title 'flat held', 'multivm_quota.dat.csv' index 4 using 1:2 with lines lw 2 lc 3 title 'phase quota', 'multivm_quota.dat.csv' index 5 using 1:2 with lines dt 2 lc 3 title 'phase held'
