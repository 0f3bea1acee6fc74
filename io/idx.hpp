#pragma once
// The IDX format of the MNIST files: a 4-byte magic (0, 0, element type, number of
// dimensions), each dimension as a big-endian 32-bit count, then the elements, row-major.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace io {

struct IdxArray {
  std::vector<std::uint32_t> dims;   // e.g. {60000, 28, 28}
  std::vector<std::uint8_t> values;  // product(dims) unsigned bytes
};

// Gives `values` room for `count` elements (values.size() == count afterwards): how a caller
// places the elements, e.g. on huge pages.
using IdxStorage = std::function<void(std::vector<std::uint8_t>& values, std::size_t count)>;

// Reads an IDX file of unsigned bytes (element type 0x08), raw or gzip-compressed. Checks the
// magic, the dimensions and that the data is exactly as long as they say; throws InputError
// naming the file and the problem. A raw file's header is checked against its length before
// its elements get any memory, and they are read straight into their storage (`storage`, or a
// plain resize), with no copy of the file in between; a gzip file is inflated first, to at
// most 2 GiB.
IdxArray read_idx(const std::string& path, const IdxStorage& storage = {});

// The same on bytes already in memory; `name` is used in messages.
IdxArray parse_idx(const std::vector<std::uint8_t>& bytes, const std::string& name);

}  // namespace io
