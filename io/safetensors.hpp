#pragma once
// The safetensors format: an 8-byte little-endian header length, a JSON header giving each
// tensor's dtype, shape and byte range, then the raw little-endian data. Readable by numpy and
// PyTorch tools. This reader follows the format's own safety rules: a bounded header, byte
// ranges that tile the data exactly (no gaps, overlaps or bytes past the end), dtype x shape
// matching each range, no duplicate names.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace io {

struct StoredTensor {
  std::string name;                // e.g. "layers.0.weight"
  std::string dtype;               // "F32" or "F64"
  std::vector<std::size_t> shape;  // e.g. {784, 128}
  std::vector<double> values;      // row-major, converted from dtype
};

struct Safetensors {
  std::map<std::string, std::string> metadata;  // __metadata__: string to string
  std::vector<StoredTensor> tensors;            // in file order

  // The tensor called `name`, or nullptr.
  const StoredTensor* find(const std::string& name) const;
};

// The file's bytes. Tensors are stored in the order given. Throws std::invalid_argument if a
// tensor's values do not match its shape or its dtype is not F32 or F64.
std::vector<std::uint8_t> encode_safetensors(const Safetensors& file);

// Checks and decodes; throws InputError naming `name`, the tensor and the problem.
Safetensors decode_safetensors(const std::vector<std::uint8_t>& bytes, const std::string& name);

// encode_safetensors, written atomically (write_file_atomically).
void write_safetensors(const std::string& path, const Safetensors& file);
// read_file + decode_safetensors.
Safetensors read_safetensors(const std::string& path);

}  // namespace io
