#include "vision/image_headers.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "io/input_error.hpp"

namespace vision::detail {
namespace {

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

void check_size(std::uint64_t width, std::uint64_t height, const std::string& name, std::size_t max_pixels) {
  if (width == 0 || height == 0 || width * height > max_pixels) {
    io::input_error(name, "image of " + std::to_string(width) + "x" + std::to_string(height) + " pixels is " +
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
      io::input_error(name, "PNG chunk " + std::string(reinterpret_cast<const char*>(&bytes[at + 4]), 4) + " claims " +
                                std::to_string(length) + " bytes, more than the file holds (truncated)");
    }
    at += 12 + length;
  }
}

// Binary PGM/PPM (P5/P6): the header read exactly as stb_image reads it (same whitespace,
// comments and end-of-file rules, so both see the same numbers), but refusing what stb_image
// mishandles: numbers that overflow an int, 16-bit samples, an empty or oversized image, and
// pixel data shorter than declared.
void check_pnm(const std::vector<std::uint8_t>& bytes, const std::string& name, std::size_t max_pixels) {
  std::size_t at = 2;
  auto at_end = [&] { return at >= bytes.size(); };
  auto next = [&]() -> char { return at_end() ? '\0' : static_cast<char>(bytes[at++]); };
  auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; };
  char c = next();
  auto skip_space_and_comments = [&] {
    for (;;) {
      while (!at_end() && is_space(c)) c = next();
      if (at_end() || c != '#') break;
      while (!at_end() && c != '\n' && c != '\r') c = next();
    }
  };
  auto read_number = [&] {
    std::uint64_t value = 0;
    int digits = 0;
    while (!at_end() && c >= '0' && c <= '9') {
      if (++digits > 9) io::input_error(name, "PGM/PPM header has a number too long to be a size or maxval");
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
      c = next();
    }
    return value;
  };
  skip_space_and_comments();
  const std::uint64_t width = read_number();
  skip_space_and_comments();
  const std::uint64_t height = read_number();
  skip_space_and_comments();
  const std::uint64_t maxval = read_number();
  check_size(width, height, name, max_pixels);
  if (maxval == 0 || maxval > 255) {
    io::input_error(name, "PGM/PPM maxval " + std::to_string(maxval) + " is not supported (8-bit images: 1-255)");
  }
  const std::uint64_t needed = width * height * (bytes[1] == '6' ? 3 : 1);
  if (bytes.size() - std::min(at, bytes.size()) < needed) {
    io::input_error(name, "PGM/PPM data is truncated: " + std::to_string(width) + "x" + std::to_string(height) +
                              " pixels need " + std::to_string(needed) + " bytes");
  }
}

std::uint32_t little_endian_u32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[3]} << 24);
}

// The BMP's size from its info header (a negative height means rows stored top-down), and, for
// uncompressed pixels, that the file holds every row its header promises: stb_image would read
// a truncated file without complaint, with the missing rows made up.
void check_bmp(const std::vector<std::uint8_t>& bytes, const std::string& name, std::size_t max_pixels) {
  if (bytes.size() < 26) io::input_error(name, "BMP header is truncated");
  const std::uint32_t data_offset = little_endian_u32(&bytes[10]);
  const std::uint32_t header_size = little_endian_u32(&bytes[14]);
  std::uint64_t width = 0, height = 0;
  std::uint32_t bits = 0, compression = 0;
  if (header_size == 12) {  // OS/2 1.x: 16-bit unsigned sizes
    width = bytes[18] | (bytes[19] << 8);
    height = bytes[20] | (bytes[21] << 8);
    bits = bytes[24] | (bytes[25] << 8);
  } else {
    if (bytes.size() < 34) io::input_error(name, "BMP header is truncated");
    auto magnitude = [](std::int32_t v) { return static_cast<std::uint64_t>(v < 0 ? -std::int64_t{v} : v); };
    width = magnitude(static_cast<std::int32_t>(little_endian_u32(&bytes[18])));
    height = magnitude(static_cast<std::int32_t>(little_endian_u32(&bytes[22])));
    bits = bytes[28] | (bytes[29] << 8);
    compression = little_endian_u32(&bytes[30]);
  }
  check_size(width, height, name, max_pixels);
  const bool uncompressed = compression == 0 || compression == 3;  // BI_RGB, BI_BITFIELDS
  if (!uncompressed || bits == 0 || bits > 32) return;             // what stb_image refuses, it refuses itself
  const std::uint64_t row_bytes = (bits * width + 31) / 32 * 4;    // rows are padded to 4 bytes
  const std::uint64_t needed = std::uint64_t{data_offset} + row_bytes * height;
  if (bytes.size() < needed) {
    io::input_error(name, "BMP data is truncated: its header promises " + std::to_string(needed) +
                              " bytes, the file has " + std::to_string(bytes.size()));
  }
}

}  // namespace

void check_image_header(const std::vector<std::uint8_t>& bytes, const std::string& name, std::size_t max_pixels) {
  if (is_png(bytes)) {
    check_png(bytes, name, max_pixels);
  } else if (bytes.size() >= 2 && bytes[0] == 'P' && (bytes[1] == '5' || bytes[1] == '6')) {
    check_pnm(bytes, name, max_pixels);
  } else if (bytes.size() >= 2 && bytes[0] == 'B' && bytes[1] == 'M') {
    check_bmp(bytes, name, max_pixels);
  }
}

}  // namespace vision::detail
