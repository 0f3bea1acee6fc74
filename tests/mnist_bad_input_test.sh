#!/usr/bin/env bash
# Every way of feeding the mnist tool something wrong: each must exit 2 with a message naming
# the file or flag and the problem -- no crash, abort, hang, bare exception or huge allocation.
# The broken files are made here from a tiny valid data set and a trained model.
#   tests/mnist_bad_input_test.sh MNIST_BINARY
set -u
export LC_ALL=C
mnist=$1
work=mnist_bad_input_work
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/check_helpers.sh"

# --- a tiny valid data set: 20 blank 28x28 images, labels 0-9 twice
idx_images() {  # COUNT -> images header and zero pixels
  printf '\x00\x00\x08\x03'
  printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"
  printf '\x00\x00\x00\x1c\x00\x00\x00\x1c'
  head -c $(($1 * 784)) /dev/zero
}
idx_labels() {  # COUNT -> labels header and labels i % 10
  printf '\x00\x00\x08\x01\x00\x00\x00'
  printf "\\x$(printf %02x "$1")"
  for i in $(seq 0 $(($1 - 1))); do printf "\\x$(printf %02x $((i % 10)))"; done
}
make_set() {  # DIR: a complete valid set
  mkdir -p "$1"
  idx_images 20 > "$1/train-images-idx3-ubyte"
  idx_labels 20 > "$1/train-labels-idx1-ubyte"
  cp "$1/train-images-idx3-ubyte" "$1/t10k-images-idx3-ubyte"
  cp "$1/train-labels-idx1-ubyte" "$1/t10k-labels-idx1-ubyte"
}
train=("$mnist" train --epochs 1 --batch 4 --hidden 8 --data)  # + DIR

make_set "$work/good"
if "${train[@]}" "$work/good" > /dev/null 2>&1; then pass "the tiny valid set trains"; else fail "the tiny valid set does not train"; fi

# --- data folders
make_set "$work/missing" && rm "$work/missing/train-labels-idx1-ubyte"
expect_refusal "missing labels file" "no MNIST train labels file" "${train[@]}" "$work/missing"
make_set "$work/empty" && : > "$work/empty/train-images-idx3-ubyte"
expect_refusal "empty images file" "train-images-idx3-ubyte: too short for an IDX header (0 bytes)" "${train[@]}" "$work/empty"
make_set "$work/truncated" && head -c 5000 "$work/good/train-images-idx3-ubyte" > "$work/truncated/train-images-idx3-ubyte"
expect_refusal "truncated images file" "header says 20x28x28 elements, but the file holds 4984 bytes of data: truncated" "${train[@]}" "$work/truncated"
make_set "$work/gzip" && rm "$work/gzip/train-images-idx3-ubyte" &&
  { printf '\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03'; head -c 300 /dev/urandom; } > "$work/gzip/train-images-idx3-ubyte.gz"
expect_refusal "corrupt gzip file" "train-images-idx3-ubyte.gz: corrupt or truncated gzip data" "${train[@]}" "$work/gzip"
make_set "$work/magic" && { printf 'PK\x03\x04'; tail -c +5 "$work/good/train-images-idx3-ubyte"; } > "$work/magic/train-images-idx3-ubyte"
expect_refusal "wrong magic" "not an IDX file (magic bytes 50 4b 03 04" "${train[@]}" "$work/magic"
make_set "$work/dims" && { printf '\x00\x00\x08\x02\x00\x00\x00\x14\x00\x00\x03\x10'; head -c 15680 /dev/zero; } > "$work/dims/train-images-idx3-ubyte"
expect_refusal "wrong number of dimensions" "expected 3 dimensions (count x rows x cols), found 2" "${train[@]}" "$work/dims"
make_set "$work/counts" && idx_labels 19 > "$work/counts/train-labels-idx1-ubyte"
expect_refusal "image and label counts differ" "19 labels for 20 images" "${train[@]}" "$work/counts"
make_set "$work/label" && { idx_labels 20 | head -c 27; printf '\x0c'; } > "$work/label/train-labels-idx1-ubyte"
expect_refusal "label out of range" "label 12 at index 19 is not a digit 0-9" "${train[@]}" "$work/label"
make_set "$work/billions" && { printf '\x00\x00\x08\x03\xff\xff\xff\xff\x00\x00\x00\x1c\x00\x00\x00\x1c'; head -c 784 /dev/zero; } > "$work/billions/train-images-idx3-ubyte"
expect_refusal "header claiming billions of images" "header says 4294967295x28x28 elements, but the file holds 784 bytes" "${train[@]}" "$work/billions"
make_set "$work/absurd" && { printf '\x00\x00\x08\x03\x00\x00\x00\x01\x00\x01\x86\xa0\x00\x01\x86\xa0'; head -c 784 /dev/zero; } > "$work/absurd/train-images-idx3-ubyte"
expect_refusal "absurd image dimensions" "header says 1x100000x100000 elements" "${train[@]}" "$work/absurd"

