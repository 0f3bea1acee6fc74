#pragma once
// Reading images -- PNG, JPEG, BMP and binary PGM/PPM -- as 8-bit grayscale.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vision {

struct GrayImage {
  std::size_t width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // height x width, row-major, 0 = black
};

// Largest image accepted, in pixels: checked from the header before anything is decoded.
constexpr std::size_t max_image_pixels = std::size_t{1} << 26;  // e.g. 8192 x 8192

// Decodes `path` to grayscale (colour is converted by luminance). Throws io::InputError naming the
// file when it cannot be read, is not an image, is corrupt or is too large.
GrayImage read_gray_image(const std::string& path);

// The same on a file's bytes already in memory; `name` is used in messages.
GrayImage decode_gray_image(const std::vector<std::uint8_t>& bytes, const std::string& name,
                            std::size_t max_pixels = max_image_pixels);

}  // namespace vision
