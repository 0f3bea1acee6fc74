#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds tests/consumer against it with
# find_package(backprop CONFIG REQUIRED), and runs it: the loss must fall on both engines.
#   tests/consumer_test.sh BUILD_DIR SOURCE_DIR [FLAGS]
# FLAGS (compile and link) are those the installed libraries need, e.g. sanitizer options.
set -eu
build=$1
source=$2
flags=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
test -f "$work/prefix/lib/cmake/backprop/backpropConfigVersion.cmake"
test -x "$work/prefix/bin/mnist"
test -f "$work/prefix/include/backprop/nn/mlp.hpp"
cmake -S "$source/tests/consumer" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" > "$work/configure.log"
cmake --build "$work/build" -j2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/build/consumer"
