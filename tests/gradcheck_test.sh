#!/usr/bin/env bash
# gradcheck as users run it: it passes on several architectures, both losses and both dtypes;
# a deliberately spoilt gradient makes it fail (exit 1) and name the parameter; bad usage
# exits 2. With DATA_DIR, also on real MNIST images.
#   tests/gradcheck_test.sh GRADCHECK_BINARY [DATA_DIR]
set -u
gradcheck=$1
data=${2:-}
source "$(dirname "$0")/check_helpers.sh"

expect_ok() {
  local output
  output=$("$gradcheck" "$@" 2>&1)
  if [ $? -eq 0 ] && grep -q ': OK$' <<< "$output"; then pass "gradcheck $*"; else fail "gradcheck $*: $output"; fi
}

expect_ok --net 784-16-10 --loss ce
expect_ok --net 784-16-10 --loss mse
expect_ok --net 30-12-8-10 --activation relu --batch 16 --samples 200
expect_ok --net 5-7-3 --activation sigmoid --loss mse --batch 1 --samples 100
expect_ok --net 784-32-10 --dtype float32
if [ -n "$data" ]; then expect_ok --net 784-16-10 --data "$data" --batch 8; fi

output=$("$gradcheck" --net 20-8-4 --corrupt-gradient layers.1.weight 2>&1)
code=$?
if [ "$code" -eq 1 ] && grep -q 'differ beyond relative tolerance .* in: layers.1.weight$' <<< "$output" &&
   grep -q '^layers.1.weight .*FAIL' <<< "$output" && ! grep -q '^layers.0.weight .*FAIL' <<< "$output"; then
  pass "a spoilt gradient fails the check and is named"
else
  fail "spoilt gradient: exit $code: $output"
fi

"$gradcheck" --net 784-x-10 > /dev/null 2> err.txt
code=$?
if [ "$code" -eq 2 ] && grep -q "'x' is not a layer size" err.txt; then pass "bad --net exits 2"; else fail "bad --net: exit $code"; fi
"$gradcheck" --loss hinge > /dev/null 2>&1
code=$?
if [ "$code" -eq 2 ]; then pass "unknown --loss exits 2"; else fail "unknown --loss: exit $code"; fi

finish
