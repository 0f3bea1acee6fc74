#include "vision/png_file.hpp"

#include <stdexcept>

#include "io/file_io.hpp"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STBI_WRITE_NO_STDIO  // encoded to memory, then written atomically
#include <stb_image_write.h>

namespace vision {
namespace {

void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<std::uint8_t>*>(context);
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  out->insert(out->end(), bytes, bytes + size);
}

}  // namespace

void write_png(const std::string& path, std::size_t width, std::size_t height, int channels,
               const std::vector<std::uint8_t>& pixels) {
  if (pixels.size() != width * height * static_cast<std::size_t>(channels)) {
    throw std::invalid_argument(path + ": " + std::to_string(pixels.size()) + " bytes for a " + std::to_string(width) +
                                "x" + std::to_string(height) + " picture");
  }
  std::vector<std::uint8_t> encoded;
  if (stbi_write_png_to_func(append_bytes, &encoded, static_cast<int>(width), static_cast<int>(height), channels,
                             pixels.data(), static_cast<int>(width) * channels) == 0) {
    throw std::runtime_error(path + ": PNG encoding failed");
  }
  io::write_file_atomically(path, encoded);
}

}  // namespace vision
