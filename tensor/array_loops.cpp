#include "tensor/array_loops.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <type_traits>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "tensor/parallel.hpp"

namespace tensor {

template <class T>
bool all_finite(const T* data, std::size_t count) {
  constexpr std::size_t block = 4096;
  for (std::size_t start = 0; start < count; start += block) {
    const std::size_t end = std::min(count, start + block);
    decltype(non_finite_bit(T())) bad = 0;
    for (std::size_t i = start; i < end; ++i) bad |= non_finite_bit(data[i]);
    if (bad != 0) return false;
  }
  return true;
}

template <class T>
void look_up_bytes(const std::uint8_t* keys, const T* table, T* out, std::size_t count) {
  std::size_t i = 0;
#if defined(__AVX2__)
  // A byte key is a 32-bit index once widened, so eight keys make one gather.
  if constexpr (std::is_same_v<T, float>) {
    for (; i + 8 <= count; i += 8) {
      const __m128i eight_keys = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(keys + i));
      _mm256_storeu_ps(out + i, _mm256_i32gather_ps(table, _mm256_cvtepu8_epi32(eight_keys), sizeof(float)));
    }
  }
#endif
  for (; i < count; ++i) out[i] = table[keys[i]];
}

template <class T>
bool sgd_update(T* p, const T* g, T* velocity, std::size_t count, T rate, T momentum, T weight_decay) {
  std::atomic<bool> finite = true;
  detail::parallel_chunks(count, detail::parallel_grain_elements, [&](std::size_t begin, std::size_t end) {
    decltype(non_finite_bit(T())) bad = 0;
    if (momentum == T(0)) {
      for (std::size_t i = begin; i < end; ++i) {
        p[i] -= rate * (g[i] + weight_decay * p[i]);
        bad |= non_finite_bit(p[i]);
      }
    } else {
      for (std::size_t i = begin; i < end; ++i) {
        velocity[i] = momentum * velocity[i] + (g[i] + weight_decay * p[i]);
        p[i] -= rate * velocity[i];
        bad |= non_finite_bit(p[i]);
      }
    }
    if (bad != 0) finite.store(false, std::memory_order_relaxed);
  });
  return finite.load();
}

template bool all_finite<float>(const float*, std::size_t);
template bool all_finite<double>(const double*, std::size_t);
template void look_up_bytes<float>(const std::uint8_t*, const float*, float*, std::size_t);
template void look_up_bytes<double>(const std::uint8_t*, const double*, double*, std::size_t);
template bool sgd_update<float>(float*, const float*, float*, std::size_t, float, float, float);
template bool sgd_update<double>(double*, const double*, double*, std::size_t, double, double, double);

}  // namespace tensor
