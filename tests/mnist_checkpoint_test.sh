#!/usr/bin/env bash
# Interruption and recovery: Ctrl-C (SIGINT) finishes the batch, saves a checkpoint and exits
# 130; --resume continues to exactly the weights of an uninterrupted run; kill -9 during saves
# never leaves a broken checkpoint; a diverging run stops naming epoch and batch and keeps the
# last good checkpoint.
#   tests/mnist_checkpoint_test.sh MNIST_BINARY DATA_DIR
set -u
mnist=$1
data=$2
work=mnist_checkpoint_work
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/check_helpers.sh"

# wait_for FILE SECONDS: until FILE exists
wait_for() {
  local tries=$(($2 * 20))
  while [ ! -f "$1" ] && [ "$tries" -gt 0 ]; do sleep 0.05; tries=$((tries - 1)); done
  [ -f "$1" ]
}

recipe=(--data "$data" --limit 12000 --test-limit 500 --epochs 3 --batch 32 --threads 2 --seed 5)

# --- an uninterrupted run, the reference
"$mnist" train "${recipe[@]}" --save "$work/uninterrupted.safetensors" > "$work/full.txt" 2>&1 ||
  fail "uninterrupted run: $(cat "$work/full.txt")"

# --- Ctrl-C in the middle, then --resume
"$mnist" train "${recipe[@]}" --checkpoint "$work/ck.safetensors" --checkpoint-every 50 --save "$work/never.safetensors" \
  > "$work/interrupted.txt" 2> "$work/interrupted.err" &
pid=$!
if wait_for "$work/ck.safetensors" 60; then
  kill -INT "$pid"
fi
wait "$pid"
code=$?
if [ "$code" -eq 130 ] && grep -q "interrupted in epoch [0-9]* after batch [0-9]* of 375; checkpoint saved to" "$work/interrupted.err" &&
   [ ! -f "$work/never.safetensors" ]; then
  pass "Ctrl-C saves a checkpoint and exits 130 ($(grep -o 'interrupted in epoch [0-9]* after batch [0-9]*' "$work/interrupted.err"))"
else
  fail "Ctrl-C: exit $code, stderr: $(cat "$work/interrupted.err")"
fi
"$mnist" train "${recipe[@]}" --resume "$work/ck.safetensors" --save "$work/resumed.safetensors" > "$work/resumed.txt" 2>&1
if grep -q "^resuming from" "$work/resumed.txt" && cmp -s "$work/uninterrupted.safetensors" "$work/resumed.safetensors"; then
  pass "the resumed run ends with exactly the uninterrupted run's weights"
else
  fail "resume: $(cat "$work/resumed.txt")"
fi
if [ "$(sed -n 's/^test accuracy: //p' "$work/resumed.txt")" = "$(sed -n 's/^test accuracy: //p' "$work/full.txt")" ]; then
  pass "and the same test accuracy"
else
  fail "accuracy differs after resume"
fi
# --- the same with dropout and distorted digits: their draws come from (seed, epoch, batch or
# image), so a resumed run draws the same masks and digits
noisy=("${recipe[@]}" --dropout 0.3 --distort affine+elastic)
"$mnist" train "${noisy[@]}" --save "$work/noisy-full.safetensors" > "$work/noisy-full.txt" 2>&1 ||
  fail "uninterrupted run with dropout and distortions: $(cat "$work/noisy-full.txt")"
"$mnist" train "${noisy[@]}" --checkpoint "$work/noisy-ck.safetensors" --checkpoint-every 50 > /dev/null 2>&1 &
pid=$!
if wait_for "$work/noisy-ck.safetensors" 60; then
  kill -INT "$pid"
fi
wait "$pid"
code=$?
[ "$code" -eq 130 ] || fail "the run with dropout and distortions was not interrupted: exit $code"
"$mnist" train "${noisy[@]}" --resume "$work/noisy-ck.safetensors" --save "$work/noisy-resumed.safetensors" \
  > "$work/noisy-resumed.txt" 2>&1
if grep -q "^resuming from" "$work/noisy-resumed.txt" &&
   cmp -s "$work/noisy-full.safetensors" "$work/noisy-resumed.safetensors"; then
  pass "with dropout and distorted digits too, the resumed run ends with the uninterrupted run's weights"
else
  fail "resume with dropout and distortions: $(cat "$work/noisy-resumed.txt")"
fi
"$mnist" train "${recipe[@]}" --lr 0.01 --resume "$work/ck.safetensors" > /dev/null 2> "$work/mismatch.err"
code=$?
if [ "$code" -eq 2 ] && grep -q "trained with --lr 0.001, this run has 0.01" "$work/mismatch.err"; then
  pass "resuming with other options is refused, naming the option"
