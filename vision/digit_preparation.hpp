#pragma once
// Turning any picture of one handwritten digit -- a photo, a scan, a drawing, dark ink on light
// paper or the reverse, any size, off-centre -- into a 28x28 image prepared the way MNIST's
// digits were: white ink on black, the ink's bounding box scaled to fit 20x20 keeping its
// aspect ratio (anti-aliased), placed so that the ink's centre of mass is at the centre.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "vision/image.hpp"

namespace vision {

// Whether the picture's ink is dark on a light background and must be inverted.
enum class Invert { automatic, yes, no };

// Parses "auto", "yes" or "no"; throws std::invalid_argument otherwise.
Invert parse_invert(const std::string& text);

constexpr std::size_t digit_side = 28;  // MNIST's image side
constexpr std::size_t digit_box = 20;   // the side of the square its ink is scaled to fit

struct PreparedDigit {
  std::array<std::uint8_t, digit_side * digit_side> pixels{};  // row-major, 0 = black, 255 = ink
  bool inverted = false;                                       // whether the picture was dark on light
};

// Prepares `picture` as described above. How it works:
//   1. Polarity: with Invert::automatic, a picture whose border (its median) lies on the light
//      side of Otsu's split of its levels is dark ink on light paper, and is inverted.
//   2. Background and ink levels: Otsu's method splits the gray levels in two; the median of each
//      class is the background and the ink level, and every pixel is mapped linearly from
//      background (0) to ink (1), clamped. Paper that is gray, shadowed or JPEG-noisy becomes 0
//      without a threshold to tune; anti-aliased stroke edges keep their intermediate levels.
//   3. The ink's bounding box is that of the pixels above Otsu's level.
//   4. One separable resampling (area averaging when shrinking, so nothing aliases; bilinear
//      when enlarging) maps the box to at most 20x20, with the centre of mass, measured on the
//      full-resolution picture, landing on the centre of pixel (14, 14), where MNIST put it.
//   5. Levels are stretched so the darkest ink is 255.
// Throws io::InputError naming `name` for a blank picture (no ink distinguishable from background).
PreparedDigit prepare_digit(const GrayImage& picture, Invert invert, const std::string& name);

// A picture already prepared like MNIST (28x28, white on black unless inverted), taken as is.
PreparedDigit digit_as_is(const GrayImage& picture, Invert invert, const std::string& name);

// What MNIST's own digits look like, prepared, in all 70,000 of them: their ink (levels of 128
// and above) covers at least 1.9 % of the 28x28, and everything lit (levels of 32 and above) at
// most 43.9 %. A prepared digit is plausible within these bounds:
constexpr double min_ink_share = 0.01;  // levels >= 128
constexpr double max_lit_share = 0.50;  // levels >= 32

// Why `digit` does not look like one of MNIST's -- too little ink (a speck), or lit pixels
// nearly everywhere in its 20x20 box (texture, noise, a photo of no digit) -- or "" when it does.
std::string implausible_digit(const PreparedDigit& digit);

}  // namespace vision
