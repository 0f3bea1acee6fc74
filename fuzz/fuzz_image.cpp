// Arbitrary bytes as a picture of a digit: decoded (PNG, BMP, PGM/PPM through the bounded
// stb_image; JPEG through libjpeg-turbo) and, when that succeeds, prepared like MNIST. Bad input
// must end in nn::InputError.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/digit_preparation.hpp"
#include "nn/image.hpp"
#include "nn/input_error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    // A lower size limit than the tool's keeps each run fast; every code path is the same.
    const nn::GrayImage picture =
        nn::decode_gray_image(std::vector<std::uint8_t>(data, data + size), "fuzz", std::size_t{1} << 20);
    nn::prepare_digit(picture, nn::Invert::automatic, "fuzz");
  } catch (const nn::InputError&) {
  }
  return 0;
}