else
  fail "option mismatch: exit $code, $(cat "$work/mismatch.err")"
fi
"$mnist" train "${recipe[@]}" --resume "$work/uninterrupted.safetensors" > /dev/null 2> "$work/notck.err"
code=$?
if [ "$code" -eq 2 ] && grep -q "uninterrupted.safetensors: not a training checkpoint" "$work/notck.err"; then
  pass "resuming from a plain model file is refused"
else
  fail "resume from a model: exit $code, $(cat "$work/notck.err")"
fi
# A checkpoint whose position this recipe never reaches -- a batch past the epoch's end, an epoch
# past the run's, optimizer steps that do not match -- is refused, not silently skipped or
# overflowed. (Digits are replaced by as many digits, so the header keeps its length.)
# edited_checkpoint FIELD DIGIT > FILE: ck.safetensors with FIELD's digits all made DIGIT
edited_checkpoint() {
  perl -0777 -pe 's/("'"$1"'":")(\d+)/$1 . ("'"$2"'" x length($2))/e' "$work/ck.safetensors"
}
edited_checkpoint checkpoint_optimizer_steps 9 > "$work/steps.safetensors"
expect_refusal "optimizer steps that the position does not account for" "steps, but epoch" \
  "$mnist" train "${recipe[@]}" --resume "$work/steps.safetensors"
edited_checkpoint checkpoint_next_batch 9 > "$work/batch.safetensors"
batch=$(grep -ao '"checkpoint_next_batch":"[0-9]*"' "$work/batch.safetensors" | grep -o '[0-9][0-9]*')
if [ "$batch" -ge 375 ]; then  # (two digits, 99, are still inside the epoch: then the steps do not match)
  expect_refusal "a next batch ($batch) past the epoch's 375" "but an epoch has 375 batches" \
    "$mnist" train "${recipe[@]}" --resume "$work/batch.safetensors"
else
  expect_refusal "a next batch ($batch) the optimizer's steps do not account for" "steps, but epoch" \
    "$mnist" train "${recipe[@]}" --resume "$work/batch.safetensors"
fi
edited_checkpoint checkpoint_epoch 7 > "$work/epoch.safetensors"
expect_refusal "an epoch past the run's 3" "past this run's 3 epochs" \
  "$mnist" train "${recipe[@]}" --resume "$work/epoch.safetensors"

"$mnist" eval --model "$work/ck.safetensors" --data "$data" --test-limit 100 > /dev/null 2>&1 &&
  pass "a checkpoint is also a model file for eval" || fail "eval of a checkpoint"

# --- kill -9 while checkpoints are being written: the file on disk is always whole
"$mnist" train "${recipe[@]}" --hidden 512 --checkpoint "$work/kill.safetensors" --checkpoint-every 1 > /dev/null 2>&1 &
pid=$!
whole=0
if wait_for "$work/kill.safetensors" 60; then
  for delay in 0.13 0.21 0.34; do
    sleep "$delay"
    "$mnist" eval --model "$work/kill.safetensors" --data "$data" --test-limit 50 > /dev/null 2>&1 && whole=$((whole + 1))
  done
fi
kill -9 "$pid" 2> /dev/null
wait "$pid" 2> /dev/null
if "$mnist" eval --model "$work/kill.safetensors" --data "$data" --test-limit 50 > /dev/null 2>&1 && [ "$whole" -eq 3 ]; then
  pass "kill -9 during checkpointing leaves a whole, loadable checkpoint (and reads while writing always saw one)"
else
  fail "kill -9: checkpoint not loadable ($whole of 3 reads during writing succeeded)"
fi

# --- divergence: stops with epoch and batch, keeps the last good checkpoint
"$mnist" train --data "$data" --limit 2000 --test-limit 100 --epochs 2 --optimizer sgd --lr 100000 --schedule constant \
  --checkpoint "$work/diverge.safetensors" --checkpoint-every 2 > /dev/null 2> "$work/diverge.err"
code=$?
if [ "$code" -eq 1 ] && grep -q "training stopped in epoch 1: loss is inf at batch [0-9]* of 32" "$work/diverge.err" &&
   grep -q "the last good checkpoint (epoch 1 after batch [0-9]*) is" "$work/diverge.err" &&
   "$mnist" eval --model "$work/diverge.safetensors" --data "$data" --test-limit 50 > /dev/null 2>&1; then
  pass "a diverging run stops naming epoch and batch, and its last good checkpoint loads"
else
  fail "divergence: exit $code, $(cat "$work/diverge.err")"
fi

finish
