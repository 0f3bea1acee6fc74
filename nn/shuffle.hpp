#pragma once
// Deterministic shuffling: the same seed gives the same order on every platform.

#include <cstddef>
#include <numeric>
#include <vector>

#include "nn/random.hpp"

namespace nn {

// 0, 1, ..., count - 1 in a random order (Fisher-Yates with Rng::below).
inline std::vector<std::size_t> shuffled_indices(std::size_t count, Rng& rng) {
  std::vector<std::size_t> order(count);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = count; i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

}  // namespace nn
