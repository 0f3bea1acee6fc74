#pragma once
// Whole-file reads (gzip undone transparently) and atomic writes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace io {

// The file's bytes; a gzip file (by its magic number) is decompressed. Never allocates more
// than the file holds (raw) or than its data inflates to, up to `max_bytes`; throws InputError
// naming the file when it cannot be opened, is corrupt, or inflates past `max_bytes`.
std::vector<std::uint8_t> read_file(const std::string& path, std::size_t max_bytes = std::size_t{1} << 31);

// `bytes` decompressed if they are gzip data (by the magic number), else unchanged; `name` is
// used in messages. The same limits and errors as read_file.
std::vector<std::uint8_t> gunzip_if_compressed(std::vector<std::uint8_t> bytes, const std::string& name,
                                               std::size_t max_bytes = std::size_t{1} << 31);

// Writes `bytes` to a temporary file beside `path`, flushes it to disk and renames it over
// `path`, so that `path` holds either its old content or all of the new one, never a part.
// Throws std::runtime_error naming the path on failure (and removes the temporary file).
void write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes);

}  // namespace io
