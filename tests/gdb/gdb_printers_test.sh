#!/usr/bin/env bash
# Runs gdb in batch mode with a command file and checks the pretty-printed output, so the
# printers cannot rot.
#   tests/gdb/gdb_printers_test.sh SOURCE_DIR PROGRAM COMMANDS.gdb EXPECTED-LINE...
set -u
source_dir=$1 program=$2 commands=$3
shift 3
output=$(gdb -nx -batch -iex "add-auto-load-safe-path $source_dir" -x "$commands" "$program" 2>&1)
failures=0
for expected in "$@"; do
  if grep -qF -- "$expected" <<< "$output"; then
    echo "ok: $expected"
  else
    echo "MISSING: $expected"
    failures=$((failures + 1))
  fi
done
if [ "$failures" -ne 0 ]; then
  echo "--- gdb printed:"
  echo "$output"
  exit 1
fi
