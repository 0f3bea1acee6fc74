#pragma once
// Distorted copies of a digit, to train on digits the training set does not hold (Simard,
// Steinkraus, Platt 2003): a random affine map -- rotation, scaling, shear, translation -- and
// an elastic distortion -- a random displacement field per image, each component uniform in
// [-1, 1] per pixel, smoothed by a Gaussian of standard deviation sigma and scaled by alpha.
// Each output pixel samples the original at its displaced place by bilinear interpolation;
// outside the picture is background (0).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vision {

struct Distortion {
  bool affine = false;
  double rotation_degrees = 12.0;  // the angle is uniform in [-this, this]
  double scale = 0.12;             // each axis scaled by a factor uniform in [1 - this, 1 + this]
  double shear_degrees = 10.0;     // horizontal shear angle, uniform in [-this, this]
  double shift_pixels = 2.0;       // translation on each axis, uniform in [-this, this]

  bool elastic = false;
  double alpha = 34.0;  // Simard et al.'s values for 29x29 MNIST digits
  double sigma = 4.0;

  bool any() const { return affine || elastic; }
  // "none", "affine (rotation 12, scale 0.12, shear 10, shift 2)", "elastic (alpha 34, sigma 4)", or both.
  std::string describe() const;
  // Throws std::invalid_argument naming a parameter outside its range (or NaN): rotation and
  // shear in [0, 89] degrees, scale in [0, 0.9], shift in [0, 14] pixels, alpha in [0, 1000], sigma in
  // [0.5, 10].
  void validate() const;
};

// Distorts rows x cols pictures (one byte a pixel, row-major), each by the draws of a seed.
class Distorter {
 public:
  // Throws std::invalid_argument as Distortion::validate does, and for a side over 2^24 pixels.
  Distorter(const Distortion& distortion, std::size_t rows, std::size_t cols);
  // Writes a distorted copy of `in` to `out` (the same size, not overlapping): the same seed
  // gives the same copy. Pixels are rounded back to bytes, so the copy stays in 0-255 like the
  // original. Safe to call from several threads at once.
  void apply(const std::uint8_t* in, std::uint8_t* out, std::uint64_t seed) const;

 private:
  Distortion distortion_;
  std::size_t rows_, cols_;
  std::vector<float> taps_;  // the elastic field's Gaussian
};

}  // namespace vision