# --- model files (from a model trained on the tiny set)
"$mnist" train --data "$work/good" --epochs 1 --batch 4 --hidden 8 --save "$work/model.safetensors" > /dev/null 2>&1
model="$work/model.safetensors"
eval_model=("$mnist" eval --data "$work/good" --model)  # + FILE
head -c 700 "$model" > "$work/m_truncated.safetensors"
expect_refusal "truncated model" "m_truncated.safetensors: " "${eval_model[@]}" "$work/m_truncated.safetensors"
{ printf '\xff\xff\xff\xff\x00\x00\x00\x00'; tail -c +9 "$model"; } > "$work/m_length.safetensors"
expect_refusal "model header length lying" "header length 4294967295 is larger than" "${eval_model[@]}" "$work/m_length.safetensors"
sed '0,/{"__metadata__"/s//["__metadata__"/' "$model" > "$work/m_json.safetensors"
expect_refusal "malformed JSON header" "m_json.safetensors: header does not start with '{'" "${eval_model[@]}" "$work/m_json.safetensors"
sed '0,/"__metadata__":{/s//"__metadata__":[/' "$model" > "$work/m_json2.safetensors"
expect_refusal "JSON that does not parse" "m_json2.safetensors: header is not valid JSON" "${eval_model[@]}" "$work/m_json2.safetensors"
sed '0,/"F32"/s//"I32"/' "$model" > "$work/m_dtype.safetensors"
expect_refusal "wrong dtype" "dtype I32 is not supported" "${eval_model[@]}" "$work/m_dtype.safetensors"
sed '0,/"data_offsets":\[0,/s//"data_offsets":[8,/' "$model" > "$work/m_offsets.safetensors"
expect_refusal "offsets that do not tile the data" "m_offsets.safetensors: tensor '" "${eval_model[@]}" "$work/m_offsets.safetensors"
sed '0,/"sizes":"784,8,10"/s//"sizes":"784,9,10"/' "$model" > "$work/m_shape.safetensors"
expect_refusal "shapes that do not fit the architecture" "tensor 'layers.0.weight' has shape (784x8), the network 784,9,10 needs (784x9)" \
  "${eval_model[@]}" "$work/m_shape.safetensors"
expect_refusal "missing model" "cannot open" "${eval_model[@]}" "$work/none.safetensors"

