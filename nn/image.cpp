#include "nn/image.hpp"

#include <stb_image.h>

#include <memory>

#include "nn/file_io.hpp"
#include "nn/input_error.hpp"

namespace nn {

GrayImage read_gray_image(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file(path, std::size_t{1} << 28);
  if (bytes.empty()) input_error(path, "empty file");
  const auto size = static_cast<int>(bytes.size());
  int width = 0, height = 0, channels = 0;
  if (stbi_info_from_memory(bytes.data(), size, &width, &height, &channels) == 0) {
    input_error(path, std::string("not a readable image (") + stbi_failure_reason() + ")");
  }
  if (width <= 0 || height <= 0 ||
      static_cast<std::size_t>(width) * static_cast<std::size_t>(height) > max_image_pixels) {
    input_error(path, "image of " + std::to_string(width) + "x" + std::to_string(height) + " pixels is too large");
  }
  std::unique_ptr<stbi_uc, void (*)(void*)> decoded(
      stbi_load_from_memory(bytes.data(), size, &width, &height, &channels, /*desired channels=*/1), stbi_image_free);
  if (!decoded) input_error(path, std::string("corrupt image (") + stbi_failure_reason() + ")");
  GrayImage image;
  image.width = static_cast<std::size_t>(width);
  image.height = static_cast<std::size_t>(height);
  image.pixels.assign(decoded.get(), decoded.get() + image.width * image.height);
  return image;
}

}  // namespace nn
