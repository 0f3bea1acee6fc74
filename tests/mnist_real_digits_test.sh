#!/usr/bin/env bash
# `mnist predict` on pictures like the ones people bring: 500 MNIST test digits enlarged to
# 200x200, dark ink on light paper, off-centre with margins, saved as PNG and as JPEG
# (tests/make_real_digits.cpp). Read through the MNIST-style preparation, each must give the
# digit the model gives on the original 28x28 for >= 97 % of them, and >= 95 % must be right.
#   tests/mnist_real_digits_test.sh MNIST_BINARY MAKE_REAL_DIGITS_BINARY DATA_DIR
set -u
mnist=$1
make_real_digits=$2
data=$3
work=mnist_real_digits_work
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/check_helpers.sh"

"$mnist" train --data "$data" --epochs 3 --seed 1 --threads 2 --test-limit 1000 \
  --save "$work/model.safetensors" > "$work/train.txt" 2>&1 || fail "training: $(tail -3 "$work/train.txt")"
"$make_real_digits" "$data" "$work/digits" 500 || fail "make_real_digits failed"

# predictions FOLDER-OR-FILES... > "NAME DIGIT" lines, NAME without folder and extension: the
# digit read, or the best guess for a picture reported as no digit (an unsure reading)
predictions() {
  "$mnist" predict --model "$work/model.safetensors" "$@" 2> /dev/null |
    sed -n 's|^.*/\([0-9]*\)\.[a-z]*: \(no digit (.*); best guess \)\{0,1\}\([0-9]\) (probability.*|\1 \3|p'
}
predictions --as-is "$work/digits/original" > "$work/original.txt"
predictions "$work/digits/pictures"/*.png > "$work/png.txt"
predictions "$work/digits/pictures"/*.jpg > "$work/jpg.txt"

# compare NAME: agreement with the originals' digits and accuracy against the labels, in %
compare() {
  awk 'FNR == 1 { file++ } file == 1 { label[$1] = $2 } file == 2 { original[$1] = $2 }
       file == 3 { n++; same += ($2 == original[$1]); right += ($2 == label[$1]) }
       END { if (n == 0) print "0 0 0"; else printf "%d %.1f %.1f\n", n, 100 * same / n, 100 * right / n }' \
    "$work/digits/labels.txt" "$work/original.txt" "$work/$1.txt"
}
read -r n original_accuracy _ <<< "$(awk 'FNR == 1 { file++ } file == 1 { label[$1] = $2 }
  file == 2 { n++; right += ($2 == label[$1]) } END { printf "%d %.1f x\n", n, n ? 100 * right / n : 0 }' \
  "$work/digits/labels.txt" "$work/original.txt")"
echo "originals: $n read, $original_accuracy % right"
for format in png jpg; do
  read -r n agreement accuracy <<< "$(compare $format)"
  echo "$format: $n read, same digit as the original for $agreement %, right for $accuracy %"
  if [ "$n" -eq 500 ] && awk -v a="$agreement" -v b="$accuracy" 'BEGIN { exit !(a >= 97 && b >= 95) }'; then
    pass "$format pictures: agreement $agreement % >= 97 %, accuracy $accuracy % >= 95 %"
  else
    fail "$format pictures: $n read, agreement $agreement %, accuracy $accuracy %"
  fi
done
finish
