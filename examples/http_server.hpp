#pragma once
// A small HTTP/1.1 server for `mnist serve`, written for clients that misbehave on purpose.
//
// One thread reads every connection without blocking (poll): a request must arrive whole --
// request line, at most max_headers header lines in at most max_header_bytes, and a body of at
// most max_body_bytes however it is sent (Content-Length or chunked; a Content-Encoding other
// than identity is refused, never decompressed) -- within request_deadline of its first byte,
// or it is answered 431, 413, 415 or 408 and closed. Slow or idle clients therefore hold only a
// socket, never a worker: complete requests go to `workers` threads that run the handler and
// write the answer. Every answer closes its connection (no keep-alive). Memory is bounded by
// max_connections times the largest request. stop() -- safe in a signal handler -- ends run()
// at once, whatever the clients are doing, after the requests already handed to workers.

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <string>

namespace mnist_tool::http {

struct Request {
  std::string method;                          // "GET", "POST"
  std::string path;                            // "/predict", without the query
  std::map<std::string, std::string> query;    // decoded ?name=value pairs
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;                            // as sent (chunks joined)

  // The value of header `name` (lower case), or "".
  std::string header(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

struct Limits {
  std::size_t max_header_bytes = 16 * 1024;  // request line and header lines together
  std::size_t max_headers = 64;
  std::size_t max_body_bytes = std::size_t{1} << 20;
  std::chrono::milliseconds request_deadline{10'000};  // from a connection's first byte to its request's last
  std::size_t max_connections = 128;                   // beyond: answered 503 and closed
  int workers = 4;
};

class Server {
 public:
  using Handler = std::function<Response(const Request&)>;

  Server(Limits limits, Handler handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Listens on host:port (0: any free port) and returns the port. Throws std::runtime_error
  // naming the address and the reason (in use, not this machine's address).
  int listen(const std::string& host, int port);
  // Serves until stop(); returns once every worker has answered what it was given.
  void run();
  // Asks run() to return. Async-signal-safe (it writes one byte to a pipe).
  void stop() const;

 private:
  struct Connection;
  void handle_readable(Connection& connection);
  Limits limits_;
  Handler handler_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
};

}  // namespace mnist_tool::http
