#include "io/safetensors.hpp"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "io/file_io.hpp"
#include "io/input_error.hpp"

namespace io {
namespace {

using json = nlohmann::json;

// The format is little-endian; so is every machine this project targets.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors I/O assumes a little-endian host");

// The reference implementation's limit on the JSON header.
constexpr std::uint64_t max_header_bytes = 100'000'000;

std::size_t element_size(const std::string& dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "F64") return 8;
  return 0;
}

void append_u64(std::vector<std::uint8_t>& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

template <class Float>
void append_values(std::vector<std::uint8_t>& out, const std::vector<double>& values) {
  for (double v : values) {
    const auto x = static_cast<Float>(v);
    std::uint8_t raw[sizeof(Float)];
    std::memcpy(raw, &x, sizeof(Float));
    out.insert(out.end(), raw, raw + sizeof(Float));
  }
}

template <class Float>
std::vector<double> read_values(const std::uint8_t* data, std::size_t count) {
  std::vector<double> values(count);
  for (std::size_t i = 0; i < count; ++i) {
    Float x;
    std::memcpy(&x, data + i * sizeof(Float), sizeof(Float));
    values[i] = x;
  }
  return values;
}

// How deep a header may nest and how long its arrays may be. A real header nests three deep
// ({"name": {"shape": [...]}}) and its longest array is a shape; without these bounds, 100 MB of
// "[" (the format's largest header) took 3.9 GB to parse.
constexpr int max_header_depth = 8;
constexpr std::size_t max_header_array = 64;
// And how many names it may hold in all: four per tensor, so a network of 2,500 tensors (1,250
// layers). Each name costs a map entry, and nlohmann's callback parser scans the enclosing
// object's members at the end of each member object -- quadratic: 100,000 names took 77 s.
constexpr std::size_t max_header_keys = 10'000;

// Parses the header, refusing duplicate keys anywhere (nlohmann would keep the last silently),
// and nesting or arrays beyond the bounds above -- refused as they open, so that memory stays a
// small multiple of the header's size.
json parse_header(const std::string& text, const std::string& name) {
  std::vector<std::set<std::string>> open_objects;  // the keys seen so far in each open object
  std::vector<std::size_t> open_arrays;             // the elements seen so far in each open array
  std::vector<bool> in_array;                       // for each open container: whether an array
  std::string duplicate;
  std::size_t keys = 0;
  auto on_event = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth > max_header_depth) input_error(name, "header nests deeper than " + std::to_string(max_header_depth));
    const bool starts_value = event == json::parse_event_t::value || event == json::parse_event_t::object_start ||
                              event == json::parse_event_t::array_start;
    if (starts_value && !in_array.empty() && in_array.back() && ++open_arrays.back() > max_header_array) {
      input_error(name, "header has an array longer than " + std::to_string(max_header_array));
    }
    if (event == json::parse_event_t::object_start) {
      open_objects.emplace_back();
      in_array.push_back(false);
    } else if (event == json::parse_event_t::object_end) {
      open_objects.pop_back();
      in_array.pop_back();
    } else if (event == json::parse_event_t::array_start) {
      open_arrays.push_back(0);
      in_array.push_back(true);
    } else if (event == json::parse_event_t::array_end) {
      open_arrays.pop_back();
      in_array.pop_back();
    } else if (event == json::parse_event_t::key && !open_objects.empty()) {
      if (++keys > max_header_keys)
        input_error(name, "header holds more than " + std::to_string(max_header_keys) + " names");
      const std::string key = parsed.get<std::string>();
      if (!open_objects.back().insert(key).second && duplicate.empty()) duplicate = key;
    }
    return true;
  };
  json header;
  try {
    header = json::parse(text, on_event);
  } catch (const json::exception& error) {
    input_error(name, std::string("header is not valid JSON: ") + error.what());
  }
  if (!duplicate.empty()) input_error(name, "header names '" + duplicate + "' twice");
  if (!header.is_object()) input_error(name, "header is not a JSON object");
  return header;
}

}  // namespace

const StoredTensor* Safetensors::find(const std::string& tensor_name) const {
  for (const StoredTensor& t : tensors) {
    if (t.name == tensor_name) return &t;
  }
  return nullptr;
}

