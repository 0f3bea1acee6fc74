// Arbitrary bytes as a picture of a digit: decoded (PNG, BMP, PGM/PPM through the bounded
// stb_image; JPEG through libjpeg-turbo) and, when that succeeds, prepared like MNIST. Bad input
// must end in io::InputError.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/input_error.hpp"
#include "vision/digit_preparation.hpp"
#include "vision/image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    // A lower size limit than the tool's keeps each run fast; every code path is the same.
    const vision::GrayImage picture =
        vision::decode_gray_image(std::vector<std::uint8_t>(data, data + size), "fuzz", std::size_t{1} << 20);
    vision::prepare_digit(picture, vision::Invert::automatic, "fuzz");
  } catch (const io::InputError&) {
  }
  return 0;
}
