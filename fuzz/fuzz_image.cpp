// Arbitrary bytes as a digit image (PNG, PGM, JPEG, BMP, ... through stb_image). Bad input must
// end in nn::InputError.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/image.hpp"
#include "nn/input_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    // A lower size limit than the tool's keeps each run fast; every code path is the same.
    nn::decode_gray_image(std::vector<std::uint8_t>(data, data + size), "fuzz", std::size_t{1} << 20);
  } catch (const nn::InputError&) {
  }
  return 0;
}
