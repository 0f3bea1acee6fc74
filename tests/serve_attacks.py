#!/usr/bin/env python3
"""`mnist serve` under attack, on loopback only, every attack bounded in time and bytes: bodies
sent chunked or compressed past the 1 MB limit, floods of header lines, slow and idle clients
that must not delay a normal request by more than a second, and uploads as curl sends them
(--data-binary with its form content type, -F file=@). Prints ok/FAIL lines; exit 1 on a failure.

  tests/serve_attacks.py PORT SERVER_PID DIGIT.pgm MAX_MB
DIGIT.pgm: MNIST's 28x28 test digit 0 (a 7); MAX_MB: the server's largest peak memory, 0 not to
check it (under AddressSanitizer, whose own memory is most of a process's).
"""
import gzip
import socket
import sys
import threading
import time

port, server_pid, digit_path, max_mb = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
HOST = "127.0.0.1"
failures = 0


def check(ok, what):
    global failures
    print(("ok: " if ok else "FAIL: ") + what, flush=True)
    failures += 0 if ok else 1


def exchange(head, body=b"", pause=0.0, chunk=1 << 16, timeout=20):
    """Sends head + body (in pieces of `chunk` bytes, `pause` s apart); returns (status, answer)."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        try:
            s.sendall(head)
            for i in range(0, len(body), chunk):
                s.sendall(body[i:i + chunk])
                if pause:
                    time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before it has everything: read what it said
        answer = b""
        try:
            while True:
                data = s.recv(65536)
                if not data:
                    break
                answer += data
        except (ConnectionResetError, socket.timeout):
            pass
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, answer


def peak_rss_mb():
    with open(f"/proc/{server_pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0


def post(body, headers=b""):
    return b"POST /predict HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n"


# The test digit (a 28x28 PGM) in the middle of a 120x120 black picture: 14 KB, past the 8 KB at
# which curl's form content type once met a smaller limit.
small = open(digit_path, "rb").read()
pixels = small[len(small) - 784:]
canvas = bytearray(120 * 120)
for row in range(28):
    canvas[(46 + row) * 120 + 46:(46 + row) * 120 + 74] = pixels[row * 28:(row + 1) * 28]
digit = b"P5\n120 120\n255\n" + bytes(canvas)

# --- bodies past the limit, however they are sent
def chunked(data, size=4096):
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


status, answer = exchange(post(b"", b"Transfer-Encoding: chunked\r\n"), chunked(bytes(2 << 20)))
check(status == 413 and b"chunked request body over the limit of 1048576 bytes" in answer,
      f"a 2 MB chunked body gets 413 with the limit: {answer[-120:]!r}")
bomb = gzip.compress(bytes(64 << 20))  # 64 MB of zeros in ~64 KB
status, answer = exchange(post(b"", b"Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n"), chunked(bomb))
check(status == 415 and b"Content-Encoding 'gzip' is not accepted" in answer,
      f"a chunked gzip bomb is refused unopened (415): {answer[-100:]!r}")
status, answer = exchange(post(b"", b"Content-Encoding: br\r\nContent-Length: %d\r\n" % len(bomb)), bomb)
check(status == 415, f"a brotli-labelled body is refused (415): {answer[-80:]!r}")
status, answer = exchange(post(b"", b"Content-Length: 3000000\r\nExpect: 100-continue\r\n"))
check(status == 413 and b"3000000 bytes is over the limit of 1048576 bytes (1 MB)" in answer,
      f"a declared 3 MB body is refused before it is sent, naming the real limit: {answer[-110:]!r}")

# --- malformed requests: answered, and the server goes on
status, answer = exchange(b"\r\n\r\n")
check(status == 400 and b"no request line" in answer, f"an empty request gets 400: {answer[-50:]!r}")
tiny_chunks = b"".join(b"1\r\nX\r\n" for _ in range(100_000)) + b"0\r\n\r\n"  # 100,000 one-byte chunks
start = time.monotonic()
status, answer = exchange(post(b"", b"Transfer-Encoding: chunked\r\n"), tiny_chunks, chunk=1 << 16)
check(status == 400 and b"not a readable image" in answer and time.monotonic() - start < 2,
      f"100,000 one-byte chunks are read in {time.monotonic() - start:.2f} s (< 2 s) and refused as no image")
deep = b"[" * 900_000
status, answer = exchange(post(b"", b"Content-Type: application/json\r\nContent-Length: %d\r\n" % (len(deep) + 10)),
                          b'{"pixels":' + deep)
check(status == 400 and b"nests deeper" in answer, f"a JSON body of 900,000 '[' gets 400: {answer[-70:]!r}")

# --- header floods
flood = b"".join(b"X-A: %s\r\n" % (b"a" * 100) for _ in range(3000))  # 300 KB of header lines
status, answer = exchange(b"GET / HTTP/1.1\r\nHost: x\r\n" + flood + b"\r\n")
check(status == 431, f"300 KB of header lines get 431: {answer[-90:]!r}")
many = b"".join(b"X-%d: 1\r\n" % i for i in range(100))
status, answer = exchange(b"GET / HTTP/1.1\r\n" + many + b"\r\n")
check(status == 431 and b"more than 64 header lines" in answer, f"100 short header lines get 431: {answer[-60:]!r}")

# --- slow and idle clients must not hold up a normal request
def slow_client(stop):
    try:
        with socket.create_connection((HOST, port), timeout=15) as s:
            s.sendall(b"POST /predict HTTP/1.1\r\n")
            while not stop.is_set():
                s.sendall(b"X-Slow: 1\r\n")
                stop.wait(1.0)
    except OSError:
        pass


def idle_client(stop):
    try:
        with socket.create_connection((HOST, port), timeout=15):
            stop.wait(12)
    except OSError:
        pass


stop = threading.Event()
clients = [threading.Thread(target=slow_client, args=(stop,)) for _ in range(32)]
clients += [threading.Thread(target=idle_client, args=(stop,)) for _ in range(40)]
for c in clients:
    c.start()
time.sleep(1.5)
start = time.monotonic()
status, answer = exchange(post(b"", b"Content-Type: image/x-portable-graymap\r\nContent-Length: %d\r\n" % len(digit)), digit)
elapsed = time.monotonic() - start
check(status == 200 and b'"digit":7' in answer and elapsed < 1.0,
      f"with 32 slow and 40 idle clients connected, a digit is read in {elapsed:.3f} s (< 1 s)")
start = time.monotonic()
status, answer = exchange(b"GET /", b"", timeout=20)  # a client that never finishes its request line
waited = time.monotonic() - start
check(status == 408 and waited < 12, f"a request never finished gets 408 after {waited:.1f} s")
stop.set()
for c in clients:
    c.join()

# --- more connections than the server takes (128): the next is turned away, not queued
held = []
try:
    for _ in range(128):
        held.append(socket.create_connection((HOST, port), timeout=15))
    time.sleep(0.3)
    status, answer = exchange(b"GET / HTTP/1.1\r\n\r\n")
    check(status == 503 and b"too many connections" in answer, f"a 129th connection gets 503: {answer[-50:]!r}")
finally:
    for s in held:
        s.close()
time.sleep(0.3)
status, answer = exchange(post(b"", b"Content-Type: image/x-portable-graymap\r\nContent-Length: %d\r\n" % len(digit)), digit)
check(status == 200 and b'"digit":7' in answer, "once they close, requests are answered again")

# --- uploads as curl sends them
form_type = b"Content-Type: application/x-www-form-urlencoded\r\n"  # curl --data-binary's default
status, answer = exchange(post(b"", form_type + b"Content-Length: %d\r\n" % len(digit)), digit)
check(status == 200 and b'"digit":7' in answer,
      f"a {len(digit)}-byte picture sent with the form content type (curl --data-binary) is read: {answer[-60:]!r}")
boundary = b"----backprop-test-boundary"
form = (b"--" + boundary + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\"digit.pgm\"\r\n"
        b"Content-Type: application/octet-stream\r\n\r\n" + digit + b"\r\n--" + boundary + b"--\r\n")
status, answer = exchange(post(b"", b"Content-Type: multipart/form-data; boundary=" + boundary +
                               b"\r\nContent-Length: %d\r\n" % len(form)), form)
check(status == 200 and b'"digit":7' in answer, f"a multipart upload (curl -F file=@digit.pgm) is read: {answer[-60:]!r}")

peak = peak_rss_mb()
if max_mb > 0:
    check(0 < peak <= max_mb, f"the server's peak memory through every attack: {peak:.0f} MB (<= {max_mb})")
else:
    print(f"(the server's peak memory, {peak:.0f} MB, is not checked under AddressSanitizer)")
sys.exit(1 if failures else 0)
