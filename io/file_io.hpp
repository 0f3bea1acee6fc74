#pragma once
// Whole-file reads (gzip undone transparently) and atomic writes.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace io {

// A regular file open for reading in parts: opened without blocking and refused when it is a
// folder, a FIFO, a device or a socket, or larger than `max_bytes` (InputError naming it).
class FileReader {
 public:
  FileReader(const std::string& path, std::size_t max_bytes);
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  ~FileReader();

  // The file's size when it was opened.
  std::size_t size() const { return size_; }
  // The next `count` bytes into `into`; throws InputError when the file ends first.
  void read(std::uint8_t* into, std::size_t count);

 private:
  std::string path_;
  int fd_;
  std::size_t size_;
};

// The file's bytes; a gzip file (by its magic number) is decompressed. Never allocates more
// than the file holds (raw) or than its data inflates to, up to `max_bytes`; throws InputError
// naming the file when it cannot be opened, is corrupt, or inflates past `max_bytes`.
std::vector<std::uint8_t> read_file(const std::string& path, std::size_t max_bytes = std::size_t{1} << 31);

// `bytes` decompressed if they are gzip data (by the magic number), else unchanged; `name` is
// used in messages. The same limits and errors as read_file.
std::vector<std::uint8_t> gunzip_if_compressed(std::vector<std::uint8_t> bytes, const std::string& name,
                                               std::size_t max_bytes = std::size_t{1} << 31);

// Why a file cannot be written at `path` -- it is a folder, a device, a FIFO or a socket, or
// its folder is missing, not a folder or not writable -- or "" when it can. A symbolic link is
// judged by the file it names.
std::string unwritable_reason(const std::string& path);

// Throws InputError naming `path` and unwritable_reason(path) unless it is "": what a tool
// calls for each file it will write, before the work that produces it.
void check_writable(const std::string& path);

// Writes `bytes` to a temporary file beside `path`, flushes it to disk and renames it over
// `path`, so that `path` holds either its old content or all of the new one, never a part. A
// symbolic link is followed (the file it names is replaced, the link stays), a special file
// is refused, and temporary files that killed writers left beside `path` are removed first.
// Throws std::runtime_error naming the path on failure (and removes the temporary file).
void write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes);

}  // namespace io
