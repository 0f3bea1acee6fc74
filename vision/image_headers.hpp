#pragma once
// Internal to image reading: what a PNG, BMP or PGM/PPM file declares about itself, checked before
// any pixel is decoded (stb_image trusts these more than a reader of untrusted files should).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vision::detail {

// Throws io::InputError naming `name` when a PNG, BMP or PGM/PPM declares an empty image or more than
// max_pixels pixels, when a PNG chunk claims more bytes than the file holds, or when a binary
// PGM/PPM holds fewer pixels than it declares. Other formats pass unchecked, to the decoder
// (whose allocations are bounded anyway: stb_image_bounded.hpp).
void check_image_header(const std::vector<std::uint8_t>& bytes, const std::string& name, std::size_t max_pixels);

}  // namespace vision::detail
