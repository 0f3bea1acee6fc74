#include "io/idx.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "io/file_io.hpp"
#include "io/input_error.hpp"

namespace io {
namespace {

constexpr std::uint8_t unsigned_byte_type = 0x08;
constexpr std::size_t max_dimensions = 4;

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

constexpr std::size_t header_bytes(std::size_t dimensions) { return 4 + 4 * dimensions; }

// The largest file read_idx reads, and the most a gzip file may inflate to (MNIST's largest,
// the train images, is 47 MB).
constexpr std::size_t max_file_bytes = std::size_t{1} << 31;

std::string describe(const std::vector<std::uint32_t>& dims) {
  std::string text;
  for (std::uint32_t d : dims) text += (text.empty() ? "" : "x") + std::to_string(d);
  return text;
}

// The dimensions an IDX file's header gives, checked against the file's `total` length. `head`
// holds the file's first bytes: all of its header, or all of the file when it is shorter.
// Throws InputError naming `name`.
std::vector<std::uint32_t> checked_dims(const std::uint8_t* head, std::uint64_t total, const std::string& name) {
  if (total < 4) input_error(name, "too short for an IDX header (" + std::to_string(total) + " bytes)");
  if (head[0] != 0 || head[1] != 0) {
    char magic[16];
    std::snprintf(magic, sizeof magic, "%02x %02x %02x %02x", head[0], head[1], head[2], head[3]);
    input_error(name, std::string("not an IDX file (magic bytes ") + magic + ", expected 00 00 08 0N)");
  }
  if (head[2] != unsigned_byte_type) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", head[2]);
    input_error(name, std::string("unsupported IDX element type ") + type + " (only unsigned bytes, 0x08)");
  }
  const std::size_t ndims = head[3];
  if (ndims == 0 || ndims > max_dimensions) {
    input_error(name, "IDX header claims " + std::to_string(ndims) + " dimensions (expected 1 to " +
                          std::to_string(max_dimensions) + ")");
  }
  const std::size_t header = header_bytes(ndims);
  if (total < header) input_error(name, "truncated inside the IDX header");

  std::vector<std::uint32_t> dims;
  for (std::size_t k = 0; k < ndims; ++k) dims.push_back(big_endian_u32(&head[4 + 4 * k]));
  // The element count, compared with what the file holds without ever overflowing: a header
  // may claim 2^32 x 2^32 elements.
  const std::uint64_t available = total - header;
  std::uint64_t count = 1;
  bool claims_more = false;
  for (std::uint32_t d : dims) {
    if (d != 0 && count > available / d) claims_more = true;
    count = claims_more ? count : count * d;
  }
  if (claims_more || count != available) {
    input_error(name, "header says " + describe(dims) + " elements, but the file holds " + std::to_string(available) +
                          " bytes of data" + (claims_more || count > available ? ": truncated" : ": trailing bytes"));
  }
  return dims;
}

void make_room(std::vector<std::uint8_t>& values, std::size_t count, const IdxStorage& storage) {
  if (!storage) {
    values.resize(count);
    return;
  }
  storage(values, count);
  if (values.size() != count) {
    throw std::logic_error("read_idx: the storage given made room for " + std::to_string(values.size()) +
                           " elements, not " + std::to_string(count));
  }
}

}  // namespace

IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  IdxArray array;
  array.dims = checked_dims(bytes.data(), bytes.size(), name);
  array.values.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header_bytes(array.dims.size())), bytes.end());
  return array;
}

IdxArray read_idx(const std::string& path, const IdxStorage& storage) {
  FileReader file(path, max_file_bytes);
  std::uint8_t head[header_bytes(max_dimensions)] = {};
  const std::size_t first = std::min<std::size_t>(4, file.size());
  file.read(head, first);
  if (first >= 2 && head[0] == 0x1f && head[1] == 0x8b) {  // gzip: inflated whole, then parsed
    std::vector<std::uint8_t> compressed(file.size());
    std::copy(head, head + first, compressed.begin());
    file.read(compressed.data() + first, compressed.size() - first);
    IdxArray parsed = parse_idx(gunzip_if_compressed(std::move(compressed), path, max_file_bytes), path);
    if (!storage) return parsed;
    IdxArray array{parsed.dims, {}};
    make_room(array.values, parsed.values.size(), storage);
    std::copy(parsed.values.begin(), parsed.values.end(), array.values.begin());
    return array;
  }
  // Raw: the header is checked against the file's length before the elements get any memory.
  const std::size_t ndims = first == 4 ? std::min<std::size_t>(head[3], max_dimensions) : 0;
  const std::size_t head_bytes = std::min(header_bytes(ndims), file.size());
  if (head_bytes > first) file.read(head + first, head_bytes - first);
  IdxArray array;
  array.dims = checked_dims(head, file.size(), path);
  make_room(array.values, file.size() - header_bytes(array.dims.size()), storage);
  file.read(array.values.data(), array.values.size());
  return array;
}

}  // namespace io
