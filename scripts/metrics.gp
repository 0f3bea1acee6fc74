# Train loss, test loss and test accuracy per epoch, from a metrics CSV written by
# `mnist train --metrics` (columns: epoch,train_loss,test_loss,test_accuracy,seconds,samples_per_second).
# Set `csv` and `out` first:  gnuplot -e "csv='metrics.csv'; out='curve.png'" scripts/metrics.gp
set terminal pngcairo size 900,500 font "DejaVu Sans,11"
set output out
set datafile separator ","
set title "MNIST training"
set xlabel "epoch"
set ylabel "mean cross-entropy loss (log scale)"
set y2label "test accuracy (%)"
set logscale y
set ytics nomirror
set y2tics
set grid
set key below
set xtics 1
# A single epoch is a single point: give gnuplot ranges around it rather than let it warn that
# the ranges are empty.
stats csv skip 1 using 1 name "epochs" nooutput
stats csv skip 1 using ($4 * 100) name "accuracy" nooutput
if (epochs_records < 2) {
  set xrange [epochs_min - 0.5 : epochs_max + 0.5]
  set y2range [accuracy_min - 1 : accuracy_max + 1]
}
plot csv skip 1 using 1:2 with linespoints pointtype 7 title "train loss", \
     csv skip 1 using 1:3 with linespoints pointtype 5 title "test loss", \
     csv skip 1 using 1:($4 * 100) axes x1y2 with linespoints pointtype 9 linewidth 2 title "test accuracy"
