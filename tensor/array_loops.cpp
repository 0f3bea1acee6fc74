#include "tensor/array_loops.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "tensor/parallel.hpp"

namespace tensor {

template <class T>
bool all_finite(const T* data, std::size_t count) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  // All exponent bits set: an infinity or a NaN.
  constexpr Bits exponent = static_cast<Bits>(sizeof(T) == 4 ? 0x7f800000ull : 0x7ff0000000000000ull);
  constexpr std::size_t block = 4096;
  for (std::size_t start = 0; start < count; start += block) {
    const std::size_t end = std::min(count, start + block);
    Bits bad = 0;
    for (std::size_t i = start; i < end; ++i) {
      Bits bits;
      std::memcpy(&bits, data + i, sizeof bits);
      bad |= static_cast<Bits>((bits & exponent) == exponent);
    }
    if (bad != 0) return false;
  }
  return true;
}

template <class T>
bool sgd_update(T* p, const T* g, T* velocity, std::size_t count, T rate, T momentum, T weight_decay) {
  std::atomic<bool> finite = true;
  detail::parallel_chunks(count, detail::parallel_grain_elements, [&](std::size_t begin, std::size_t end) {
    if (momentum == T(0)) {
      for (std::size_t i = begin; i < end; ++i) p[i] -= rate * (g[i] + weight_decay * p[i]);
    } else {
      for (std::size_t i = begin; i < end; ++i) {
        velocity[i] = momentum * velocity[i] + (g[i] + weight_decay * p[i]);
        p[i] -= rate * velocity[i];
      }
    }
    if (!all_finite(p + begin, end - begin)) finite.store(false, std::memory_order_relaxed);
  });
  return finite.load();
}

template bool all_finite<float>(const float*, std::size_t);
template bool all_finite<double>(const double*, std::size_t);
template bool sgd_update<float>(float*, const float*, float*, std::size_t, float, float, float);
template bool sgd_update<double>(double*, const double*, double*, std::size_t, double, double, double);

}  // namespace tensor
