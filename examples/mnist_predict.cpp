// mnist predict: reading digits from pictures -- photos, scans, drawings -- with a trained model.

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "digit_reader.hpp"
#include "io/input_error.hpp"
#include "mnist_commands.hpp"
#include "vision/png_file.hpp"

namespace mnist_tool {
namespace {

namespace fs = std::filesystem;

bool has_image_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* known : {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm"}) {
    if (extension == known) return true;
  }
  return false;
}

// The files to read: each argument that is a folder stands for its images, in name order.
std::vector<std::string> expand_folders(const std::vector<std::string>& arguments) {
  std::vector<std::string> files;
  for (const std::string& argument : arguments) {
    std::error_code error;
    if (!fs::is_directory(argument, error)) {
      files.push_back(argument);
      continue;
    }
    std::vector<std::string> images;
    for (const fs::directory_entry& entry : fs::directory_iterator(argument, error)) {
      if (entry.is_regular_file(error) && has_image_extension(entry.path())) images.push_back(entry.path().string());
    }
    if (error) io::input_error(argument, "cannot list the folder (" + error.message() + ")");
    if (images.empty()) io::input_error(argument, "folder holds no images (.png .jpg .jpeg .bmp .pgm .ppm)");
    std::sort(images.begin(), images.end());
    files.insert(files.end(), images.begin(), images.end());
  }
  return files;
}

// prepared_dir/<stem>.png for the first picture of that stem, <stem>-2.png for the second, ...
std::string prepared_path(const std::string& dir, const std::string& file, std::map<std::string, int>& stems_seen) {
  const std::string stem = fs::path(file).stem().string();
  const int seen = ++stems_seen[stem];
  return (fs::path(dir) / (seen == 1 ? stem : stem + "-" + std::to_string(seen))).string() + ".png";
}

void print_reading(const std::string& name, const Reading& reading, const PredictOptions& o,
                   const std::string& prepared_file) {
  const auto order = DigitReader::ranking(reading);
  if (reading.doubt.empty()) {
    std::printf("%s: ", name.c_str());
  } else {
    std::printf("%s: no digit (%s); best guess ", name.c_str(), reading.doubt.c_str());
  }
  std::printf("%zu (probability %.4f)", reading.best, static_cast<double>(reading.probabilities[reading.best]));
  for (std::size_t k = 1; k < std::min<std::size_t>(o.top, order.size()); ++k) {
    std::printf("%s %zu (%.4f)", k == 1 ? ", then" : ",", order[k],
                static_cast<double>(reading.probabilities[order[k]]));
  }
  std::printf("\n");
  if (o.show) {
    std::printf("%s", terminal_picture(reading).c_str());
    if (reading.digit.inverted) std::printf("  (dark ink on a light background: inverted)\n");
  }
  if (!prepared_file.empty()) {
    const std::vector<std::uint8_t> pixels(reading.digit.pixels.begin(), reading.digit.pixels.end());
    vision::write_png(prepared_file, vision::digit_side, vision::digit_side, 1, pixels);
  }
}

}  // namespace

int predict(const PredictOptions& o) {
  const vision::Invert invert = vision::parse_invert(o.invert);
  const DigitReader reader(o.model_path);
  const std::vector<std::string> files = expand_folders(o.images);
  if (!o.prepared_dir.empty()) fs::create_directories(o.prepared_dir);
  // A bad picture among many is reported and skipped, and so is one that does not look like a
  // digit; the exit code still says something failed.
  std::size_t failed = 0, not_digits = 0;
  std::map<std::string, int> stems_seen;
  for (const std::string& file : files) {
    try {
      const Reading reading = reader.read(vision::read_gray_image(file), invert, o.as_is, file);
      print_reading(file, reading, o, o.prepared_dir.empty() ? "" : prepared_path(o.prepared_dir, file, stems_seen));
      if (!reading.doubt.empty()) ++not_digits;
    } catch (const io::InputError& error) {
      std::fflush(stdout);
      std::fprintf(stderr, "mnist: %s\n", error.what());
      ++failed;
    }
  }
  if (failed > 0 && files.size() > 1)
    std::fprintf(stderr, "mnist: %zu of %zu images could not be read\n", failed, files.size());
  if (not_digits > 0) {
    std::fflush(stdout);
    std::fprintf(stderr, "mnist: %zu of %zu images do not look like a digit (see mnist predict --help)\n", not_digits,
                 files.size());
  }
  return failed > 0 || not_digits > 0 ? 2 : 0;
}

}  // namespace mnist_tool
