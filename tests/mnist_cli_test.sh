#!/usr/bin/env bash
# The mnist tool end to end on real MNIST: 1 epoch on 5,000 training images must reach 90 % on
# 1,000 test images; the saved model, reloaded by `mnist eval`, must give the same accuracy;
# `mnist predict` must read the first test digit (a 7); bad input must exit 2 with a message
# naming what is wrong.
#   tests/mnist_cli_test.sh MNIST_BINARY DATA_DIR
set -u
mnist=$1
data=$2
work=mnist_cli_work
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/check_helpers.sh"

# A 28x28 PGM of test image INDEX, cut out of the IDX file.
test_image_pgm() {
  { printf 'P5\n28 28\n255\n'; tail -c +$((17 + 784 * $1)) "$data/t10k-images-idx3-ubyte" | head -c 784; } > "$2"
}

# --- training, saving, evaluating, predicting
"$mnist" train --data "$data" --limit 5000 --test-limit 1000 --epochs 1 --seed 1 --threads 2 \
  --hidden 256 --activation relu --optimizer momentum --lr 0.02 --batch 32 --schedule constant \
  --save "$work/model.safetensors" --metrics "$work/metrics.csv" --plot "$work/curve.png" \
  > "$work/train.txt" 2> "$work/train.err"
code=$?
cat "$work/train.txt"
accuracy=$(sed -n 's/^test accuracy: //p' "$work/train.txt")
if [ "$code" -eq 0 ] && [ -n "$accuracy" ] && awk -v a="$accuracy" 'BEGIN { exit !(a >= 0.90) }'; then
  pass "1 epoch on 5000 images reaches $accuracy >= 0.90 on 1000 test images"
else
  fail "training: exit $code, accuracy '$accuracy' $(cat "$work/train.err")"
fi
if [ "$(wc -l < "$work/metrics.csv")" -eq 2 ] && head -1 "$work/metrics.csv" | grep -q '^epoch,train_loss,test_loss,test_accuracy'; then
  pass "metrics file has a header and one row per epoch"
else
  fail "metrics file: $(cat "$work/metrics.csv")"
fi

"$mnist" eval --model "$work/model.safetensors" --data "$data" --test-limit 1000 --errors "$work/errors.png" \
  > "$work/eval.txt" 2>&1
reloaded=$(sed -n 's/^accuracy: //p' "$work/eval.txt")
if [ -n "$accuracy" ] && [ "$reloaded" = "$accuracy" ] && grep -q 'confusion matrix' "$work/eval.txt"; then
  pass "the saved model, reloaded by eval, gives the same accuracy ($reloaded)"
else
  fail "eval: accuracy '$reloaded' vs '$accuracy': $(cat "$work/eval.txt")"
fi

