#include "vision/distortion.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/random.hpp"

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace vision {
namespace {

constexpr double pi = 3.14159265358979323846;

// The draws of one image: splitmix64 from the image's seed. Its state is one word, so starting
// a stream per image costs nothing, where seeding a Mersenne Twister writes 2.5 KB.
class ImageRandom {
 public:
  explicit ImageRandom(std::uint64_t seed) : state_(seed) {}
  std::uint64_t bits() { return nn::mix_bits(state_ += 0x9E3779B97F4A7C15ULL); }
  // Uniform in [-1, 1), 53 bits.
  double signed_uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-52 - 1.0; }

 private:
  std::uint64_t state_;
};

// Uniform in [-1, 1) from 16 bits of a draw: the fields take 2 x rows x cols of them per
// image, and a 64-bit draw gives four.
class SignedUniforms {
 public:
  explicit SignedUniforms(ImageRandom& random) : random_(random) {}
  float next() {
    if (left_ == 0) {
      bits_ = random_.bits();
      left_ = 4;
    }
    const auto draw = static_cast<float>(bits_ & 0xFFFFu);
    bits_ >>= 16;
    --left_;
    return draw * (2.0f / 65536.0f) - 1.0f;
  }

 private:
  ImageRandom& random_;
  std::uint64_t bits_ = 0;
  int left_ = 0;
};

// The Gaussian's taps, radius ceil(3 sigma), summing to 1.
std::vector<float> gaussian_taps(double sigma) {
  const int radius = static_cast<int>(std::ceil(3.0 * sigma));
  std::vector<float> taps(2 * static_cast<std::size_t>(radius) + 1);
  double sum = 0;
  for (int k = -radius; k <= radius; ++k) sum += std::exp(-0.5 * k * k / (sigma * sigma));
  for (std::size_t i = 0; i < taps.size(); ++i) {
    const int k = static_cast<int>(i) - radius;
    taps[i] = static_cast<float>(std::exp(-0.5 * k * k / (sigma * sigma)) / sum);
  }
  return taps;
}

// out[x] = sum over k of taps[k] * in[k * stride + x], for x < count (a multiple of 8 here:
// whole vectors), each sum taken in the order of k. Eight columns at a time, so that a sum
// stays in a register through its taps instead of going through memory at every tap.
void convolve(float* __restrict out, const float* __restrict in, std::size_t stride, const std::vector<float>& taps,
              std::size_t count) {
  using Eight = float __attribute__((vector_size(32)));  // GCC and Clang's vector type: one AVX register
  for (std::size_t x0 = 0; x0 < count; x0 += 8) {
    Eight sum = {};
    for (std::size_t k = 0; k < taps.size(); ++k) {
      Eight from;
      std::memcpy(&from, in + k * stride + x0, sizeof from);
      sum += taps[k] * from;
    }
    std::memcpy(out + x0, &sum, sizeof sum);
  }
}

// A displacement field (rows x cols, row-major): uniform noise smoothed by the Gaussian down
// the columns, then along the rows, zero outside the picture, times alpha. Both passes run over
// zero-padded rows of a multiple of 8 floats, so every inner loop is whole vectors with no
// bounds to check: `noise` has `radius` zero rows above and below, and `down` `radius` zero
// columns on each side.
void elastic_field(float* field, std::size_t rows, std::size_t cols, const std::vector<float>& taps, float alpha,
                   SignedUniforms& uniforms) {
  const std::size_t radius = taps.size() / 2, width = (cols + 7) / 8 * 8, padded_width = width + 2 * radius;
  std::vector<float> noise((rows + 2 * radius) * width, 0.0f), down(rows * padded_width, 0.0f), across(width);
  for (std::size_t y = 0; y < rows; ++y) {
    for (std::size_t x = 0; x < cols; ++x) noise[(y + radius) * width + x] = uniforms.next();
  }
  for (std::size_t y = 0; y < rows; ++y) {  // down[y][radius + x] = sum_k taps[k] noise[y + k - radius][x]
    convolve(&down[y * padded_width + radius], &noise[y * width], width, taps, width);
  }
  for (std::size_t y = 0; y < rows; ++y) {  // across[x] = sum_k taps[k] down[y][x + k - radius]
    convolve(across.data(), &down[y * padded_width], 1, taps, width);
    for (std::size_t x = 0; x < cols; ++x) field[y * cols + x] = alpha * across[x];
  }
}

#if defined(__AVX2__)
// Where a row's pixels sample the original, and the original itself (see Distorter::apply).
struct RowSampling {
  float row_x, row_y, step_x, step_y;  // the affine part at pixel 0 of the row, and per pixel
  float b11, b12, b21, b22;            // A, applied to the elastic displacement
  float width, height;
  const float* dx;  // the row's elastic displacement, or nullptr
  const float* dy;
  const float* padded;  // the original with a border of one background pixel
  std::int32_t padded_cols;
};

// Pixels [0, count - count % 8) of a row, eight at a time: the steps of apply's loop in the same
// order, each rounded as there (no fused multiply-adds), the four corners gathered. Returns how
// many pixels it wrote.
std::size_t sample_eight_at_a_time(const RowSampling& r, std::uint8_t* out, std::size_t count) {
  const __m256 lane = _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7), one = _mm256_set1_ps(1.0f);
  const __m256 zero = _mm256_setzero_ps(), minus_one = _mm256_set1_ps(-1.0f);
  const __m256i stride = _mm256_set1_epi32(r.padded_cols);
  std::size_t x = 0;
  for (; x + 8 <= count; x += 8) {
    const __m256 column = _mm256_add_ps(_mm256_set1_ps(static_cast<float>(x)), lane);  // small integers: exact
    __m256 source_x = _mm256_add_ps(_mm256_set1_ps(r.row_x), _mm256_mul_ps(_mm256_set1_ps(r.step_x), column));
    __m256 source_y = _mm256_add_ps(_mm256_set1_ps(r.row_y), _mm256_mul_ps(_mm256_set1_ps(r.step_y), column));
    if (r.dx != nullptr) {
      const __m256 ex = _mm256_loadu_ps(r.dx + x), ey = _mm256_loadu_ps(r.dy + x);
      source_x = _mm256_add_ps(
          source_x, _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(r.b11), ex), _mm256_mul_ps(_mm256_set1_ps(r.b12), ey)));
      source_y = _mm256_add_ps(
          source_y, _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(r.b21), ex), _mm256_mul_ps(_mm256_set1_ps(r.b22), ey)));
    }
    const __m256 inside = _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(source_x, minus_one, _CMP_GT_OQ),
                                                      _mm256_cmp_ps(source_x, _mm256_set1_ps(r.width), _CMP_LT_OQ)),
                                        _mm256_and_ps(_mm256_cmp_ps(source_y, minus_one, _CMP_GT_OQ),
                                                      _mm256_cmp_ps(source_y, _mm256_set1_ps(r.height), _CMP_LT_OQ)));
    // Outside, the corner is taken at (0, 0), inside the picture, and the level is 0.
    const __m256 at_x = _mm256_and_ps(inside, source_x), at_y = _mm256_and_ps(inside, source_y);
    const __m256 fx = _mm256_floor_ps(at_x), fy = _mm256_floor_ps(at_y);
    const __m256i corner = _mm256_add_epi32(_mm256_mullo_epi32(_mm256_cvttps_epi32(_mm256_add_ps(fy, one)), stride),
                                            _mm256_cvttps_epi32(_mm256_add_ps(fx, one)));
    const __m256 top_left = _mm256_i32gather_ps(r.padded, corner, 4);
    const __m256 top_right = _mm256_i32gather_ps(r.padded + 1, corner, 4);
    const __m256 bottom_left = _mm256_i32gather_ps(r.padded + r.padded_cols, corner, 4);
    const __m256 bottom_right = _mm256_i32gather_ps(r.padded + r.padded_cols + 1, corner, 4);
    const __m256 ax = _mm256_sub_ps(at_x, fx), ay = _mm256_sub_ps(at_y, fy);
    const __m256 top = _mm256_add_ps(top_left, _mm256_mul_ps(_mm256_sub_ps(top_right, top_left), ax));
    const __m256 bottom = _mm256_add_ps(bottom_left, _mm256_mul_ps(_mm256_sub_ps(bottom_right, bottom_left), ax));
    const __m256 level =
        _mm256_and_ps(inside, _mm256_add_ps(_mm256_mul_ps(top, _mm256_sub_ps(one, ay)), _mm256_mul_ps(bottom, ay)));
    const __m256 clamped = _mm256_min_ps(_mm256_set1_ps(255.0f), _mm256_max_ps(zero, level));
    const __m256i levels = _mm256_cvttps_epi32(_mm256_add_ps(clamped, _mm256_set1_ps(0.5f)));
    const __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(levels), _mm256_extracti128_si256(levels, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + x), _mm_packus_epi16(words, words));
  }
  return x;
}
#endif

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
  check_range("rotation", rotation_degrees, 0, 89, true);
  check_range("scale", scale, 0, 0.9, true);
  check_range("shear", shear_degrees, 0, 89, true);
  check_range("shift", shift_pixels, 0, 14, true);
  check_range("alpha", alpha, 0, 1000, true);
  check_range("sigma", sigma, 0.5, 10, true);
}