std::vector<std::uint8_t> encode_safetensors(const Safetensors& file) {
  json header = json::object();
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::uint64_t offset = 0;
  for (const StoredTensor& t : file.tensors) {
    const std::size_t size = element_size(t.dtype);
    if (size == 0) throw std::invalid_argument(t.name + ": dtype " + t.dtype + " is not supported (F32 or F64)");
    std::size_t count = 1;
    for (std::size_t d : t.shape) count *= d;
    if (count != t.values.size()) {
      throw std::invalid_argument(t.name + ": " + std::to_string(t.values.size()) + " values for its shape");
    }
    header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", {offset, offset + count * size}}};
    offset += count * size;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // pad so the data starts 8-byte aligned

  std::vector<std::uint8_t> bytes;
  bytes.reserve(8 + text.size() + offset);
  append_u64(bytes, text.size());
  bytes.insert(bytes.end(), text.begin(), text.end());
  for (const StoredTensor& t : file.tensors) {
    if (t.dtype == "F32") {
      append_values<float>(bytes, t.values);
    } else {
      append_values<double>(bytes, t.values);
    }
  }
  return bytes;
}

Safetensors decode_safetensors(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  if (bytes.size() < 8)
    input_error(name, "too short for a safetensors file (" + std::to_string(bytes.size()) + " bytes)");
  std::uint64_t header_size = 0;
  for (int i = 7; i >= 0; --i) header_size = (header_size << 8) | bytes[static_cast<std::size_t>(i)];
  if (header_size > max_header_bytes || header_size > bytes.size() - 8) {
    input_error(name, "header length " + std::to_string(header_size) + " is larger than " +
                          (header_size > max_header_bytes ? "the format allows" : "the file") +
                          " (truncated or not a safetensors file)");
  }
  const std::string text(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(header_size));
  if (text.empty() || text[0] != '{') input_error(name, "header does not start with '{' (not a safetensors file)");
  const json header = parse_header(text, name);

  Safetensors file;
  const std::uint8_t* data = bytes.data() + 8 + header_size;
  const std::uint64_t data_size = bytes.size() - 8 - header_size;
  struct Entry {
    std::uint64_t begin, end;  // byte range in the data buffer
    StoredTensor tensor;
  };
  std::vector<Entry> entries;
  for (const auto& [key, entry] : header.items()) {
    if (key == "__metadata__") {
      if (!entry.is_object()) input_error(name, "__metadata__ is not an object");
      for (const auto& [field, value] : entry.items()) {
        if (!value.is_string()) input_error(name, "__metadata__ field '" + field + "' is not a string");
        file.metadata[field] = value.get<std::string>();
      }
      continue;
    }
    const std::string where = name + ": tensor '" + key + "'";
    if (!entry.is_object()) input_error(where, "entry is not an object");
    for (const auto& [field, value] : entry.items()) {
      if (field != "dtype" && field != "shape" && field != "data_offsets")
        input_error(where, "unknown field '" + field + "'");
    }
    if (!entry.contains("dtype") || !entry["dtype"].is_string()) input_error(where, "missing dtype");
    if (!entry.contains("shape") || !entry["shape"].is_array()) input_error(where, "missing shape");
    if (!entry.contains("data_offsets") || !entry["data_offsets"].is_array() || entry["data_offsets"].size() != 2 ||
        !entry["data_offsets"][0].is_number_unsigned() || !entry["data_offsets"][1].is_number_unsigned()) {
      input_error(where, "data_offsets must be two non-negative integers");
    }
    StoredTensor t;
    t.name = key;
    t.dtype = entry["dtype"].get<std::string>();
    const std::size_t size = element_size(t.dtype);
    if (size == 0) input_error(where, "dtype " + t.dtype + " is not supported (F32 or F64)");
    std::uint64_t count = 1;
    for (const json& d : entry["shape"]) {
      if (!d.is_number_unsigned()) input_error(where, "shape has an entry that is not a non-negative integer");
      const std::uint64_t dim = d.get<std::uint64_t>();
      if (dim != 0 && count > data_size / dim) input_error(where, "shape holds more elements than the file");
      count *= dim;
      t.shape.push_back(static_cast<std::size_t>(dim));
    }
    const std::uint64_t begin = entry["data_offsets"][0].get<std::uint64_t>();
    const std::uint64_t end = entry["data_offsets"][1].get<std::uint64_t>();
    if (begin > end || end > data_size) {
      input_error(where, "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                             "] lie outside the data (" + std::to_string(data_size) + " bytes)");
    }
    if (end - begin != count * size) {
      input_error(where, "data_offsets span " + std::to_string(end - begin) + " bytes, but " + t.dtype +
                             " with this shape needs " + std::to_string(count * size));
    }
    t.values = size == 4 ? read_values<float>(data + begin, count) : read_values<double>(data + begin, count);
    entries.push_back({begin, end, std::move(t)});
  }

  // The byte ranges must tile the data buffer: sorted, each starts where the last ended.
  std::sort(entries.begin(), entries.end(), [](const Entry& x, const Entry& y) { return x.begin < y.begin; });
  std::uint64_t expected = 0;
  for (Entry& e : entries) {
    if (e.begin != expected) {
      input_error(name + ": tensor '" + e.tensor.name + "'",
                  e.begin < expected ? "data overlaps another tensor's" : "data leaves a gap before it");
    }
    expected = e.end;
    file.tensors.push_back(std::move(e.tensor));  // in data order
  }
  if (expected != data_size) {
    input_error(name, std::to_string(data_size - expected) + " bytes after the last tensor's data");
  }
  return file;
}

void write_safetensors(const std::string& path, const Safetensors& file) {
  write_file_atomically(path, encode_safetensors(file));
}

Safetensors read_safetensors(const std::string& path) { return decode_safetensors(read_file(path), path); }

}  // namespace io
