// Makes MNIST test digits look like pictures people bring: each is enlarged to 200x200, turned
// into dark ink on light paper (random paper and ink levels), placed off-centre with margins on
// a canvas of random size, and saved as PNG and as JPEG (libjpeg, quality 85).
//
//   make_real_digits DATA_DIR OUT_DIR COUNT
//
// Writes OUT_DIR/original/NNNN.pgm (the digit as MNIST has it), OUT_DIR/pictures/NNNN.png and
// NNNN.jpg, and OUT_DIR/labels.txt ("NNNN LABEL" per line). The digits are spread evenly over
// the test set; everything is deterministic (fixed seed).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "io/file_io.hpp"
#include "jpeg_encoding.hpp"
#include "mnist/dataset.hpp"
#include "vision/png_file.hpp"

namespace {

constexpr std::size_t enlarged = 200;

// Bilinear enlargement of a 28x28 digit (levels in [0, 1]) to enlarged x enlarged.
std::vector<float> enlarge(const float* digit) {
  std::vector<float> out(enlarged * enlarged);
  const double step = 28.0 / enlarged;
  for (std::size_t y = 0; y < enlarged; ++y) {
    for (std::size_t x = 0; x < enlarged; ++x) {
      const double sy = std::clamp((y + 0.5) * step - 0.5, 0.0, 27.0),
                   sx = std::clamp((x + 0.5) * step - 0.5, 0.0, 27.0);
      const auto y0 = static_cast<std::size_t>(sy), x0 = static_cast<std::size_t>(sx);
      const std::size_t y1 = std::min<std::size_t>(y0 + 1, 27), x1 = std::min<std::size_t>(x0 + 1, 27);
      const double fy = sy - y0, fx = sx - x0;
      out[y * enlarged + x] =
          static_cast<float>((1 - fy) * ((1 - fx) * digit[y0 * 28 + x0] + fx * digit[y0 * 28 + x1]) +
                             fy * ((1 - fx) * digit[y1 * 28 + x0] + fx * digit[y1 * 28 + x1]));
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: make_real_digits DATA_DIR OUT_DIR COUNT\n");
    return 2;
  }
  const std::filesystem::path out = argv[2];
  const std::size_t count = std::stoul(argv[3]);
  const mnist::Dataset test_set = mnist::load_mnist(argv[1], mnist::Split::test);
  std::filesystem::create_directories(out / "original");
  std::filesystem::create_directories(out / "pictures");
  std::ofstream labels(out / "labels.txt");
  std::mt19937 rng(2026);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t index = k * (test_set.count / count);
    std::vector<float> digit(784);
    for (std::size_t i = 0; i < 784; ++i) digit[i] = test_set.level(index * 784 + i);
    char name[32];
    std::snprintf(name, sizeof name, "%04zu", k);
    labels << name << ' ' << test_set.labels[index] << '\n';

    const std::vector<std::uint8_t> original(test_set.pixels.begin() + static_cast<std::ptrdiff_t>(index * 784),
                                             test_set.pixels.begin() + static_cast<std::ptrdiff_t>(index * 784 + 784));
    std::string pgm = "P5\n28 28\n255\n";
    pgm.append(original.begin(), original.end());
    io::write_file_atomically((out / "original" / name).string() + ".pgm",
                              std::vector<std::uint8_t>(pgm.begin(), pgm.end()));

    const std::vector<float> big = enlarge(digit.data());
    const int paper = uniform(190, 255), ink = uniform(0, 70);
    const std::size_t width = static_cast<std::size_t>(uniform(240, 480)),
                      height = static_cast<std::size_t>(uniform(240, 480));
    const std::size_t left = static_cast<std::size_t>(uniform(0, static_cast<int>(width - enlarged)));
    const std::size_t top = static_cast<std::size_t>(uniform(0, static_cast<int>(height - enlarged)));
    std::vector<std::uint8_t> picture(width * height, static_cast<std::uint8_t>(paper));
    for (std::size_t y = 0; y < enlarged; ++y) {
      for (std::size_t x = 0; x < enlarged; ++x) {
        picture[(top + y) * width + left + x] =
            static_cast<std::uint8_t>(std::lround(paper - (paper - ink) * big[y * enlarged + x]));
      }
    }
    vision::write_png((out / "pictures" / name).string() + ".png", width, height, 1, picture);
    io::write_file_atomically((out / "pictures" / name).string() + ".jpg", encode_jpeg(picture, width, height, 85));
  }
  return 0;
}
