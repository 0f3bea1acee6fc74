#pragma once
// Central finite differences, the reference every analytic gradient is checked against.

#include <cmath>
#include <functional>

namespace testing {

// (f(x + h) - f(x - h)) / 2h, h = 1e-6 max(1, |x|): truncation (~h^2 f''' / 6) and
// rounding (~eps f / h) errors stay far below the tests' 1e-7 relative tolerance.
inline double central_difference(const std::function<double(double)>& f, double x) {
  const double h = 1e-6 * std::max(1.0, std::abs(x));
  return (f(x + h) - f(x - h)) / (2 * h);
}

// |a - b| small relative to the larger of the two, or absolutely when both are near 0.
inline bool close(double a, double b, double tolerance) {
  return std::abs(a - b) <= tolerance * std::max(1.0, std::max(std::abs(a), std::abs(b)));
}

}  // namespace testing
