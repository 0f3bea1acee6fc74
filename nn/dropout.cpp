#include "nn/dropout.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace nn {
namespace {

void check_rate(double rate) {
  if (!(rate >= 0.0 && rate < 1.0)) {
    throw std::invalid_argument("dropout rate " + std::to_string(rate) + " is not in [0, 1)");
  }
}

}  // namespace

void validate_dropout(const std::vector<double>& rates, std::size_t hidden_layers) {
  if (!rates.empty() && rates.size() != hidden_layers) {
    throw std::invalid_argument(std::to_string(rates.size()) + " dropout rates for " + std::to_string(hidden_layers) +
                                " hidden layers");
  }
  for (double rate : rates) check_rate(rate);
}

std::vector<double> dropout_mask(std::size_t rows, std::size_t cols, double rate, Rng& rng) {
  check_rate(rate);
  // An element is dropped when its 16-bit draw is below rate * 65536.
  const auto threshold = static_cast<std::uint32_t>(std::lround(rate * 65536.0));
  const double kept = 1.0 / (1.0 - rate);
  std::vector<double> mask(rows * cols);
  std::uint64_t bits = 0;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    if (i % 4 == 0) bits = rng.bits();
    const auto draw = static_cast<std::uint32_t>(bits & 0xFFFFu);
    bits >>= 16;
    mask[i] = draw < threshold ? 0.0 : kept;
  }
  return mask;
}

}  // namespace nn
