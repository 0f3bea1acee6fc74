// mnist serve: a page to draw a digit on and see what the model reads, live, and the JSON
// endpoint behind it.
//
//   GET  /          the page (examples/serve_page.html, built in)
//   POST /predict   body: an image (PNG, JPEG, BMP, PGM/PPM) whatever its Content-Type (curl
//                   --data-binary @photo.jpg), a multipart/form-data upload (curl -F
//                   file=@photo.jpg), or application/json
//                   {"width": W, "height": H, "pixels": [W*H levels 0-255]};
//                   query: invert=auto|yes|no, as_is=yes (28x28 already prepared like MNIST)
//                   200 {"digit", "probabilities": [10], "input": [784], "inverted",
//                        "looks_like_digit", "doubt": why not, or ""}
//                   400 {"error"} for a bad body; 413 over 1 MB, 415 for a compressed body,
//                   431 for headers over 16 KB, 408 for a request not received whole in 10 s
//                   (http_server.hpp)

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "digit_reader.hpp"
#include "http_server.hpp"
#include "io/input_error.hpp"
#include "mnist_commands.hpp"
#include "serve_page_html.hpp"

namespace mnist_tool {
namespace {

constexpr std::size_t max_body_pixels = std::size_t{4096} * 4096;  // a decoded body's largest size

http::Response json_response(int status, const nlohmann::json& body) {
  return {status, "application/json", body.dump()};
}

// The uploaded file of a multipart/form-data body (curl -F file=@picture.png): the part named
// "file", else the first part with a file name.
std::string uploaded_file(const std::string& body, const std::string& content_type) {
  const char* where = "multipart body";
  const std::size_t key = content_type.find("; boundary=") != std::string::npos ? content_type.find("; boundary=") + 2
                                                                                : content_type.find("boundary=");
  if (key == std::string::npos) io::input_error(where, "Content-Type names no boundary");
  std::string boundary = content_type.substr(key + 9);
  boundary = boundary.substr(0, boundary.find_first_of("; \t"));
  if (boundary.size() >= 2 && boundary.front() == '"' && boundary.back() == '"')
    boundary = boundary.substr(1, boundary.size() - 2);
  if (boundary.empty() || boundary == "\"\"") io::input_error(where, "the boundary is empty");
  const std::string delimiter = "--" + boundary;
  std::string chosen;
  bool found = false;
  for (std::size_t at = body.find(delimiter); at != std::string::npos;) {
    const std::size_t headers = at + delimiter.size();
    if (body.compare(headers, 2, "--") == 0) break;  // the closing delimiter
    const std::size_t headers_end = body.find("\r\n\r\n", headers);
    if (headers_end == std::string::npos) break;
    const std::size_t next = body.find("\r\n" + delimiter, headers_end + 4);
    if (next == std::string::npos) io::input_error(where, "a part is not closed by the boundary");
    const std::string part_headers = body.substr(headers, headers_end - headers);
    const bool named_file = part_headers.find("; name=\"file\"") != std::string::npos;  // not filename="file"
    if (named_file || (!found && part_headers.find("filename=") != std::string::npos)) {
      chosen = body.substr(headers_end + 4, next - headers_end - 4);
      found = true;
      if (named_file) break;
    }
    at = next + 2;
  }
  if (!found) io::input_error(where, "no file part (upload the picture as -F file=@picture.png)");
  if (chosen.empty()) io::input_error(where, "the file part is empty");
  return chosen;
}

// {"width": W, "height": H, "pixels": [...]} as a grayscale image.
vision::GrayImage image_from_json(const std::string& body) {
  const char* where = "JSON body";
  // {"pixels": [...]} nests two deep: deeper is refused as it opens (1 MB of "[" would otherwise
  // cost ~76 MB to parse).
  const auto at_most_two_deep = [where](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > 2) io::input_error(where, "nests deeper than {\"pixels\": [...]}");
    return true;
  };
  const nlohmann::json request = nlohmann::json::parse(body, at_most_two_deep, /*allow_exceptions=*/false);
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

http::Response predict(const DigitReader& reader, const http::Request& request) {
  try {
    const auto invert_param = request.query.find("invert");
    const vision::Invert invert =
        vision::parse_invert(invert_param == request.query.end() ? "auto" : invert_param->second);
    const auto as_is_param = request.query.find("as_is");
    const bool as_is = as_is_param != request.query.end() && as_is_param->second == "yes";
    std::string content_type = request.header("content-type");
    std::transform(content_type.begin(), content_type.end(), content_type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    vision::GrayImage image;
    if (content_type.rfind("application/json", 0) == 0) {
      image = image_from_json(request.body);
    } else {
      // Any other type is the picture's bytes, as curl --data-binary sends them whatever type it
      // names; a form upload carries them in its file part.
      const bool multipart = content_type.rfind("multipart/form-data", 0) == 0;
      const std::string bytes = multipart ? uploaded_file(request.body, request.header("content-type")) : request.body;
      image = vision::decode_gray_image(std::vector<std::uint8_t>(bytes.begin(), bytes.end()), "request body",
                                        max_body_pixels);
    }
    return json_response(200, reading_json(reader.read(image, invert, as_is, "image")));
  } catch (const io::InputError& error) {
    return json_response(400, {{"error", error.what()}});
  } catch (const std::invalid_argument& error) {
    return json_response(400, {{"error", error.what()}});
  }
}

// SIGINT and SIGTERM stop the server: the handler only calls Server::stop(), which writes a
// byte to a pipe (any thread may receive the signal: OpenBLAS starts its threads before main,
// with no way to block signals in them).
std::atomic<const http::Server*> running_server{nullptr};

void on_stop_signal(int) {
  if (const http::Server* server = running_server.load()) server->stop();
}

}  // namespace

int serve(const ServeOptions& o) {
  const DigitReader reader(o.model_path);
  http::Server server(http::Limits{}, [&reader](const http::Request& request) -> http::Response {
    if (request.path == "/") {
      if (request.method != "GET") return json_response(405, {{"error", "use GET / for the page"}});
      return {200, "text/html; charset=utf-8", serve_page_html};
    }
    if (request.path == "/predict") {
      if (request.method != "POST") return json_response(405, {{"error", "use POST /predict with a picture"}});
      return predict(reader, request);
    }
    return json_response(404, {{"error", "no such page: GET / or POST /predict"}});
  });
  int port = 0;
  try {
    port = server.listen(o.host, o.port);
  } catch (const std::runtime_error& error) {
    io::input_error(o.host + ":" + std::to_string(o.port), std::string("cannot listen there: ") + error.what());
  }
  running_server = &server;  // a signal from here on stops it; one before ends the process as usual
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::printf("serving on http://%s:%d/\n", o.host.c_str(), port);
  std::fflush(stdout);
  server.run();
  running_server = nullptr;
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  return 0;
}

}  // namespace mnist_tool
