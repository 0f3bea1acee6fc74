#pragma once
// Writing PNG pictures (stb_image_write from Debian's libstb-dev), atomically.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vision {

// Writes width x height pixels of `channels` bytes each (1 gray, 3 RGB), row-major, as a PNG at
// `path` through write_file_atomically. Throws std::runtime_error naming the path on failure.
void write_png(const std::string& path, std::size_t width, std::size_t height, int channels,
               const std::vector<std::uint8_t>& pixels);

}  // namespace vision
