#include "io/file_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
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

// A temporary file is named <target>.tmp-<pid of the writer>.
constexpr const char* temporary_marker = ".tmp-";

// The folder of `path` ("." when it names none).
std::string folder_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// What a write to `path` replaces: `path` itself, or, when it is a symbolic link, the file the
// link names (resolved link by link; a dangling link names the file it would create).
std::string resolved_target(std::string path) {
  for (int depth = 0; depth < 40; ++depth) {  // as the kernel's limit on nested links
    char buffer[4096];
    const ssize_t length = ::readlink(path.c_str(), buffer, sizeof buffer - 1);
    if (length < 0) return path;  // not a link (or gone): the path itself
    const std::string link(buffer, static_cast<std::size_t>(length));
    path = link.front() == '/' ? link : folder_of(path) + "/" + link;
  }
  return path;
}

// Removes the temporary files a killed writer of `target` left behind: <target>.tmp-<pid> whose
// process is gone. A live writer's file is left alone.
void remove_stale_temporaries(const std::string& target) {
  const std::string folder = folder_of(target);
  const std::string prefix =
      target.substr(target.rfind('/') == std::string::npos ? 0 : target.rfind('/') + 1) + temporary_marker;
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos || pid_text.size() > 9)
      continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid != ::getpid() && ::kill(pid, 0) != 0 && errno == ESRCH) ::unlink((folder + "/" + name).c_str());
  }
  ::closedir(dir);
}

}  // namespace

FileReader::FileReader(const std::string& path, std::size_t max_bytes) : path_(path), fd_(-1), size_(0) {
  // Opened without blocking and checked before reading: a FIFO would otherwise wait forever for
  // a writer, and a folder or a device has no size to check.
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) input_error(path, std::string("cannot open: ") + std::strerror(errno));
  // Closes the file if a check below throws: the destructor does not run for a constructor
  // that throws.
  struct CloseUnlessKept {
    int fd;
    ~CloseUnlessKept() {
      if (fd >= 0) ::close(fd);
    }
  } closer{fd_};
  struct stat status {};
  if (::fstat(fd_, &status) != 0) input_error(path, std::string("cannot read its size: ") + std::strerror(errno));
  if (S_ISDIR(status.st_mode)) input_error(path, "is a folder, not a file");
  if (!S_ISREG(status.st_mode)) input_error(path, "is not a regular file (a FIFO, a device or a socket)");
  if (static_cast<std::uint64_t>(status.st_size) > max_bytes) {
    input_error(path, "file is larger than " + std::to_string(max_bytes) + " bytes");
  }
  size_ = static_cast<std::size_t>(status.st_size);
  closer.fd = -1;  // kept: the reader closes it
}

FileReader::~FileReader() { ::close(fd_); }

void FileReader::read(std::uint8_t* into, std::size_t count) {
  std::size_t done = 0;
  while (done < count) {
    const ssize_t got = ::read(fd_, into + done, count - done);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) input_error(path_, std::string("read error: ") + std::strerror(errno));
    if (got == 0) input_error(path_, "the file became shorter while it was read");
    done += static_cast<std::size_t>(got);
  }
}

std::vector<std::uint8_t> read_file(const std::string& path, std::size_t max_bytes) {
  FileReader file(path, max_bytes);
  std::vector<std::uint8_t> bytes(file.size());
  file.read(bytes.data(), bytes.size());
  return gunzip_if_compressed(std::move(bytes), path, max_bytes);
}

std::vector<std::uint8_t> gunzip_if_compressed(std::vector<std::uint8_t> bytes, const std::string& name,
                                               std::size_t max_bytes) {
  if (is_gzip(bytes)) return gunzip(bytes, name, max_bytes);
  return bytes;
}

std::string unwritable_reason(const std::string& path) {
  struct stat status {};
  if (::stat(path.c_str(), &status) == 0) {  // follows a symbolic link to what it names
    if (S_ISDIR(status.st_mode)) return "is a folder, not a file";
    if (!S_ISREG(status.st_mode)) return "is not a regular file (a device, a FIFO or a socket): not overwritten";
  }
  const std::string folder = folder_of(resolved_target(path));
  if (::stat(folder.c_str(), &status) != 0) return "folder '" + folder + "': " + std::strerror(errno);
  if (!S_ISDIR(status.st_mode)) return "'" + folder + "' is not a folder";
  if (::access(folder.c_str(), W_OK) != 0) return "folder '" + folder + "' is not writable: " + std::strerror(errno);
  return "";
}

void check_writable(const std::string& path) {
  const std::string reason = unwritable_reason(path);
  if (!reason.empty()) input_error(path, "cannot be written: " + reason);
}

void write_file_atomically(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  const std::string reason = unwritable_reason(path);
  if (!reason.empty()) throw std::runtime_error(path + ": cannot be written: " + reason);
  // A symbolic link stays a link: the file it names is replaced, beside itself.
  const std::string target = resolved_target(path);
  remove_stale_temporaries(target);
  const std::string temporary = target + temporary_marker + std::to_string(::getpid());
  auto fail = [&](const std::string& what) {
    const std::string why = std::strerror(errno);
    std::remove(temporary.c_str());
    throw std::runtime_error(path + ": " + what + ": " + why);
  };
  // A new file of the target's permissions (0644 for a new target), created exclusively and
  // never through a link: a name planted in advance is removed, not written through.
  struct stat existing {};
  const mode_t mode = ::stat(target.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : 0644;
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = ::open(temporary.c_str(), flags, mode);
  if (fd < 0 && errno == EEXIST && ::unlink(temporary.c_str()) == 0) fd = ::open(temporary.c_str(), flags, mode);
  if (fd < 0) fail("cannot create temporary file " + temporary);
  ::fchmod(fd, mode);  // as given, whatever the umask
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
  if (std::rename(temporary.c_str(), target.c_str()) != 0) fail("cannot rename the temporary file into place");
}

}  // namespace io
