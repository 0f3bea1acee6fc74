#include "nn/image.hpp"

#include <stb_image.h>

#include <cctype>
#include <cstring>
#include <memory>

#include "nn/file_io.hpp"
#include "nn/input_error.hpp"

namespace nn {

namespace {

struct DeclaredSize {
  std::uint64_t width = 0, height = 0;
  bool known = false;
};

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

// A PNG's size from its IHDR chunk, read before any decoding.
DeclaredSize png_size(const std::vector<std::uint8_t>& bytes) {
  static const std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (bytes.size() < 24 || std::memcmp(bytes.data(), signature, 8) != 0 || std::memcmp(&bytes[12], "IHDR", 4) != 0) {
    return {};
  }
  return {big_endian_u32(&bytes[16]), big_endian_u32(&bytes[20]), true};
}

// A binary PGM/PPM (P5/P6): its size, after checking that the file holds all its pixels
// (stb_image would read a short file without complaint).
DeclaredSize pnm_size(const std::vector<std::uint8_t>& bytes, const std::string& path) {
  if (bytes.size() < 2 || bytes[0] != 'P' || (bytes[1] != '5' && bytes[1] != '6')) return {};
  std::size_t at = 2;
  std::uint64_t fields[3] = {0, 0, 0};  // width, height, maxval
  for (std::uint64_t& field : fields) {
    while (at < bytes.size() && (std::isspace(bytes[at]) != 0 || bytes[at] == '#')) {
      if (bytes[at] == '#') {
        while (at < bytes.size() && bytes[at] != '\n') ++at;
      } else {
        ++at;
      }
    }
    if (at >= bytes.size() || std::isdigit(bytes[at]) == 0) input_error(path, "PGM/PPM header is malformed");
    while (at < bytes.size() && std::isdigit(bytes[at]) != 0 && field < (std::uint64_t{1} << 40)) {
      field = field * 10 + static_cast<std::uint64_t>(bytes[at++] - '0');
    }
  }
  ++at;  // the single whitespace before the pixels
  const std::uint64_t channels = bytes[1] == '6' ? 3 : 1, bytes_per_sample = fields[2] > 255 ? 2 : 1;
  const DeclaredSize size{fields[0], fields[1], true};
  if (size.width * size.height <= max_image_pixels &&
      (at > bytes.size() || bytes.size() - at < size.width * size.height * channels * bytes_per_sample)) {
    input_error(path, "PGM/PPM data is truncated: " + std::to_string(size.width) + "x" + std::to_string(size.height) +
                          " pixels need " + std::to_string(size.width * size.height * channels * bytes_per_sample) +
                          " bytes");
  }
  return size;
}

}  // namespace

GrayImage read_gray_image(const std::string& path) {
  const std::vector<std::uint8_t> bytes = read_file(path, std::size_t{1} << 28);
  if (bytes.empty()) input_error(path, "empty file");
  DeclaredSize declared = png_size(bytes);
  if (!declared.known) declared = pnm_size(bytes, path);
  if (declared.known &&
      (declared.width == 0 || declared.height == 0 || declared.width * declared.height > max_image_pixels)) {
    input_error(path, "image of " + std::to_string(declared.width) + "x" + std::to_string(declared.height) +
                          " pixels is " + (declared.width * declared.height == 0 ? "empty" : "too large"));
  }
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
