#include "vision/digit_preparation.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "io/input_error.hpp"

namespace vision {
namespace {

using Histogram = std::array<std::size_t, 256>;

// The smallest difference between background and ink levels taken as a digit: below it the
// picture is blank paper, sensor noise or compression noise.
constexpr int min_contrast = 32;

// The median of the outermost pixels: a digit rarely touches every edge, so this is the
// background's level.
int border_median(const GrayImage& picture) {
  const std::size_t w = picture.width, h = picture.height;
  std::vector<std::uint8_t> border;
  border.reserve(2 * (w + h));
  for (std::size_t x = 0; x < w; ++x) {
    border.push_back(picture.pixels[x]);
    border.push_back(picture.pixels[(h - 1) * w + x]);
  }
  for (std::size_t y = 0; y < h; ++y) {
    border.push_back(picture.pixels[y * w]);
    border.push_back(picture.pixels[y * w + w - 1]);
  }
  auto middle = border.begin() + static_cast<std::ptrdiff_t>(border.size() / 2);
  std::nth_element(border.begin(), middle, border.end());
  return *middle;
}

// Otsu's threshold: the level t maximising the between-class variance of [0, t] and (t, 255];
// -1 when every pixel has the same level.
int otsu_threshold(const Histogram& histogram, std::size_t total) {
  double sum_all = 0;
  for (int v = 0; v < 256; ++v) sum_all += v * static_cast<double>(histogram[v]);
  double sum_low = 0, best_variance = -1;
  std::size_t count_low = 0;
  int best = -1;
  for (int t = 0; t < 256; ++t) {
    count_low += histogram[t];
    sum_low += t * static_cast<double>(histogram[t]);
    if (count_low == 0 || count_low == total) continue;
    const double n_low = static_cast<double>(count_low), n_high = static_cast<double>(total - count_low);
    const double mean_difference = sum_low / n_low - (sum_all - sum_low) / n_high;
    const double variance = n_low * n_high * mean_difference * mean_difference;
    if (variance > best_variance) {
      best_variance = variance;
      best = t;
    }
  }
  return best;
}

// The median level among the pixels with levels in [low, high]; -1 when there are none.
int median_level(const Histogram& histogram, int low, int high) {
  std::size_t count = 0;
  for (int v = low; v <= high; ++v) count += histogram[v];
  if (count == 0) return -1;
  std::size_t seen = 0;
  for (int v = low; v <= high; ++v) {
    seen += histogram[v];
    if (2 * seen >= count) return v;
  }
  return high;
}

Histogram histogram_of(const GrayImage& picture) {
  Histogram histogram{};
  for (const std::uint8_t v : picture.pixels) ++histogram[v];
  return histogram;
}

// Dark ink on light paper when the background (the border) is on the light side of Otsu's
// split of the picture's own levels -- paper photographed in dim light is still the light side.
bool should_invert(const GrayImage& picture, const Histogram& histogram, Invert invert) {
  if (invert != Invert::automatic) return invert == Invert::yes;
  const int split = otsu_threshold(histogram, picture.pixels.size());
  return border_median(picture) > (split < 0 ? 127 : split);
}

// One output pixel's sources along an axis: weights[k] applies to source index first + k.
struct Footprint {
  std::size_t first = 0;
  std::vector<float> weights;
};

// The weight of source pixel i (spanning [i, i + 1)) in an output pixel centred on source
// coordinate `at`, `width` source pixels wide. Shrinking (width > 1): the share of the output
// pixel's area the source pixel covers -- area averaging, the anti-aliasing that keeps thin
// strokes as gray instead of dropping them. Enlarging: the tent of bilinear interpolation.
double source_weight(long i, double at, double width) {
  const double lo = static_cast<double>(i), hi = lo + 1.0;
  if (width > 1.0) return std::max(0.0, std::min(hi, at + width / 2) - std::max(lo, at - width / 2)) / width;
  return std::max(0.0, 1.0 - std::abs(lo + 0.5 - at));
}

// For each of digit_side output positions, the source pixels in [low, high) it draws from, when
// source coordinate `centre` maps to the centre of output pixel 14 and one source pixel to
// `scale` output pixels. Pixel 14, not the grid's middle (between 13 and 14): MNIST computed
// centres of mass on pixel indices and put them at index 14 -- its digits' centres of mass
// average (14.5, 14.5) where pixel i spans [i, i + 1), and the half pixel matters to models trained
// on it. Sources outside [low, high) count as background.
std::vector<Footprint> footprints(std::size_t low, std::size_t high, double centre, double scale) {
  const double width = 1.0 / scale;
  const double reach = std::max(1.0, width / 2) + 1.0;
  std::vector<Footprint> result(digit_side);
  for (std::size_t out = 0; out < digit_side; ++out) {
    const double at = (static_cast<double>(out) - digit_side / 2.0) * width + centre;
    const long first = std::max(static_cast<long>(std::floor(at - reach)), static_cast<long>(low));
    const long last = std::min(static_cast<long>(std::ceil(at + reach)), static_cast<long>(high) - 1);
    if (first > last) continue;
    result[out].first = static_cast<std::size_t>(first);
    for (long i = first; i <= last; ++i) result[out].weights.push_back(static_cast<float>(source_weight(i, at, width)));
  }
  return result;
}

struct Box {
  std::size_t x0 = 0, y0 = 0, x1 = 0, y1 = 0;  // [x0, x1) x [y0, y1)
};

}  // namespace

Invert parse_invert(const std::string& text) {
  if (text == "auto") return Invert::automatic;
  if (text == "yes") return Invert::yes;
  if (text == "no") return Invert::no;
  throw std::invalid_argument("invert must be auto, yes or no, not '" + text + "'");
}

PreparedDigit prepare_digit(const GrayImage& picture, Invert invert, const std::string& name) {
  const std::size_t w = picture.width, h = picture.height;
  const std::vector<std::uint8_t>& pixels = picture.pixels;
  const Histogram raw = histogram_of(picture);
  PreparedDigit digit;
  digit.inverted = should_invert(picture, raw, invert);

  // Everything below looks pixels up by their raw level in 256-entry tables: no per-pixel copy,
  // whatever the picture's size.
  Histogram histogram{};  // of ink levels (raw, or inverted)
  for (int v = 0; v < 256; ++v) histogram[digit.inverted ? 255 - v : v] = raw[v];
  const int threshold = otsu_threshold(histogram, pixels.size());
  if (threshold < 0) io::input_error(name, "blank image: no ink stands out from the background (one uniform level)");
  const int background = median_level(histogram, 0, threshold);
  const int ink_level = median_level(histogram, threshold + 1, 255);
  if (ink_level - background < min_contrast) {
    io::input_error(name, "blank image: no ink stands out from the background (contrast " +
                              std::to_string(ink_level - background) + " of 255)");
  }
  std::array<float, 256> level{};  // by raw level: 0 background ... 1 ink
  std::array<bool, 256> is_ink{};  // by raw level: on the ink side of Otsu's split
  for (int v = 0; v < 256; ++v) {
    const int ink = digit.inverted ? 255 - v : v;
    level[v] =
        std::clamp(static_cast<float>(ink - background) / static_cast<float>(ink_level - background), 0.0F, 1.0F);
    is_ink[v] = ink > threshold;
  }

  // The ink's box and its centre of mass.
  Box box{w, h, 0, 0};
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < w; ++x) {
      if (is_ink[pixels[y * w + x]]) {
        box = {std::min(box.x0, x), std::min(box.y0, y), std::max(box.x1, x + 1), std::max(box.y1, y + 1)};
      }
    }
  }
  double mass = 0, moment_x = 0, moment_y = 0;
  for (std::size_t y = box.y0; y < box.y1; ++y) {
    for (std::size_t x = box.x0; x < box.x1; ++x) {
      const double l = level[pixels[y * w + x]];
      mass += l;
      moment_x += l * (static_cast<double>(x) + 0.5);
      moment_y += l * (static_cast<double>(y) + 0.5);
    }
  }
  const std::size_t box_w = box.x1 - box.x0, box_h = box.y1 - box.y0;
  const double scale = static_cast<double>(digit_box) / static_cast<double>(std::max(box_w, box_h));
  const std::vector<Footprint> columns = footprints(box.x0, box.x1, moment_x / mass, scale);
  const std::vector<Footprint> rows = footprints(box.y0, box.y1, moment_y / mass, scale);

  // Two passes, the box's longer side first, so the array between them is 28 x the shorter side.
  std::array<float, digit_side * digit_side> resampled{};
  if (box_h >= box_w) {
    std::vector<float> down(digit_side * box_w, 0.0F);  // 28 rows x the box's columns
    for (std::size_t out_y = 0; out_y < digit_side; ++out_y) {
      for (std::size_t k = 0; k < rows[out_y].weights.size(); ++k) {
        const float weight = rows[out_y].weights[k];
        const std::uint8_t* source = &pixels[(rows[out_y].first + k) * w + box.x0];
        for (std::size_t x = 0; x < box_w; ++x) down[out_y * box_w + x] += weight * level[source[x]];
      }
    }
    for (std::size_t out_y = 0; out_y < digit_side; ++out_y) {
      for (std::size_t out_x = 0; out_x < digit_side; ++out_x) {
        float sum = 0;
        for (std::size_t k = 0; k < columns[out_x].weights.size(); ++k) {
          sum += columns[out_x].weights[k] * down[out_y * box_w + columns[out_x].first + k - box.x0];
        }
        resampled[out_y * digit_side + out_x] = sum;
      }
    }
  } else {
    std::vector<float> across(box_h * digit_side, 0.0F);  // the box's rows x 28 columns
    for (std::size_t y = box.y0; y < box.y1; ++y) {
      const std::uint8_t* source = &pixels[y * w];
      for (std::size_t out_x = 0; out_x < digit_side; ++out_x) {
        float sum = 0;
        for (std::size_t k = 0; k < columns[out_x].weights.size(); ++k) {
          sum += columns[out_x].weights[k] * level[source[columns[out_x].first + k]];
        }
        across[(y - box.y0) * digit_side + out_x] = sum;
      }
    }
    for (std::size_t out_y = 0; out_y < digit_side; ++out_y) {
      for (std::size_t k = 0; k < rows[out_y].weights.size(); ++k) {
        const float weight = rows[out_y].weights[k];
        const float* source = &across[(rows[out_y].first + k - box.y0) * digit_side];
        for (std::size_t x = 0; x < digit_side; ++x) resampled[out_y * digit_side + x] += weight * source[x];
      }
    }
  }
  const float peak = *std::max_element(resampled.begin(), resampled.end());
  for (std::size_t i = 0; i < resampled.size(); ++i) {
    digit.pixels[i] = static_cast<std::uint8_t>(std::lround(255.0F * std::clamp(resampled[i] / peak, 0.0F, 1.0F)));
  }
  return digit;
}

