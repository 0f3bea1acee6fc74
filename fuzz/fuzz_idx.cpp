// Arbitrary bytes as an MNIST data file: gzip undone if present, then the IDX parser. Bad input
// must end in nn::InputError, never a crash, a sanitizer report or an oversized allocation.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/file_io.hpp"
#include "nn/idx.hpp"
#include "nn/input_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const std::vector<std::uint8_t> bytes =
        nn::gunzip_if_compressed(std::vector<std::uint8_t>(data, data + size), "fuzz", std::size_t{64} << 20);
    nn::parse_idx(bytes, "fuzz");
  } catch (const nn::InputError&) {
  }
  return 0;
}
