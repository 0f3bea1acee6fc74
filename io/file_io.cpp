#include "io/file_io.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "io/input_error.hpp"

namespace io {
namespace {

bool is_gzip(const std::vector<std::uint8_t>& bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

// Inflates a whole gzip stream (or several concatenated ones) into memory, growing the output
// only as data actually arrives.
std::vector<std::uint8_t> gunzip(const std::vector<std::uint8_t>& compressed, const std::string& path,
                                 std::size_t max_bytes) {
  z_stream stream{};
  if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) input_error(path, "cannot start gzip decompression");
  stream.next_in = const_cast<Bytef*>(compressed.data());
  stream.avail_in = static_cast<uInt>(compressed.size());
  std::vector<std::uint8_t> out;
  std::uint8_t chunk[1 << 16];
  int status = Z_OK;
  while (true) {
    stream.next_out = chunk;
    stream.avail_out = sizeof chunk;
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) break;
    const std::size_t produced = sizeof chunk - stream.avail_out;
    if (out.size() + produced > max_bytes) {
      inflateEnd(&stream);
      input_error(path, "decompresses to more than " + std::to_string(max_bytes) + " bytes");
    }
    out.insert(out.end(), chunk, chunk + produced);
    if (status == Z_STREAM_END) {
      if (stream.avail_in == 0) break;
      inflateReset(&stream);  // another gzip member follows
    } else if (produced == 0 && stream.avail_in == 0) {
      status = Z_BUF_ERROR;  // input ended inside the stream
      break;
    }
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END) {
    input_error(path, std::string("corrupt or truncated gzip data") +
                          (stream.msg != nullptr ? std::string(" (") + stream.msg + ")" : std::string()));
  }
  return out;
}

}  // namespace

std::vector<std::uint8_t> read_file(const std::string& path, std::size_t max_bytes) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) input_error(path, std::string("cannot open: ") + std::strerror(errno));
  const std::streamoff size = file.tellg();
  if (size < 0) input_error(path, "cannot determine the file's size");
  if (static_cast<std::uint64_t>(size) > max_bytes) {
    input_error(path, "file is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  file.seekg(0);
  file.read(reinterpret_cast<char*>(bytes.data()), size);
  if (!file) input_error(path, "read error");
  return gunzip_if_compressed(std::move(bytes), path, max_bytes);
}

std::vector<std::uint8_t> gunzip_if_compressed(std::vector<std::uint8_t> bytes, const std::string& name,
                                               std::size_t max_bytes) {
  if (is_gzip(bytes)) return gunzip(bytes, name, max_bytes);
  return bytes;
}

void write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  auto fail = [&](const std::string& what) {
    const std::string reason = std::strerror(errno);
    std::remove(temporary.c_str());
    throw std::runtime_error(path + ": " + what + ": " + reason);
  };
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail("cannot create temporary file " + temporary);
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      fail("write failed");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("fsync failed");
  }
  if (::close(fd) != 0) fail("close failed");
  if (std::rename(temporary.c_str(), path.c_str()) != 0) fail("cannot rename the temporary file into place");
}

}  // namespace io