std::string implausible_digit(const PreparedDigit& digit) {
  std::size_t ink = 0, lit = 0;
  for (std::uint8_t level : digit.pixels) {
    ink += level >= 128;
    lit += level >= 32;
  }
  const auto total = static_cast<double>(digit.pixels.size());
  auto percent = [](double x) { return std::to_string(static_cast<int>(std::lround(100 * x))) + " %"; };
  if (static_cast<double>(ink) / total < min_ink_share) {
    return "too little ink: " + percent(static_cast<double>(ink) / total) +
           " of the prepared 28x28, where a digit has at least " + percent(min_ink_share);
  }
  if (static_cast<double>(lit) / total > max_lit_share) {
    return "ink everywhere: " + percent(static_cast<double>(lit) / total) +
           " of the prepared 28x28 is lit, where a digit lights at most " + percent(max_lit_share);
  }
  return "";
}

PreparedDigit digit_as_is(const GrayImage& picture, Invert invert, const std::string& name) {
  if (picture.width != digit_side || picture.height != digit_side) {
    io::input_error(name, "image is " + std::to_string(picture.width) + "x" + std::to_string(picture.height) +
                              ", but taken as is it must be 28x28 like MNIST's digits");
  }
  PreparedDigit digit;
  digit.inverted = should_invert(picture, histogram_of(picture), invert);
  for (std::size_t i = 0; i < digit.pixels.size(); ++i) {
    digit.pixels[i] = digit.inverted ? static_cast<std::uint8_t>(255 - picture.pixels[i]) : picture.pixels[i];
  }
  return digit;
}

}  // namespace vision
