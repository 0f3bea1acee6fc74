#include "io/idx.hpp"

#include <cstdio>

#include "io/file_io.hpp"
#include "io/input_error.hpp"

namespace io {
namespace {

constexpr std::uint8_t unsigned_byte_type = 0x08;
constexpr std::size_t max_dimensions = 4;

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

std::string describe(const std::vector<std::uint32_t>& dims) {
  std::string text;
  for (std::uint32_t d : dims) text += (text.empty() ? "" : "x") + std::to_string(d);
  return text;
}

}  // namespace

IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  if (bytes.size() < 4) input_error(name, "too short for an IDX header (" + std::to_string(bytes.size()) + " bytes)");
  if (bytes[0] != 0 || bytes[1] != 0) {
    char magic[16];
    std::snprintf(magic, sizeof magic, "%02x %02x %02x %02x", bytes[0], bytes[1], bytes[2], bytes[3]);
    input_error(name, std::string("not an IDX file (magic bytes ") + magic + ", expected 00 00 08 0N)");
  }
  if (bytes[2] != unsigned_byte_type) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", bytes[2]);
    input_error(name, std::string("unsupported IDX element type ") + type + " (only unsigned bytes, 0x08)");
  }
  const std::size_t ndims = bytes[3];
  if (ndims == 0 || ndims > max_dimensions) {
    input_error(name, "IDX header claims " + std::to_string(ndims) + " dimensions (expected 1 to " +
                          std::to_string(max_dimensions) + ")");
  }
  const std::size_t header = 4 + 4 * ndims;
  if (bytes.size() < header) input_error(name, "truncated inside the IDX header");

  IdxArray array;
  for (std::size_t k = 0; k < ndims; ++k) array.dims.push_back(big_endian_u32(&bytes[4 + 4 * k]));
  // The element count, compared with what the file holds without ever overflowing: a header
  // may claim 2^32 x 2^32 elements.
  const std::uint64_t available = bytes.size() - header;
  std::uint64_t count = 1;
  bool claims_more = false;
  for (std::uint32_t d : array.dims) {
    if (d != 0 && count > available / d) claims_more = true;
    count = claims_more ? count : count * d;
  }
  if (claims_more || count != available) {
    input_error(name, "header says " + describe(array.dims) + " elements, but the file holds " +
                          std::to_string(available) + " bytes of data" +
                          (claims_more || count > available ? ": truncated" : ": trailing bytes"));
  }
  array.values.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

IdxArray read_idx(const std::string& path) { return parse_idx(read_file(path), path); }

}  // namespace io