Distorter::Distorter(const Distortion& distortion, std::size_t rows, std::size_t cols)
    : distortion_(distortion), rows_(rows), cols_(cols) {
  distortion_.validate();
  // A pixel's place is a float: beyond 2^24 pixels on a side, floor(x) + 1 may round past the
  // picture's border (and a pixel's cell with it).
  constexpr std::size_t largest_side = std::size_t{1} << 24;
  if (rows > largest_side || cols > largest_side) {
    throw std::invalid_argument("distortion: a picture of " + std::to_string(rows) + "x" + std::to_string(cols) +
                                " pixels has a side over 2^24");
  }
  if (distortion_.elastic) taps_ = gaussian_taps(distortion_.sigma);
}

void Distorter::apply(const std::uint8_t* in, std::uint8_t* out, std::uint64_t seed) const {
  ImageRandom random(seed);
  // Where output pixel p samples the original: centre + A (p - centre - shift), A the inverse
  // of the drawn map F = R(angle) Shear S(scale_x, scale_y), so the digit itself is rotated
  // by +angle, scaled by s, ...
  double a11 = 1, a12 = 0, a21 = 0, a22 = 1, shift_x = 0, shift_y = 0;
  if (distortion_.affine) {
    const double angle = random.signed_uniform() * distortion_.rotation_degrees * pi / 180.0;
    const double scale_x = 1.0 + random.signed_uniform() * distortion_.scale;
    const double scale_y = 1.0 + random.signed_uniform() * distortion_.scale;
    const double shear = std::tan(random.signed_uniform() * distortion_.shear_degrees * pi / 180.0);
    shift_x = random.signed_uniform() * distortion_.shift_pixels;
    shift_y = random.signed_uniform() * distortion_.shift_pixels;
    // F^-1 = S^-1 Shear^-1 R^-1, with R^-1 = [c s; -s c] and Shear^-1 = [1 -shear; 0 1].
    const double c = std::cos(angle), s = std::sin(angle);
    a11 = (c + shear * s) / scale_x;
    a12 = (s - shear * c) / scale_x;
    a21 = -s / scale_y;
    a22 = c / scale_y;
  }
  const std::size_t n = rows_ * cols_;
  std::vector<float> dx, dy;
  if (distortion_.elastic) {
    SignedUniforms uniforms(random);
    dx.resize(n);
    dy.resize(n);
    elastic_field(dx.data(), rows_, cols_, taps_, static_cast<float>(distortion_.alpha), uniforms);
    elastic_field(dy.data(), rows_, cols_, taps_, static_cast<float>(distortion_.alpha), uniforms);
  }
  // The original as floats with a border of one background pixel, so bilinear sampling
  // anywhere in [-1, cols] x [-1, rows] reads inside it without a check per neighbour.
  const std::size_t padded_cols = cols_ + 2;
  std::vector<float> padded((rows_ + 2) * padded_cols, 0.0f);
  for (std::size_t y = 0; y < rows_; ++y) {
    for (std::size_t x = 0; x < cols_; ++x) padded[(y + 1) * padded_cols + x + 1] = in[y * cols_ + x];
  }
  // source = centre + A (p - centre - shift) + A d, for p = (x, y) and d the elastic
  // displacement: along a row, the part without d grows by A's first column per pixel.
  const auto width = static_cast<float>(cols_), height = static_cast<float>(rows_);
  const double centre_x = (static_cast<double>(cols_) - 1) / 2, centre_y = (static_cast<double>(rows_) - 1) / 2;
  const auto step_x = static_cast<float>(a11), step_y = static_cast<float>(a21);
  const auto b11 = static_cast<float>(a11), b12 = static_cast<float>(a12), b21 = static_cast<float>(a21),
             b22 = static_cast<float>(a22);
#if defined(__AVX2__)
  RowSampling sampling{};
  sampling.step_x = step_x;
  sampling.step_y = step_y;
  sampling.b11 = b11;
  sampling.b12 = b12;
  sampling.b21 = b21;
  sampling.b22 = b22;
  sampling.width = width;
  sampling.height = height;
  sampling.padded = padded.data();
  sampling.padded_cols = static_cast<std::int32_t>(padded_cols);
  const bool gathers_reach = padded.size() <= static_cast<std::size_t>(INT32_MAX);  // 32-bit gather indices
#endif
  for (std::size_t y = 0; y < rows_; ++y) {
    const double uy = static_cast<double>(y) - centre_y - shift_y, ux = -centre_x - shift_x;
    const auto row_x = static_cast<float>(centre_x + a11 * ux + a12 * uy);
    const auto row_y = static_cast<float>(centre_y + a21 * ux + a22 * uy);
    std::size_t x = 0;
#if defined(__AVX2__)
    sampling.row_x = row_x;
    sampling.row_y = row_y;
    sampling.dx = distortion_.elastic ? dx.data() + y * cols_ : nullptr;
    sampling.dy = distortion_.elastic ? dy.data() + y * cols_ : nullptr;
    if (gathers_reach) x = sample_eight_at_a_time(sampling, out + y * cols_, cols_);
#endif
    for (; x < cols_; ++x) {
      const auto column = static_cast<float>(x);
      float source_x = row_x + step_x * column, source_y = row_y + step_y * column;
      if (distortion_.elastic) {
        const float ex = dx[y * cols_ + x], ey = dy[y * cols_ + x];
        source_x += b11 * ex + b12 * ey;
        source_y += b21 * ex + b22 * ey;
      }
      float level = 0.0f;  // background beyond the border
      if (source_x > -1.0f && source_x < width && source_y > -1.0f && source_y < height) {
        // The cell's corner in padded coordinates: floor + 1 is in [0, cols] (rows), exactly,
        // where rounding source + 1 could reach cols + 1 for a power-of-two size.
        const float fx = std::floor(source_x), fy = std::floor(source_y);
        const auto ix = static_cast<std::size_t>(fx + 1.0f), iy = static_cast<std::size_t>(fy + 1.0f);
        const float ax = source_x - fx, ay = source_y - fy;
        const float* top = &padded[iy * padded_cols + ix];
        const float* bottom = top + padded_cols;
        level = (top[0] + (top[1] - top[0]) * ax) * (1.0f - ay) + (bottom[0] + (bottom[1] - bottom[0]) * ax) * ay;
      }
      // Bilinear weights are convex, so level is within 0..255 but for rounding. Clamped, it is
      // not negative, so adding a half and truncating rounds to the nearest level.
      const float clamped = std::min(255.0f, std::max(0.0f, level));
      out[y * cols_ + x] = static_cast<std::uint8_t>(clamped + 0.5f);  // NOLINT(bugprone-incorrect-roundings)
    }
  }
}

}  // namespace vision
