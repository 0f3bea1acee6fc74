#include "vision/image.hpp"

#include <stb_image.h>

#include <cstdlib>
#include <memory>

#include "io/file_io.hpp"
#include "io/input_error.hpp"
#include "vision/image_headers.hpp"
#include "vision/jpeg_decoder.hpp"
#include "vision/stb_image_bounded.hpp"

namespace vision {

GrayImage read_gray_image(const std::string& path) {
  return decode_gray_image(io::read_file(path, std::size_t{1} << 28), path);
}

GrayImage decode_gray_image(const std::vector<std::uint8_t>& bytes, const std::string& path, std::size_t max_pixels) {
  if (bytes.empty()) io::input_error(path, "empty file");
  if (detail::is_jpeg(bytes)) return detail::decode_jpeg_gray(bytes, path, max_pixels);
  detail::check_image_header(bytes, path, max_pixels);
  const auto size = static_cast<int>(bytes.size());
  int width = 0, height = 0, channels = 0;
  if (stbi_info_from_memory(bytes.data(), size, &width, &height, &channels) == 0) {
    io::input_error(path, std::string("not a readable image (") + stbi_failure_reason() + ")");
  }
  height = std::abs(height);  // stb_image reports a top-down BMP's height as stored: negative
  if (width <= 0 || height <= 0 || static_cast<std::size_t>(width) * static_cast<std::size_t>(height) > max_pixels) {
    io::input_error(path, "image of " + std::to_string(width) + "x" + std::to_string(height) + " pixels is too large");
  }
  // The largest buffer a genuine image of this size needs: 16-bit samples, 4 channels, plus a
  // filter byte per row, with room to spare. Anything bigger is a lie of the file's.
  const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  const detail::StbAllocationLimit limit(16 * pixels + 16 * static_cast<std::size_t>(height) + (std::size_t{1} << 20));
  std::unique_ptr<stbi_uc, void (*)(void*)> decoded(
      stbi_load_from_memory(bytes.data(), size, &width, &height, &channels, /*desired channels=*/1), stbi_image_free);
  if (!decoded) {
    const std::string reason = stbi_failure_reason();
    io::input_error(path, reason == "outofmem"
                              ? "corrupt image (its data needs more memory than the " + std::to_string(width) + "x" +
                                    std::to_string(height) + " pixels it declares)"
                              : "corrupt image (" + reason + ")");
  }
  GrayImage image;
  image.width = static_cast<std::size_t>(width);
  image.height = static_cast<std::size_t>(height);
  image.pixels.assign(decoded.get(), decoded.get() + image.width * image.height);
  return image;
}

}  // namespace vision
