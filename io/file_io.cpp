#include "io/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
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
  // Opened without blocking and checked before reading: a FIFO would otherwise wait forever for
  // a writer, and a folder or a device has no size to check.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) input_error(path, std::string("cannot open: ") + std::strerror(errno));
  struct FileCloser {
    int fd;
    ~FileCloser() { ::close(fd); }
  } closer{fd};
  struct stat status {};
  if (::fstat(fd, &status) != 0) input_error(path, std::string("cannot read its size: ") + std::strerror(errno));
  if (S_ISDIR(status.st_mode)) input_error(path, "is a folder, not a file");
  if (!S_ISREG(status.st_mode)) input_error(path, "is not a regular file (a FIFO, a device or a socket)");
  if (static_cast<std::uint64_t>(status.st_size) > max_bytes) {
    input_error(path, "file is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(status.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t got = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) input_error(path, std::string("read error: ") + std::strerror(errno));
    if (got == 0) input_error(path, "the file became shorter while it was read");
    done += static_cast<std::size_t>(got);
  }
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
