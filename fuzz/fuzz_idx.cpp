// Arbitrary bytes as an MNIST data file: gzip undone if present, then the IDX parser. Bad input
// must end in io::InputError, never a crash, a sanitizer report or an oversized allocation.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/file_io.hpp"
#include "io/idx.hpp"
#include "io/input_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const std::vector<std::uint8_t> bytes =
        io::gunzip_if_compressed(std::vector<std::uint8_t>(data, data + size), "fuzz", std::size_t{64} << 20);
    io::parse_idx(bytes, "fuzz");
  } catch (const io::InputError&) {
  }
  return 0;
}