# --- images
printf 'P5\n28 28\n255\n' > "$work/short.pgm" && head -c 100 /dev/zero >> "$work/short.pgm"
echo "not an image" > "$work/text.png"
{ printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x1c\x00\x00\x00\x1c\x08\x00\x00\x00\x00'; head -c 200 /dev/zero; } > "$work/corrupt.png"
{ printf '\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\xc3\x50\x00\x00\xc3\x50\x08\x00\x00\x00\x00\x00\x00\x00\x00'; } > "$work/huge.png"
printf 'P5\n10 10\n255\n' > "$work/small.pgm" && head -c 100 /dev/zero >> "$work/small.pgm"
{ printf 'P5\n100 100\n255\n'; head -c 10000 /dev/zero | tr '\0' '\310'; } > "$work/blank.pgm"
: > "$work/empty.png"
# a BMP info header declaring 50000 x -50000 (top-down) pixels
{ printf 'BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00'
  printf '\x50\xc3\x00\x00\xb0\x3c\xff\xff\x01\x00\x18\x00'; head -c 40 /dev/zero; } > "$work/huge.bmp"
head -c 20 "$work/huge.bmp" > "$work/short.bmp"
mkdir -p "$work/no_images" && echo "notes" > "$work/no_images/readme.txt"
predict=("$mnist" predict --model "$model")  # + IMAGE
expect_refusal "a file that is not an image" "text.png: not a readable image" "${predict[@]}" "$work/text.png"
expect_refusal "a corrupt PNG" "corrupt.png: corrupt image" "${predict[@]}" "$work/corrupt.png"
expect_refusal "a truncated PGM" "short.pgm: PGM/PPM data is truncated: 28x28 pixels need 784 bytes" "${predict[@]}" "$work/short.pgm"
expect_refusal "a 50000x50000 PNG header" "huge.png: image of 50000x50000 pixels is too large" "${predict[@]}" "$work/huge.png"
expect_refusal "a wrong-sized image taken as is" "small.pgm: image is 10x10, but taken as is it must be 28x28" \
  "${predict[@]}" --as-is "$work/small.pgm"
expect_refusal "a blank image" "blank.pgm: blank image: no ink stands out from the background" "${predict[@]}" "$work/blank.pgm"
expect_refusal "an all-black image" "small.pgm: blank image" "${predict[@]}" "$work/small.pgm"
expect_refusal "an empty file" "empty.png: empty file" "${predict[@]}" "$work/empty.png"
expect_refusal "a 50000x50000 BMP header" "huge.bmp: image of 50000x50000 pixels is too large" "${predict[@]}" "$work/huge.bmp"
expect_refusal "a truncated BMP header" "short.bmp: BMP header is truncated" "${predict[@]}" "$work/short.bmp"
expect_refusal "a folder without images" "no_images: folder holds no images" "${predict[@]}" "$work/no_images"
expect_refusal "a bad --invert" "--invert" "${predict[@]}" --invert maybe "$work/small.pgm"
expect_refusal "a bad --top" "--top" "${predict[@]}" --top 11 "$work/small.pgm"
# Bad pictures among good ones: every one is tried, the good ones are read, the bad ones listed
# and counted, and the exit code says 2.
{ printf 'P5\n28 28\n255\n'
  for _ in $(seq 28); do head -c 12 /dev/zero; printf '\377\377\377\377'; head -c 12 /dev/zero; done; } > "$work/bar.pgm"
"$mnist" predict --model "$model" "$work/blank.pgm" "$work/bar.pgm" "$work/text.png" "$work/bar.pgm" \
  > "$work/out.txt" 2> "$work/err.txt"
code=$?
# (a reading, sure or not: this test's model is barely trained)
if [ "$code" -eq 2 ] && [ "$(grep -c '^.*bar.pgm: \(no digit (.*); best guess \)\{0,1\}[0-9] (probability' "$work/out.txt")" -eq 2 ] &&
   grep -q "2 of 4 images could not be read" "$work/err.txt" && grep -q "text.png: not a readable image" "$work/err.txt" &&
   grep -q "blank.pgm: blank image" "$work/err.txt"; then
  pass "every picture is tried: the good ones are read, the bad ones listed and counted"
else
  fail "good and bad pictures together: exit $code, $(cat "$work/out.txt" "$work/err.txt")"
fi

# --- flags
for args in "--epochs 0|--epochs" "--epochs -3|--epochs" "--batch 0|--batch" "--hidden 0|--hidden 0" \
            "--optimizer rmsprop|--optimizer" "--lr nan|--lr" "--lr -1|--lr" "--threads -1|--threads" \
            "--activation swish|--activation" "--checkpoint-every 5|--checkpoint-every needs --checkpoint" \
            "--batch 21|--batch 21 is larger than the 20 training images" "--frobnicate|--frobnicate"; do
  flags=${args%%|*}
  part=${args#*|}
  # shellcheck disable=SC2086
  expect_refusal "train $flags" "$part" "$mnist" train --data "$work/good" $flags
done
expect_refusal "eval without --model" "--model" "$mnist" eval --data "$work/good"
expect_refusal "no command" "subcommand" "$mnist"

# --- numbers that wrap, and files that cannot be written, found before any training
expect_refusal "a negative layer size" "-5 is negative" "$mnist" train --data "$work/good" --hidden -5
expect_refusal "a negative limit" "-1 is negative" "$mnist" train --data "$work/good" --limit -1
for flag in --save --checkpoint --metrics; do
  expect_refusal "$flag into a missing folder, before training" "folder '/nonexistent'" \
    "$mnist" train --data "$work/good" "$flag" /nonexistent/out.file
  if grep -q "^epoch" "$work/out.txt"; then fail "$flag: training ran first"; fi
done
expect_refusal "--plot into a missing folder, before training" "folder '/nonexistent'" \
  "$mnist" train --data "$work/good" --plot /nonexistent/curve.png
expect_refusal "--save onto a device" "/dev/full: cannot be written: is not a regular file" \
  "$mnist" train --data "$work/good" --save /dev/full
expect_refusal "eval --errors into a missing folder, before evaluating" "folder '/nonexistent'" \
  "$mnist" eval --model "$model" --data "$work/good" --errors /nonexistent/e.png
mkfifo "$work/fifo.png"
expect_refusal "a FIFO given as a picture does not block" "is not a regular file" \
  "$mnist" predict --model "$model" "$work/fifo.png"
expect_refusal "a FIFO given as a model does not block" "is not a regular file" \
  "$mnist" eval --model "$work/fifo.png" --data "$work/good"

finish