# is_png FILE: a PNG signature at the start
is_png() { [ "$(head -c 8 "$1" 2> /dev/null | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ]; }
# png_size FILE: WIDTHxHEIGHT from its header
png_size() { od -An -tu1 -j16 -N8 "$1" 2> /dev/null | awk '{ print $3 * 256 + $4 "x" $7 * 256 + $8 }'; }
if is_png "$work/curve.png" && grep -q "^training curve drawn in" "$work/train.txt"; then
  pass "train --plot draws the training curve"
else
  fail "train --plot: no PNG at $work/curve.png"
fi
if is_png "$work/errors.png" && is_png "$work/errors-confusion.png" &&
   grep -q "misclassified digits drawn in" "$work/eval.txt"; then
  pass "eval --errors draws the misclassified digits and the confusion heat map"
else
  fail "eval --errors: $(cat "$work/eval.txt")"
fi
plot_metrics="$(dirname "$0")/../scripts/plot-metrics"
if "$plot_metrics" "$work/metrics.csv" "$work/replot.png" > /dev/null && is_png "$work/replot.png"; then
  pass "scripts/plot-metrics draws a metrics file"
else
  fail "scripts/plot-metrics"
fi
"$plot_metrics" "$work/model.safetensors" "$work/bad.png" > /dev/null 2> "$work/plot.err"
code=$?
if [ "$code" -eq 2 ] && grep -q "not a metrics file" "$work/plot.err" && [ ! -f "$work/bad.png" ]; then
  pass "scripts/plot-metrics refuses a file that is not metrics"
else
  fail "plot-metrics on a model file: exit $code"
fi

test_image_pgm 0 "$work/seven.pgm"
if "$mnist" predict --model "$work/model.safetensors" "$work/seven.pgm" 2>&1 | grep -q 'seven.pgm: 7 (probability'; then
  pass "predict reads the first test digit as 7"
else
  fail "predict: $("$mnist" predict --model "$work/model.safetensors" "$work/seven.pgm" 2>&1)"
fi

# --- dropout and distorted training digits
"$mnist" train --data "$data" --limit 10000 --test-limit 1000 --epochs 3 --seed 1 --threads 2 --hidden 128 \
  --batch 32 --dropout 0.2 --distort affine+elastic --checkpoint "$work/distorted.safetensors" > "$work/distorted.txt" 2>&1
code=$?
distorted=$(sed -n 's/^test accuracy: //p' "$work/distorted.txt")
if [ "$code" -eq 0 ] && grep -q '^dropout 0.2 after the hidden layers' "$work/distorted.txt" &&
   grep -q '^training digits distorted afresh each epoch: affine (.*) + elastic (alpha 34, sigma 4)' "$work/distorted.txt" &&
   awk -v a="$distorted" 'BEGIN { exit !(a >= 0.85) }'; then
  pass "3 epochs with dropout on distorted digits still learn: $distorted >= 0.85 (seeds 1-3: 0.895-0.910)"
else
  fail "distorted training: exit $code: $(cat "$work/distorted.txt")"
fi
expect_refusal "resuming with another dropout" "trained with --dropout 0.2, this run has 0.3" \
  "$mnist" train --data "$data" --limit 10000 --test-limit 1000 --epochs 3 --seed 1 --threads 2 --hidden 128 \
  --batch 32 --dropout 0.3 --distort affine+elastic --resume "$work/distorted.safetensors"
expect_refusal "resuming without the distortions" "trained with --distort affine" \
  "$mnist" train --data "$data" --limit 10000 --test-limit 1000 --epochs 3 --seed 1 --threads 2 --hidden 128 \
  --batch 32 --dropout 0.2 --resume "$work/distorted.safetensors"
"$mnist" train --data "$data" --limit 100 --distort elastic --show-distortions "$work/distortions.png" \
  > "$work/show.txt" 2>&1
# 10 rows (one per digit) of the original and 8 copies: 28x2 pixels each, 6 between, 14 more after the original.
if is_png "$work/distortions.png" && [ "$(png_size "$work/distortions.png")" = "578x626" ] &&
   grep -q 'drawn in' "$work/show.txt" && ! grep -q '^epoch' "$work/show.txt"; then
  pass "train --show-distortions draws originals beside distorted copies, and does not train"
else
  fail "--show-distortions: $(png_size "$work/distortions.png") $(cat "$work/show.txt")"
fi
"$mnist" eval --model "$work/model.safetensors" --data "$data" --test-limit 100 --weights "$work/weights.png" \
  > "$work/weights.txt" 2>&1
# 256 fields of 56x56 pixels, 32 to a row with 4 between: 8 rows.
if is_png "$work/weights.png" && [ "$(png_size "$work/weights.png")" = "1924x484" ] &&
   grep -q "first layer's 256 receptive fields drawn in" "$work/weights.txt"; then
  pass "eval --weights draws the first layer's 256 receptive fields"
else
  fail "eval --weights: $(png_size "$work/weights.png") $(cat "$work/weights.txt")"
fi
"$mnist" train --recipe 2min --data "$data" --limit 2000 --test-limit 200 --epochs 1 --threads 2 > "$work/recipe.txt" 2>&1
if grep -q '^training 784-800-10 relu' "$work/recipe.txt" && grep -q 'batch 128, 1 epochs' "$work/recipe.txt" &&
   grep -q '^training digits distorted afresh each epoch: affine' "$work/recipe.txt"; then
  pass "--recipe 2min sets its network, batch and distortions, and --epochs beside it wins"
else
  fail "--recipe: $(cat "$work/recipe.txt")"
fi
for recipe in 2min best; do  # every flag of the recipe parses and is valid: shown, not trained
  "$mnist" train --data "$data" --limit 100 --recipe "$recipe" --show-distortions "$work/$recipe.png" \
    > "$work/recipe-$recipe.txt" 2>&1
  if [ $? -eq 0 ] && is_png "$work/$recipe.png"; then
    pass "--recipe $recipe parses, and its distortions can be shown"
  else
    fail "--recipe $recipe: $(cat "$work/recipe-$recipe.txt")"
  fi
done
expect_refusal "an unknown recipe" "--recipe" "$mnist" train --data "$data" --recipe fastest
expect_refusal "a dropout rate that is not a number" "dropout rate nan" "$mnist" train --data "$data" --dropout nan
expect_refusal "a rotation that is not a number" "rotation nan" \
  "$mnist" train --data "$data" --distort affine --rotation nan
expect_refusal "an elastic parameter without the elastic distortion" "--alpha sets the elastic distortion" \
  "$mnist" train --data "$data" --distort affine --alpha 20
expect_refusal "dropout rates for the wrong number of layers" "2 --dropout rates for 3 hidden layers" \
  "$mnist" train --data "$data" --hidden 8 --hidden 8 --hidden 8 --dropout 0.1 --dropout 0.2
expect_refusal "a dropout rate of 1" "--dropout" "$mnist" train --data "$data" --dropout 1
expect_refusal "showing distortions without any" "--show-distortions needs --distort" \
  "$mnist" train --data "$data" --show-distortions "$work/none.png"
expect_refusal "a Gaussian too narrow" "--sigma" "$mnist" train --data "$data" --distort elastic --sigma 0.1

# --- bad input: exit 2, and a message that names the problem
head -c 1000 "$work/model.safetensors" > "$work/truncated.safetensors"
printf 'P5\n10 10\n255\n%0100d' 0 > "$work/small.pgm"
echo "not an image" > "$work/text.png"
expect_refusal "unknown flag" "--frobnicate" "$mnist" train --frobnicate
expect_refusal "zero epochs" "--epochs" "$mnist" train --data "$data" --epochs 0
expect_refusal "zero batch" "--batch" "$mnist" train --data "$data" --batch 0
expect_refusal "learning rate NaN" "--lr" "$mnist" train --data "$data" --lr nan
expect_refusal "hidden size 0" "--hidden 0" "$mnist" train --data "$data" --hidden 0
expect_refusal "unknown optimizer" "--optimizer" "$mnist" train --data "$data" --optimizer rmsprop
expect_refusal "missing data folder" "no MNIST train images" "$mnist" train --data "$work/nowhere"
expect_refusal "batch larger than the set" "larger than the 100 training images" \
  "$mnist" train --data "$data" --limit 100 --batch 200
expect_refusal "float32 on the scalar engine" "scalar engine computes in double" \
  "$mnist" train --data "$data" --engine scalar --dtype float32
expect_refusal "missing model" "cannot open" "$mnist" eval --model "$work/none.safetensors" --data "$data"
expect_refusal "truncated model" "truncated.safetensors" "$mnist" eval --model "$work/truncated.safetensors" --data "$data"
expect_refusal "not an image" "text.png: not a readable image" \
  "$mnist" predict --model "$work/model.safetensors" "$work/text.png"
expect_refusal "wrong image size taken as is" "small.pgm: image is 10x10" \
  "$mnist" predict --model "$work/model.safetensors" --as-is "$work/small.pgm"

finish
