#!/usr/bin/env bash
# `mnist serve` end to end: a small model trained on real MNIST is served on a free port; curl
# checks the page, the errors (400 on a body that is no image, on a blank image, 413 over 1 MB)
# and 8 predictions at once; then the page is driven in Chromium (tests/browser), drawing a 1 and
# a 0. The server must stop on SIGTERM with exit code 0.
#   tests/serve_page_test.sh MNIST_BINARY DATA_DIR
set -u
mnist=$1
data=$2
here=$(cd "$(dirname "$0")" && pwd)
work=serve_page_work
rm -rf "$work" && mkdir -p "$work"
source "$here/check_helpers.sh"

# A 28x28 PGM of test image INDEX, cut out of the IDX file (white ink on black, as in MNIST).
test_image_pgm() {
  { printf 'P5\n28 28\n255\n'; tail -c +$((17 + 784 * $1)) "$data/t10k-images-idx3-ubyte" | head -c 784; } > "$2"
}

# --- a model to serve: a few seconds of training
"$mnist" train --data "$data" --limit 20000 --test-limit 1000 --epochs 2 --hidden 128 --activation relu \
  --seed 1 --threads 2 --save "$work/model.safetensors" > "$work/train.txt" 2>&1
code=$?
if [ "$code" -ne 0 ] || [ ! -f "$work/model.safetensors" ]; then
  fail "training the model to serve: exit $code, $(tail -5 "$work/train.txt")"
  finish
fi

# --- the server, on a free port; stopped on every way out of this script
"$mnist" serve --model "$work/model.safetensors" --port 0 > "$work/serve.out" 2> "$work/serve.err" &
server=$!
trap 'kill -KILL "$server" 2> /dev/null' EXIT
trap 'exit 143' TERM INT  # (so that the EXIT trap runs when ctest's timeout stops this script too)

# stop_server: SIGTERM, then up to 10 s for it to exit; sets $server_code.
stop_server() {
  kill -TERM "$server" 2> /dev/null
  for _ in $(seq 100); do
    kill -0 "$server" 2> /dev/null || break
    sleep 0.1
  done
  kill -KILL "$server" 2> /dev/null && echo "(the server ignored SIGTERM for 10 s: killed)"
  wait "$server"
  server_code=$?
}

url=""
for _ in $(seq 100); do
  url=$(sed -n 's|^serving on \(http://[^ ]*/\)$|\1|p' "$work/serve.out")
  [ -n "$url" ] && break
  kill -0 "$server" 2> /dev/null || break
  sleep 0.1
done
if [ -n "$url" ]; then
  pass "serve --port 0 says where it listens: $url"
else
  fail "no 'serving on http://HOST:PORT/' line within 10 s: $(head -c 400 "$work/serve.out") $(head -c 400 "$work/serve.err")"
  finish
fi

# request NAME CURL-ARGS...: the status code, the body in $work/NAME.body, the headers in
# $work/NAME.headers
request() {
  local name=$1
  shift
  : > "$work/$name.body"
  curl -sS --max-time 20 -o "$work/$name.body" -D "$work/$name.headers" -w '%{http_code}' "$@" 2> "$work/$name.err"
}
# answer NAME: what came back, for a failure message
answer() { head -c 300 "$work/$1.body"; cat "$work/$1.err"; }

# --- the page
status=$(request page "$url")
if [ "$status" = 200 ] && grep -qi '^content-type: text/html' "$work/page.headers" &&
   grep -qF 'id="pad"' "$work/page.body" && cmp -s "$work/page.body" "$here/../examples/serve_page.html"; then
  pass "GET / serves examples/serve_page.html as HTML"
else
  fail "GET /: status $status, $(head -c 300 "$work/page.headers") $(cat "$work/page.err")"
fi

# --- predictions
test_image_pgm 0 "$work/seven.pgm"
status=$(request seven --data-binary "@$work/seven.pgm" -H 'Content-Type: image/x-portable-graymap' "${url}predict")
probabilities=$(grep -o '"probabilities": *\[[^]]*\]' "$work/seven.body" | tr -cd , | wc -c)
input=$(grep -o '"input": *\[[^]]*\]' "$work/seven.body" | tr -cd , | wc -c)
if [ "$status" = 200 ] && grep -q '"digit": *7' "$work/seven.body" && [ "$probabilities" -eq 9 ] && [ "$input" -eq 783 ]; then
  pass "POST /predict of the first test digit (PGM) reads a 7, with 10 probabilities and the 784-pixel input"
else
  fail "POST /predict of the first test digit: status $status, $(answer seven)"
fi

# The same digit as dark ink on white paper, as people draw: invert=auto must see through it.
{ printf 'P5\n28 28\n255\n'; tail -c 784 "$work/seven.pgm" | perl -0777 -pe 's/(.)/chr(255 - ord $1)/gse'; } > "$work/paper.pgm"
status=$(request paper --data-binary "@$work/paper.pgm" -H 'Content-Type: image/x-portable-graymap' "${url}predict")
if [ "$status" = 200 ] && grep -q '"digit": *7' "$work/paper.body"; then
  pass "the same 7 as black ink on white is inverted and read as 7"
else
  fail "black-on-white 7: status $status, $(answer paper)"
fi

# 8 requests at once: every one answered.
clients=()
for i in $(seq 8); do
  request "parallel$i" --data-binary "@$work/seven.pgm" -H 'Content-Type: image/x-portable-graymap' "${url}predict" > "$work/parallel$i.status" &
  clients+=($!)
