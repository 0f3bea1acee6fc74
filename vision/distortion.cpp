#include "vision/distortion.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace vision {
namespace {

constexpr double pi = 3.14159265358979323846;

// Uniform in [-1, 1) from 16 bits of a draw: the fields take 2 x rows x cols of them per
// image, and a 64-bit draw gives four.
class SignedUniforms {
 public:
  explicit SignedUniforms(nn::Rng& rng) : rng_(rng) {}
  float next() {
    if (left_ == 0) {
      bits_ = rng_.bits();
      left_ = 4;
    }
    const auto draw = static_cast<float>(bits_ & 0xFFFFu);
    bits_ >>= 16;
    --left_;
    return draw * (2.0f / 65536.0f) - 1.0f;
  }

 private:
  nn::Rng& rng_;
  std::uint64_t bits_ = 0;
  int left_ = 0;
};

// The Gaussian's taps, radius ceil(3 sigma), summing to 1.
std::vector<float> gaussian_taps(double sigma) {
  const int radius = static_cast<int>(std::ceil(3.0 * sigma));
  std::vector<float> taps(2 * static_cast<std::size_t>(radius) + 1);
  double sum = 0;
  for (int k = -radius; k <= radius; ++k) sum += std::exp(-0.5 * k * k / (sigma * sigma));
  for (int k = -radius; k <= radius; ++k) {
    taps[static_cast<std::size_t>(k + radius)] = static_cast<float>(std::exp(-0.5 * k * k / (sigma * sigma)) / sum);
  }
  return taps;
}

// out = the columns of `in` (rows x cols, row-major) smoothed by `taps`, zero outside. The
// inner loop runs along a row, so it is vectorised; smoothing the rows is this applied to the
// transpose.
void smooth_columns(const float* in, float* out, std::size_t rows, std::size_t cols, const std::vector<float>& taps) {
  const auto radius = static_cast<std::ptrdiff_t>(taps.size() / 2);
  const auto n = static_cast<std::ptrdiff_t>(rows);
  std::fill(out, out + rows * cols, 0.0f);
  for (std::ptrdiff_t y = 0; y < n; ++y) {
    float* out_row = out + y * static_cast<std::ptrdiff_t>(cols);
    const std::ptrdiff_t first = std::max<std::ptrdiff_t>(0, y - radius), last = std::min(n - 1, y + radius);
    for (std::ptrdiff_t source = first; source <= last; ++source) {
      const float weight = taps[static_cast<std::size_t>(source - y + radius)];
      const float* in_row = in + source * static_cast<std::ptrdiff_t>(cols);
      for (std::size_t x = 0; x < cols; ++x) out_row[x] += weight * in_row[x];
    }
  }
}

void transpose(const float* in, float* out, std::size_t rows, std::size_t cols) {
  for (std::size_t y = 0; y < rows; ++y) {
    for (std::size_t x = 0; x < cols; ++x) out[x * rows + y] = in[y * cols + x];
  }
}

// A displacement field (rows x cols): uniform noise smoothed by the Gaussian on both axes,
// times alpha.
void elastic_field(float* field, std::size_t rows, std::size_t cols, const std::vector<float>& taps, float alpha,
                   SignedUniforms& uniforms) {
  std::vector<float> noise(rows * cols), work(rows * cols);
  for (float& v : noise) v = uniforms.next();
  smooth_columns(noise.data(), work.data(), rows, cols, taps);
  transpose(work.data(), noise.data(), rows, cols);  // now cols x rows
  smooth_columns(noise.data(), work.data(), cols, rows, taps);
  transpose(work.data(), field, cols, rows);
  for (std::size_t i = 0; i < rows * cols; ++i) field[i] *= alpha;
}

// The picture at (x, y) by bilinear interpolation, 0 outside.
float sample(const std::uint8_t* in, std::size_t rows, std::size_t cols, float x, float y) {
  const float fx = std::floor(x), fy = std::floor(y);
  const auto x0 = static_cast<std::ptrdiff_t>(fx), y0 = static_cast<std::ptrdiff_t>(fy);
  const float ax = x - fx, ay = y - fy;
  auto at = [&](std::ptrdiff_t px, std::ptrdiff_t py) -> float {
    if (px < 0 || py < 0 || px >= static_cast<std::ptrdiff_t>(cols) || py >= static_cast<std::ptrdiff_t>(rows)) {
      return 0.0f;
    }
    return in[static_cast<std::size_t>(py) * cols + static_cast<std::size_t>(px)];
  };
  const float top = at(x0, y0) * (1 - ax) + at(x0 + 1, y0) * ax;
  const float bottom = at(x0, y0 + 1) * (1 - ax) + at(x0 + 1, y0 + 1) * ax;
  return top * (1 - ay) + bottom * ay;
}

void check_range(const char* name, double value, double low, double high, bool high_included) {
  if (!(value >= low && (high_included ? value <= high : value < high))) {
    std::ostringstream message;
    message << "distortion " << name << " " << value << " is not in [" << low << ", " << high
            << (high_included ? "]" : ")");
    throw std::invalid_argument(message.str());
  }
}

}  // namespace

