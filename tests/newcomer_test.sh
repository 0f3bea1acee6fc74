#!/usr/bin/env bash
# What a newcomer types and meets: misspelt commands and flags answered with what was meant, a
# folder given as a model, the data found from another folder (or through BACKPROP_DATA), a
# picture with no digit in it, pictures asked for in a format they are not written in, a
# one-epoch plot without gnuplot's warnings, an evaluation with no errors to draw, and an
# unwritable DOT file found out before any work.
#   tests/newcomer_test.sh MNIST GRADCHECK TWO_NEURON DATA_DIR
set -u
mnist=$1
gradcheck=$2
two_neuron=$3
data=$(cd "$4" && pwd)
work=$(pwd)/newcomer_work
rm -rf "$work" && mkdir -p "$work/elsewhere"
source "$(dirname "$0")/check_helpers.sh"

# --- misspellings
expect_refusal "a misspelt command is named, with what was meant" "unknown command 'trian'; did you mean 'train'?" \
  "$mnist" trian
expect_refusal "a misspelt flag is named, with what was meant" \
  "unknown option '--epoch' for 'mnist train'; did you mean '--epochs'?" "$mnist" train --epoch 1
expect_refusal "a misspelt --model is named, not reported missing" "unknown option '--modle' for 'mnist eval'; did you mean '--model'?" \
  "$mnist" eval --modle "$work/m.safetensors"
expect_refusal "a folder given as the model" "is a folder, not a file" "$mnist" eval --model "$work" --data "$data"
expect_refusal "gradcheck's tolerance range reads as numbers" "1e-20 is not a relative difference from 1e-15 to 1" \
  "$gradcheck" --tolerance 1e-20
expect_refusal "a plot asked for as JPEG" "'$work/x.jpg' does not end in .png" \
  "$mnist" train --data "$data" --plot "$work/x.jpg"
expect_refusal "error pictures asked for as JPEG" "does not end in .png" \
  "$mnist" eval --model "$work/m.safetensors" --errors "$work/e.jpg"

# --- the data, found without --data from another folder, or where BACKPROP_DATA says
(cd "$work/elsewhere" && "$mnist" train --limit 5000 --test-limit 1000 --epochs 1 --hidden 64 --threads 2 \
  --save "$work/m.safetensors" --plot "$work/one-epoch.png" > "$work/train.txt" 2> "$work/train.err")
code=$?
if [ "$code" -eq 0 ] && grep -q "on 5000 images" "$work/train.txt"; then
  pass "without --data, from another folder, the tools find the checkout's data/mnist"
else
  fail "training from another folder: exit $code: $(cat "$work/train.err")"
fi
if [ -s "$work/one-epoch.png" ] && ! grep -qi "warning" "$work/train.err"; then
  pass "a one-epoch plot is drawn without gnuplot's warnings"
else
  fail "one-epoch plot: $(cat "$work/train.err")"
fi
mkdir -p "$work/small"
for split in train t10k; do  # the first 300 images and labels of each split
  { head -c 4 "$data/$split-images-idx3-ubyte"; printf '\0\0\1\54'; tail -c +9 "$data/$split-images-idx3-ubyte" | head -c $((8 + 300 * 784)); } \
    > "$work/small/$split-images-idx3-ubyte"
  { head -c 4 "$data/$split-labels-idx1-ubyte"; printf '\0\0\1\54'; tail -c +9 "$data/$split-labels-idx1-ubyte" | head -c 300; } \
    > "$work/small/$split-labels-idx1-ubyte"
done
(cd "$work/elsewhere" && BACKPROP_DATA="$work/small" "$mnist" train --epochs 1 --hidden 8 --batch 30 > "$work/env.txt" 2>&1)
if grep -q "on 300 images, testing on 300" "$work/env.txt"; then
  pass "BACKPROP_DATA names the data folder"
else
  fail "BACKPROP_DATA: $(cat "$work/env.txt")"
fi

# --- a picture with no digit, and an evaluation with nothing to draw
{ printf 'P5\n64 64\n255\n'; head -c $((64 * 64)) /dev/urandom; } > "$work/noise.pgm"
expect_refusal "a picture of noise is no digit" "do not look like a digit" "$mnist" predict --model "$work/m.safetensors" "$work/noise.pgm"
if grep -q "noise.pgm: no digit (" "$work/out.txt"; then
  pass "and its line says why: $(cat "$work/out.txt")"
else
  fail "no-digit line: $(cat "$work/out.txt")"
fi
"$mnist" eval --model "$work/m.safetensors" --data "$data" --test-limit 1 --errors "$work/none.png" > "$work/eval.txt" 2>&1
if grep -q "no misclassified digits: $work/none.png not written" "$work/eval.txt" && [ ! -e "$work/none.png" ]; then
  pass "eval --errors with no errors says so instead of drawing a blank picture"
else
  fail "eval --errors without errors: $(cat "$work/eval.txt")"
fi

# --- a DOT file that cannot be written is found out before any output
expect_refusal "two_neuron --dot into a missing folder" "cannot write '/nonexistent/x.dot': folder '/nonexistent' does not exist" \
  "$two_neuron" --dot /nonexistent/x.dot
if [ ! -s "$work/out.txt" ]; then pass "and nothing was printed before"; else fail "two_neuron printed: $(head -3 "$work/out.txt")"; fi

finish
