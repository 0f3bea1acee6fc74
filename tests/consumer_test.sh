#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds and runs tests/consumer against it once
# per component -- find_package(backprop CONFIG REQUIRED COMPONENTS X), linking backprop::X
# alone -- for autograd, tensor, nn, io, vision and mnist. Each consumer checks a result of its own.
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
test -f "$work/prefix/include/backprop/vision/image.hpp"
# Installed programs name the installed gdb printers, not the checkout's.
readelf -p .debug_gdb_scripts "$work/prefix/bin/mnist" | grep -q "$work/prefix/share/backprop/gdb/backprop_printers.py" ||
  { echo "installed mnist does not name $work/prefix/share/backprop/gdb/backprop_printers.py"; exit 1; }
for component in autograd tensor nn io vision mnist; do
  build_dir=$work/build-$component
  cmake -S "$source/tests/consumer" -B "$build_dir" -DCOMPONENT="$component" -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" > "$work/configure.log" 2>&1 ||
    { cat "$work/configure.log"; exit 1; }
  cmake --build "$build_dir" --parallel "$(nproc)" > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
  (cd "$work" && "$build_dir/consumer")
done
