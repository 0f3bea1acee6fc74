# Shared by the end-to-end test scripts (sourced): record checks, and finish with the right
# exit status.
failures=0
pass() { echo "ok: $1"; }
fail() { echo "FAIL: $1"; failures=$((failures + 1)); }
# expect_refusal DESCRIPTION MESSAGE-PART COMMAND...: the command must exit 2 within 60 s with
# MESSAGE-PART on stderr, and never with "terminate called", an uncaught exception's what() or
# a sanitizer report. Needs $work, a scratch folder.
expect_refusal() {
  local description=$1 part=$2
  shift 2
  timeout 60 "$@" > "$work/out.txt" 2> "$work/err.txt"
  local code=$?
  if [ "$code" -eq 2 ] && grep -qF -- "$part" "$work/err.txt" &&
     ! grep -q "terminate called\|Sanitizer\|what():" "$work/err.txt"; then
    pass "$description"
  else
    fail "$description: exit $code, stderr: $(head -c 400 "$work/err.txt")"
  fi
}

finish() {
  if [ "$failures" -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