done
wait "${clients[@]}"
answered=0
for i in $(seq 8); do
  [ "$(cat "$work/parallel$i.status")" = 200 ] && grep -q '"digit": *7' "$work/parallel$i.body" && answered=$((answered + 1))
done
if [ "$answered" -eq 8 ]; then
  pass "8 concurrent predictions all answered 200 with the digit"
else
  fail "concurrent predictions: only $answered of 8 answered 200 with a 7"
fi

# --- errors
status=$(request text --data-binary 'not an image' -H 'Content-Type: image/png' "${url}predict")
if [ "$status" = 400 ] && grep -q '"error": *"' "$work/text.body"; then
  pass "a body that is no image gets 400 with an error message: $(cat "$work/text.body")"
else
  fail "a body that is no image: status $status, $(answer text)"
fi

pixels=$(printf '255,%.0s' $(seq 783))255
status=$(request blank --data-binary "{\"width\":28,\"height\":28,\"pixels\":[$pixels]}" -H 'Content-Type: application/json' "${url}predict")
if [ "$status" = 400 ] && grep -q '"error": *"[^"]*blank' "$work/blank.body"; then
  pass "a blank image (JSON pixels) gets 400 saying it is blank: $(cat "$work/blank.body")"
else
  fail "a blank image: status $status, $(answer blank)"
fi

for case in '{"width":28,"height":28}|missing \"pixels\"' '{"width":-1,"height":2,"pixels":[]}|whole numbers' \
            '{"width":1,"height":1,"pixels":[300]}|from 0 to 255' '{"width":|not valid JSON' '[1,2]|not a JSON object'; do
  body=${case%%|*}
  part=${case#*|}
  status=$(request json --data-binary "$body" -H 'Content-Type: application/json' "${url}predict")
  if [ "$status" = 400 ] && grep -qF "$part" "$work/json.body"; then
    pass "bad JSON body $body gets 400: $(cat "$work/json.body")"
  else
    fail "bad JSON body $body: status $status, $(answer json)"
  fi
done
status=$(request invert --data-binary "@$work/seven.pgm" "${url}predict?invert=maybe")
if [ "$status" = 400 ] && grep -q 'invert must be auto, yes or no' "$work/invert.body"; then
  pass "invert=maybe gets 400 naming the choices"
else
  fail "invert=maybe: status $status, $(answer invert)"
fi

head -c $((2 * 1024 * 1024)) /dev/zero > "$work/big.bin"
status=$(request big --data-binary "@$work/big.bin" -H 'Content-Type: image/png' "${url}predict")
if [ "$status" = 413 ]; then
  pass "a 2 MB body gets 413"
else
  fail "a 2 MB body: status $status, $(answer big)"
fi

# --- the page in a real browser
browser="$here/browser"
if command -v node > /dev/null && [ -x /usr/bin/chromium ] && [ -d "$browser/node_modules/playwright-core" ]; then
  timeout 90 node "$browser/serve_page_test.mjs" "$url" "$work/serve-page.png" > "$work/browser.txt" 2>&1
  code=$?
  cat "$work/browser.txt"
  if [ "$code" -eq 0 ]; then
    pass "the page in Chromium reads a drawn 1 and 0 (screenshot: $work/serve-page.png)"
  else
    fail "the page in Chromium: exit $code"
  fi
else
  fail "the browser test needs node, /usr/bin/chromium and $browser/node_modules/playwright-core: run scripts/install-deps"
fi

port=${url##*:}
port=${port%/}

# --- attacks: oversized, compressed and chunked bodies, header floods, slow clients, uploads
max_mb=300
ldd "$mnist" | grep -q libasan && max_mb=0  # AddressSanitizer's own memory is most of the process's
if python3 "$here/serve_attacks.py" "$port" "$server" "$work/seven.pgm" "$max_mb" > "$work/attacks.txt" 2>&1; then
  sed 's/^ok: /ok: attack: /' "$work/attacks.txt"
  pass "every attack on the server is answered as it should be"
else
  cat "$work/attacks.txt"
  fail "the server under attack (above)"
fi

# --- a second server on the same address: refused, naming it
expect_refusal "a port already in use" "127.0.0.1:$port: cannot listen there" \
  "$mnist" serve --model "$work/model.safetensors" --port "$port"

# --- stopping, with clients connected that never finish their requests
slow_clients=()
for _ in 1 2 3 4; do
  { exec 3<> "/dev/tcp/127.0.0.1/$port" && printf 'POST /predict HTTP/1.1\r\nX-Slow: 1\r\n' >&3 && sleep 30; } 2> /dev/null &
  slow_clients+=($!)
done
sleep 0.5
stop_started=$(date +%s%N)
stop_server
stop_ms=$((($(date +%s%N) - stop_started) / 1000000))
kill "${slow_clients[@]}" 2> /dev/null
if [ "$stop_ms" -lt 2000 ]; then
  pass "SIGTERM stops the server in $stop_ms ms with 4 unfinished requests connected"
else
  fail "SIGTERM with unfinished requests connected took $stop_ms ms"
fi
if [ "$server_code" -eq 0 ] && ! grep -q "terminate called\|Sanitizer\|what():" "$work/serve.err"; then
  pass "the server stops on SIGTERM with exit code 0"
else
  fail "stopping the server: exit $server_code, stderr: $(head -c 400 "$work/serve.err")"
fi

finish