std::string Distortion::describe() const {
  if (!any()) return "none";
  std::ostringstream text;
  if (affine) {
    text << "affine (rotation " << rotation_degrees << ", scale " << scale << ", shear " << shear_degrees << ", shift "
         << shift_pixels << ")";
  }
  if (elastic) text << (affine ? " + " : "") << "elastic (alpha " << alpha << ", sigma " << sigma << ")";
  return text.str();
}

void Distortion::validate() const {
  check_range("rotation", rotation_degrees, 0, 90, false);
  check_range("scale", scale, 0, 0.9, true);
  check_range("shear", shear_degrees, 0, 90, false);
  check_range("shift", shift_pixels, 0, 14, true);
  check_range("alpha", alpha, 0, 1000, true);
  check_range("sigma", sigma, 0.5, 10, true);
}

void distort(const std::uint8_t* in, std::uint8_t* out, std::size_t rows, std::size_t cols,
             const Distortion& distortion, nn::Rng& rng) {
  // Where output pixel (x, y) samples the original: centre + A (p - centre) + shift, with A the
  // inverse of the drawn map (so the digit itself is rotated by +angle, scaled by s, ...).
  double a11 = 1, a12 = 0, a21 = 0, a22 = 1, shift_x = 0, shift_y = 0;
  if (distortion.affine) {
    const double angle = rng.uniform(-1, 1) * distortion.rotation_degrees * pi / 180.0;
    const double scale_x = 1.0 + rng.uniform(-1, 1) * distortion.scale;
    const double scale_y = 1.0 + rng.uniform(-1, 1) * distortion.scale;
    const double shear = std::tan(rng.uniform(-1, 1) * distortion.shear_degrees * pi / 180.0);
    shift_x = rng.uniform(-1, 1) * distortion.shift_pixels;
    shift_y = rng.uniform(-1, 1) * distortion.shift_pixels;
    // Forward map F = R(angle) Shear S(scale): its inverse, written out.
    const double c = std::cos(angle), s = std::sin(angle);
    // R^-1 = [c s; -s c]; Shear^-1 = [1 -shear; 0 1]; S^-1 = diag(1/sx, 1/sy).
    a11 = (c + shear * s) / scale_x;
    a12 = (s - shear * c) / scale_x;
    a21 = -s / scale_y;
    a22 = c / scale_y;
  }
  std::vector<float> dx, dy;
  if (distortion.elastic) {
    const std::vector<float> taps = gaussian_taps(distortion.sigma);
    SignedUniforms uniforms(rng);
    dx.resize(rows * cols);
    dy.resize(rows * cols);
    elastic_field(dx.data(), rows, cols, taps, static_cast<float>(distortion.alpha), uniforms);
    elastic_field(dy.data(), rows, cols, taps, static_cast<float>(distortion.alpha), uniforms);
  }
  const double centre_x = (static_cast<double>(cols) - 1) / 2, centre_y = (static_cast<double>(rows) - 1) / 2;
  for (std::size_t y = 0; y < rows; ++y) {
    for (std::size_t x = 0; x < cols; ++x) {
      double px = static_cast<double>(x), py = static_cast<double>(y);
      if (distortion.elastic) {
        px += dx[y * cols + x];
        py += dy[y * cols + x];
      }
      const double ux = px - centre_x - shift_x, uy = py - centre_y - shift_y;
      const double source_x = centre_x + a11 * ux + a12 * uy, source_y = centre_y + a21 * ux + a22 * uy;
      const float level = sample(in, rows, cols, static_cast<float>(source_x), static_cast<float>(source_y));
      out[y * cols + x] = static_cast<std::uint8_t>(std::lround(std::clamp(level, 0.0f, 255.0f)));
    }
  }
}

}  // namespace vision
