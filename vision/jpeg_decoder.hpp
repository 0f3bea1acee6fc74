#pragma once
// Internal to image reading: JPEG through libjpeg-turbo (the system's decoder, fuzzed by its
// own project), read as 8-bit grayscale with the declared size checked before any pixel is
// decoded.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vision/image.hpp"

namespace vision::detail {

// A JPEG starts with an SOI marker followed by another marker.
bool is_jpeg(const std::vector<std::uint8_t>& bytes);

// Throws io::InputError naming `name` when the JPEG is corrupt or truncated (including data that
// libjpeg would decode past with a warning, filling it with gray), declares more than
// max_pixels pixels, or is in a colour space without a grayscale conversion (CMYK).
GrayImage decode_jpeg_gray(const std::vector<std::uint8_t>& bytes, const std::string& name, std::size_t max_pixels);

}  // namespace vision::detail
