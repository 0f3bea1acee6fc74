#include "http_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

namespace mnist_tool::http {
namespace {

using Clock = std::chrono::steady_clock;

const char* reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

// {"error": message} with the message escaped as a JSON string.
Response error_response(int status, const std::string& message) {
  std::string text = "{\"error\":\"";
  for (const char c : message) {
    if (c == '"' || c == '\\') {
      text += '\\';
      text += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
      text += escaped;
    } else {
      text += c;
    }
  }
  return {status, "application/json", text + "\"}"};
}

std::string serialize(const Response& response) {
  return "HTTP/1.1 " + std::to_string(response.status) + " " + reason_phrase(response.status) +
         "\r\nContent-Type: " + response.content_type + "\r\nContent-Length: " + std::to_string(response.body.size()) +
         "\r\nConnection: close\r\n\r\n" + response.body;
}

// Sends all of `text`, or as much as the peer takes before an error or the socket's timeout.
void send_all(int fd, const std::string& text) {
  std::size_t sent = 0;
  while (sent < text.size()) {
    const ssize_t n = ::send(fd, text.data() + sent, text.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string trim(const std::string& text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// %XX and + decoded.
std::string url_decode(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

void parse_query(const std::string& text, std::map<std::string, std::string>& query) {
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('&', start), text.size());
    const std::string pair = text.substr(start, end - start);
    const std::size_t equals = pair.find('=');
    if (!pair.empty()) {
      query.emplace(url_decode(pair.substr(0, equals)),
                    equals == std::string::npos ? "" : url_decode(pair.substr(equals + 1)));
    }
    start = end + 1;
  }
}

void set_blocking(int fd, bool blocking) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  ::fcntl(fd, F_SETFL, blocking ? flags & ~O_NONBLOCK : flags | O_NONBLOCK);
}

}  // namespace

std::string Request::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

// One connection being read. Exactly one of: still reading, a complete request, an answer to
// refuse it with, or closed by the peer.
struct Server::Connection {
  int fd = -1;
  Clock::time_point deadline;
  std::string buffer;  // received and not yet parsed
  bool headers_done = false;
  bool chunked = false;
  bool chunks_done = false;  // the last (empty) chunk was read; its trailers may follow
  std::size_t content_length = 0;
  Request request;
  bool complete = false;
  bool closed = false;
  bool refused = false;
  Response refusal;

  void refuse(int status, const std::string& message) {
    refused = true;
    refusal = error_response(status, message);
  }
};

Server::Server(Limits limits, Handler handler) : limits_(limits), handler_(std::move(handler)) {
  if (::pipe2(stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("cannot create the stop pipe");
}

Server::~Server() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

int Server::listen(const std::string& host, int port) {
  const std::string where = host + ":" + std::to_string(port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0 || found == nullptr) {
    throw std::runtime_error(where + ": not an address of this machine");
  }
  std::string reason = "cannot listen";
  for (addrinfo* address = found; address != nullptr && listen_fd_ < 0; address = address->ai_next) {
    const int fd = ::socket(address->ai_family, address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    // SO_REUSEADDR, so that a restart may listen again at once; not SO_REUSEPORT, which would let
    // a second server share a port already in use instead of refusing it.
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, address->ai_addr, address->ai_addrlen) == 0 && ::listen(fd, 64) == 0) {
      listen_fd_ = fd;
    } else {
      reason = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (listen_fd_ < 0) throw std::runtime_error(where + ": cannot listen there (" + reason + ")");
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &length);
  return bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void Server::stop() const {
  const char byte = 's';
  [[maybe_unused]] const ssize_t written = ::write(stop_pipe_[1], &byte, 1);
}

void Server::handle_readable(Connection& c) {
  char chunk[64 * 1024];
  const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    c.closed = true;
    return;
  }
  c.buffer.append(chunk, static_cast<std::size_t>(n));

  if (!c.headers_done) {
    const std::size_t end = c.buffer.find("\r\n\r\n");
    if ((end == std::string::npos ? c.buffer.size() : end + 4) > limits_.max_header_bytes) {
      return c.refuse(431, "request line and headers over " + std::to_string(limits_.max_header_bytes) + " bytes");
    }
    if (end == std::string::npos) return;
    std::vector<std::string> lines;
    for (std::size_t start = 0; start < end;) {
      const std::size_t line_end = std::min(c.buffer.find("\r\n", start), end);
      lines.push_back(c.buffer.substr(start, line_end - start));
      start = line_end + 2;
    }
    if (lines.size() > limits_.max_headers + 1) {
      return c.refuse(431, "more than " + std::to_string(limits_.max_headers) + " header lines");
    }
    if (lines.empty() || lines.front().empty()) return c.refuse(400, "no request line");
    const std::string& request_line = lines.front();
    const std::size_t space1 = request_line.find(' '), space2 = request_line.rfind(' ');
    if (space1 == std::string::npos || space2 == space1 || request_line.compare(space2 + 1, 7, "HTTP/1.") != 0) {
      return c.refuse(400, "not an HTTP/1.x request line");
    }
    c.request.method = request_line.substr(0, space1);
    const std::string target = request_line.substr(space1 + 1, space2 - space1 - 1);
    const std::size_t question = target.find('?');
    c.request.path = target.substr(0, question);
    if (question != std::string::npos) parse_query(target.substr(question + 1), c.request.query);
    for (std::size_t i = 1; i < lines.size(); ++i) {
      const std::size_t colon = lines[i].find(':');
      if (colon == std::string::npos || colon == 0) return c.refuse(400, "malformed header line");
      c.request.headers.emplace(lower(trim(lines[i].substr(0, colon))), trim(lines[i].substr(colon + 1)));
    }
    c.buffer.erase(0, end + 4);
    c.headers_done = true;

    const std::string encoding = lower(c.request.header("content-encoding"));
    if (!encoding.empty() && encoding != "identity") {
      return c.refuse(415, "Content-Encoding '" + encoding + "' is not accepted: send the body as it is");
    }
    const std::string transfer = lower(c.request.header("transfer-encoding"));
    if (transfer == "chunked") {
      c.chunked = true;
    } else if (!transfer.empty()) {
      return c.refuse(501, "Transfer-Encoding '" + transfer + "' is not supported (only chunked)");
    } else if (!c.request.header("content-length").empty()) {
      const std::string length = c.request.header("content-length");
      if (length.size() > 18 || length.find_first_not_of("0123456789") != std::string::npos) {
        return c.refuse(400, "Content-Length '" + length + "' is not a number");
      }
      c.content_length = std::stoull(length);
    }
    const std::string limit = std::to_string(limits_.max_body_bytes) + " bytes (1 MB)";
    if (c.content_length > limits_.max_body_bytes) {
      return c.refuse(413,
                      "request body of " + std::to_string(c.content_length) + " bytes is over the limit of " + limit);
    }
    if (lower(c.request.header("expect")) == "100-continue") send_all(c.fd, "HTTP/1.1 100 Continue\r\n\r\n");
  }

  if (!c.chunked) {
    if (c.buffer.size() >= c.content_length) {
      c.request.body = c.buffer.substr(0, c.content_length);
      c.complete = true;
    }
    return;
  }
  // Chunked: <hex size>[;extensions]\r\n<data>\r\n ... 0\r\n[trailers]\r\n, counted as it comes.
  // Parsed from an offset and erased once, so that tiny chunks cost linear time.
  std::size_t at = 0;
  while (!c.chunks_done) {
    const std::size_t line_end = c.buffer.find("\r\n", at);
    if (line_end == std::string::npos) {
      c.buffer.erase(0, at);
      if (c.buffer.size() > 64) return c.refuse(400, "malformed chunk size line");
      return;
    }
    std::string size_text = c.buffer.substr(at, std::min<std::size_t>(line_end - at, 64));
    size_text = trim(size_text.substr(0, size_text.find(';')));
    if (size_text.empty() || size_text.size() > 8 ||
        size_text.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
      return c.refuse(400, "malformed chunk size '" + size_text.substr(0, 16) + "'");
    }
    const std::size_t size = std::stoul(size_text, nullptr, 16);
    if (c.request.body.size() + size > limits_.max_body_bytes) {
      return c.refuse(
          413, "chunked request body over the limit of " + std::to_string(limits_.max_body_bytes) + " bytes (1 MB)");
    }
    if (size == 0) {
      at = line_end + 2;
      c.chunks_done = true;
      break;
    }
    if (c.buffer.size() < line_end + 2 + size + 2) {  // the rest of the chunk is on its way
      c.buffer.erase(0, at);
      return;
    }
    if (c.buffer.compare(line_end + 2 + size, 2, "\r\n") != 0) return c.refuse(400, "a chunk does not end in CRLF");
    c.request.body.append(c.buffer, line_end + 2, size);
    at = line_end + 2 + size + 2;
  }
  c.buffer.erase(0, at);
  // After the last chunk: optional trailer lines, then an empty line.
  if (c.buffer.compare(0, 2, "\r\n") == 0 || c.buffer.find("\r\n\r\n") != std::string::npos) {
    c.complete = true;
  } else if (c.buffer.size() > limits_.max_header_bytes) {
    c.refuse(431, "chunked trailers over " + std::to_string(limits_.max_header_bytes) + " bytes");
  }
}

void Server::run() {
  // The workers: complete requests in, answers out. `busy` counts the requests handed to them
  // and not yet answered; with the connections being read, at most max_connections.
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<std::pair<int, Request>> jobs;
  bool stopping = false;
  std::atomic<std::size_t> busy{0};
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(limits_.workers));
  for (int i = 0; i < limits_.workers; ++i) {
    workers.emplace_back([&] {
      while (true) {
        std::pair<int, Request> job;
        {
          std::unique_lock<std::mutex> lock(mutex);
          ready.wait(lock, [&] { return stopping || !jobs.empty(); });
          if (stopping) return;
          job = std::move(jobs.front());
          jobs.pop_front();
        }
        Response response;
        try {
          response = handler_(job.second);
        } catch (...) {
          response = error_response(500, "internal error");
        }
        set_blocking(job.first, true);
        const timeval send_timeout{5, 0};
        ::setsockopt(job.first, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
        send_all(job.first, serialize(response));
        ::close(job.first);
        --busy;
      }
    });
  }

  std::list<Connection> connections;
  // Ends the workers after the answers in hand; requests still queued are dropped unanswered.
  auto shut_down = [&] {
    for (const Connection& c : connections) ::close(c.fd);
    {
      std::lock_guard<std::mutex> lock(mutex);
      for (const auto& job : jobs) ::close(job.first);
      jobs.clear();
      stopping = true;
    }
    ready.notify_all();
    for (std::thread& worker : workers) worker.join();
  };
  // A refusal: answered, and the client's unread bytes drained (without them, closing sends a
  // reset that can destroy the answer before the client reads it).
  auto answer_and_close = [](int fd, const Response& response) {
    send_all(fd, serialize(response));  // small; a peer that does not read loses it
    ::shutdown(fd, SHUT_WR);
    char sink[64 * 1024];
    for (int i = 0; i < 32 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
    }
    ::close(fd);
  };
  try {
    std::vector<pollfd> polled;
    Clock::time_point accept_paused_until{};  // out of file descriptors: accept again later
    while (true) {
      const Clock::time_point now = Clock::now();
      polled.assign({{stop_pipe_[0], POLLIN, 0}, {now >= accept_paused_until ? listen_fd_ : -1, POLLIN, 0}});
      for (const Connection& c : connections) polled.push_back({c.fd, POLLIN, 0});
      auto wait = std::chrono::milliseconds(100);
      for (const Connection& c : connections) {
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(c.deadline - now));
      }
      const int count =
          ::poll(polled.data(), polled.size(), static_cast<int>(std::max<long long>(0, wait.count())) + 1);
      if (count < 0 && errno != EINTR) break;
      if (polled[0].revents != 0) break;  // stop()
      if (polled[1].revents & POLLIN) {
        while (true) {
          const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) accept_paused_until = Clock::now() + std::chrono::milliseconds(100);
            break;
          }
          if (connections.size() + busy >= limits_.max_connections) {
            answer_and_close(fd, error_response(503, "too many connections; try again"));
            continue;
          }
          connections.push_back({});
          connections.back().fd = fd;
          connections.back().deadline = Clock::now() + limits_.request_deadline;
        }
      }
      std::size_t index = 2;
      for (Connection& c : connections) {
        if (index < polled.size() && polled[index].fd == c.fd && polled[index].revents != 0) handle_readable(c);
        ++index;
      }
      const Clock::time_point after = Clock::now();
      for (auto it = connections.begin(); it != connections.end();) {
        if (it->complete) {
          ++busy;
          {
            std::lock_guard<std::mutex> lock(mutex);
            jobs.emplace_back(it->fd, std::move(it->request));
          }
          ready.notify_one();
        } else if (it->refused) {
          answer_and_close(it->fd, it->refusal);
        } else if (it->closed) {
          ::close(it->fd);
        } else if (after >= it->deadline) {
          answer_and_close(it->fd,
                           error_response(408, "request not received whole within " +
                                                   std::to_string(limits_.request_deadline.count() / 1000) + " s"));
        } else {
          ++it;
          continue;
        }
        it = connections.erase(it);
      }
    }
  } catch (...) {
    shut_down();
    throw;
  }
  shut_down();
}

}  // namespace mnist_tool::http
