#include "nn/image_headers.hpp"

#include <cctype>
#include <cstring>

#include "nn/input_error.hpp"

namespace nn::detail {
namespace {

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

void check_size(std::uint64_t width, std::uint64_t height, const std::string& name, std::size_t max_pixels) {
  if (width == 0 || height == 0 || width * height > max_pixels) {
    input_error(name, "image of " + std::to_string(width) + "x" + std::to_string(height) + " pixels is " +
                          (width * height == 0 ? "empty" : "too large"));
  }
}

bool is_png(const std::vector<std::uint8_t>& bytes) {
  static const std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  return bytes.size() >= 8 && std::memcmp(bytes.data(), signature, 8) == 0;
}

// The PNG's IHDR size, and chunk lengths that fit in the file: stb_image allocates a chunk's
// claimed length before it reads it.
void check_png(const std::vector<std::uint8_t>& bytes, const std::string& name, std::size_t max_pixels) {
  if (bytes.size() < 33 || std::memcmp(&bytes[12], "IHDR", 4) != 0) return;  // the decoder will say what is wrong
  check_size(big_endian_u32(&bytes[16]), big_endian_u32(&bytes[20]), name, max_pixels);
  for (std::size_t at = 8; at + 12 <= bytes.size();) {
    const std::uint64_t length = big_endian_u32(&bytes[at]);
    if (length > bytes.size() - at - 12) {
      input_error(name, "PNG chunk " + std::string(reinterpret_cast<const char*>(&bytes[at + 4]), 4) + " claims " +
                            std::to_string(length) + " bytes, more than the file holds (truncated)");
    }
    at += 12 + length;
  }
}

// Binary PGM/PPM (P5/P6): the declared size, and that every pixel is in the file.
void check_pnm(const std::vector<std::uint8_t>& bytes, const std::string& name, std::size_t max_pixels) {
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
    if (at >= bytes.size() || std::isdigit(bytes[at]) == 0) input_error(name, "PGM/PPM header is malformed");
    while (at < bytes.size() && std::isdigit(bytes[at]) != 0 && field < (std::uint64_t{1} << 40)) {
      field = field * 10 + static_cast<std::uint64_t>(bytes[at++] - '0');
    }
  }
  ++at;  // the single whitespace before the pixels
  check_size(fields[0], fields[1], name, max_pixels);
  const std::uint64_t channels = bytes[1] == '6' ? 3 : 1, bytes_per_sample = fields[2] > 255 ? 2 : 1;
  const std::uint64_t needed = fields[0] * fields[1] * channels * bytes_per_sample;
  if (at > bytes.size() || bytes.size() - at < needed) {
    input_error(name, "PGM/PPM data is truncated: " + std::to_string(fields[0]) + "x" + std::to_string(fields[1]) +
                          " pixels need " + std::to_string(needed) + " bytes");
  }
}

}  // namespace

void check_image_header(const std::vector<std::uint8_t>& bytes, const std::string& name, std::size_t max_pixels) {
  if (is_png(bytes)) {
    check_png(bytes, name, max_pixels);
  } else if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '6')) {
    check_pnm(bytes, name, max_pixels);
  }
}

}  // namespace nn::detail
