// mnist serve: a page to draw a digit on and see what the model reads, live, and the JSON
// endpoint behind it.
//
//   GET  /          the page (examples/serve_page.html, built in)
//   POST /predict   body: an image (PNG, JPEG, BMP, PGM/PPM), or with Content-Type
//                   application/json {"width": W, "height": H, "pixels": [W*H levels 0-255]};
//                   query: invert=auto|yes|no, as_is=yes (28x28 already prepared like MNIST)
//                   200 {"digit", "probabilities": [10], "input": [784], "inverted",
//                        "looks_like_digit", "doubt": why not, or ""}
//                   400 {"error"} for a bad body, 413 over 1 MB

#include <httplib.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "digit_reader.hpp"
#include "io/input_error.hpp"
#include "mnist_commands.hpp"
#include "serve_page_html.hpp"

namespace mnist_tool {
namespace {

constexpr std::size_t max_body_bytes = std::size_t{1} << 20;
constexpr std::size_t max_body_pixels = std::size_t{4096} * 4096;  // a decoded body's largest size

void reply_json(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

// {"width": W, "height": H, "pixels": [...]} as a grayscale image.
vision::GrayImage image_from_json(const std::string& body) {
  const nlohmann::json request = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  const char* where = "JSON body";
  if (request.is_discarded()) io::input_error(where, "not valid JSON");
  if (!request.is_object()) io::input_error(where, "not a JSON object");
  for (const char* key : {"width", "height", "pixels"}) {
    if (!request.contains(key)) io::input_error(where, std::string("missing \"") + key + "\"");
  }
  const nlohmann::json& width = request["width"];
  const nlohmann::json& height = request["height"];
  const nlohmann::json& pixels = request["pixels"];
  if (!width.is_number_unsigned() || !height.is_number_unsigned() || width.get<std::size_t>() == 0 ||
      height.get<std::size_t>() == 0 || width.get<std::size_t>() > 4096 || height.get<std::size_t>() > 4096) {
    io::input_error(where, "\"width\" and \"height\" must be whole numbers from 1 to 4096");
  }
  vision::GrayImage image;
  image.width = width.get<std::size_t>();
  image.height = height.get<std::size_t>();
  if (!pixels.is_array() || pixels.size() != image.width * image.height) {
    io::input_error(where, "\"pixels\" must be an array of width x height = " +
                               std::to_string(image.width * image.height) + " levels");
  }
  image.pixels.reserve(pixels.size());
  for (const nlohmann::json& level : pixels) {
    if (!level.is_number() || !(level.get<double>() >= 0 && level.get<double>() <= 255)) {
      io::input_error(where, "\"pixels\" must hold numbers from 0 to 255");
    }
    image.pixels.push_back(static_cast<std::uint8_t>(std::lround(level.get<double>())));
  }
  return image;
}

nlohmann::json reading_json(const Reading& reading) {
  return {{"digit", reading.best},
          {"probabilities", reading.probabilities},
          {"input", reading.digit.pixels},
          {"inverted", reading.digit.inverted},
          {"looks_like_digit", reading.doubt.empty()},
          {"doubt", reading.doubt}};
}

void predict(const DigitReader& reader, const httplib::Request& request, httplib::Response& response) {
  try {
    const vision::Invert invert =
        vision::parse_invert(request.has_param("invert") ? request.get_param_value("invert") : "auto");
    const bool as_is = request.has_param("as_is") && request.get_param_value("as_is") == "yes";
    std::string content_type = request.get_header_value("Content-Type");
    std::transform(content_type.begin(), content_type.end(), content_type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const bool is_json = content_type.rfind("application/json", 0) == 0;
    const vision::GrayImage image =
        is_json ? image_from_json(request.body)
                : vision::decode_gray_image(std::vector<std::uint8_t>(request.body.begin(), request.body.end()),
                                            "request body", max_body_pixels);
    reply_json(response, 200, reading_json(reader.read(image, invert, as_is, "image")));
  } catch (const io::InputError& error) {
    reply_json(response, 400, {{"error", error.what()}});
  } catch (const std::invalid_argument& error) {
    reply_json(response, 400, {{"error", error.what()}});
  }
}

// SIGINT and SIGTERM stop the server. A handler may do almost nothing, and any thread may
// receive the signal (OpenBLAS starts its threads before main, with no way to block signals in
// them), so the handler only writes a byte to a pipe; a waiting thread reads it and stops the
// server.
int stop_pipe_write_end = -1;

void on_stop_signal(int) {
  const char byte = 's';
  [[maybe_unused]] const ssize_t written = write(stop_pipe_write_end, &byte, 1);
}

class StopOnSignal {
 public:
  explicit StopOnSignal(httplib::Server& server) {
    if (pipe(pipe_) != 0) throw std::runtime_error("cannot create a pipe for signals");
    stop_pipe_write_end = pipe_[1];
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_int_);
    sigaction(SIGTERM, &action, &previous_term_);
    waiter_ = std::thread([this, &server] {
      char byte = 0;
      while (read(pipe_[0], &byte, 1) < 0 && errno == EINTR) {
      }
      // stop() does nothing until the server listens: a signal that came earlier (while it was
      // binding or printing its address) is repeated until the server has stopped listening.
      while (!served_) {
        server.stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }
  ~StopOnSignal() {
    served_ = true;
    on_stop_signal(0);  // wakes the waiter if no signal came
    waiter_.join();
    sigaction(SIGINT, &previous_int_, nullptr);
    sigaction(SIGTERM, &previous_term_, nullptr);
    stop_pipe_write_end = -1;
    close(pipe_[0]);
    close(pipe_[1]);
  }
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  int pipe_[2] = {-1, -1};
  std::atomic<bool> served_{false};  // the server has stopped listening, or never will
  struct sigaction previous_int_ {};
  struct sigaction previous_term_ {};
  std::thread waiter_;
};

}  // namespace

int serve(const ServeOptions& o) {
  const DigitReader reader(o.model_path);
  httplib::Server server;
  server.set_payload_max_length(max_body_bytes);
  // SO_REUSEADDR (restart at once on the same port) but not cpp-httplib's default SO_REUSEPORT,
  // which would let a second server share a port already in use instead of refusing it.
  server.set_socket_options([](socket_t socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  server.Get("/", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(serve_page_html, "text/html; charset=utf-8");
  });
  server.Post("/predict", [&reader](const httplib::Request& request, httplib::Response& response) {
    predict(reader, request, response);
  });
  // Errors the server makes itself (404, 413, ...) get a JSON body too.
  server.set_error_handler([](const httplib::Request&, httplib::Response& response) {
    if (response.body.empty()) {
      const std::string message = response.status == 413   ? "request body over 1 MB"
                                  : response.status == 404 ? "no such page: GET / or POST /predict"
                                                           : "HTTP status " + std::to_string(response.status);
      reply_json(response, response.status, {{"error", message}});
    }
  });
  server.set_exception_handler([](const httplib::Request&, httplib::Response& response, const std::exception_ptr&) {
    reply_json(response, 500, {{"error", "internal error"}});
  });

  const StopOnSignal stop_on_signal(server);
  const int port = o.port == 0 ? server.bind_to_any_port(o.host) : (server.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0)
    io::input_error(o.host + ":" + std::to_string(o.port),
                    "cannot listen there (in use, or not this machine's address)");
  std::printf("serving on http://%s:%d/\n", o.host.c_str(), port);
  std::fflush(stdout);
  if (!server.listen_after_bind()) throw std::runtime_error("the server stopped unexpectedly");
  return 0;
}

}  // namespace mnist_tool
