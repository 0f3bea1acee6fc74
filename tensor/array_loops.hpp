#pragma once
// Whole-array loops the training loop and the optimizers run on every batch, compiled like the
// kernels (for the machine's vector unit) so that they cost little next to the products.

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace tensor {

// 1 if x is a NaN or an infinity (every exponent bit set), else 0. A bit test rather than
// std::isfinite, so that loops using it vectorise: a pass ORs it over what it wrote.
template <class T>
inline auto non_finite_bit(T x) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  constexpr Bits exponent = static_cast<Bits>(sizeof(T) == 4 ? 0x7f800000ull : 0x7ff0000000000000ull);
  Bits bits;
  std::memcpy(&bits, &x, sizeof bits);
  return static_cast<Bits>((bits & exponent) == exponent);
}

// Whether none of data[0..count) is a NaN or an infinity. A bit test on the exponent, so it
// vectorises (std::isfinite in a loop does not) and stops early at the first bad block.
template <class T>
bool all_finite(const T* data, std::size_t count);

// out[i] = table[keys[i]] for i < count: a 256-entry table applied to bytes (pixel levels to
// model inputs). With AVX2, eight lookups per gather instruction; the same values as the loop.
template <class T>
void look_up_bytes(const std::uint8_t* keys, const T* table, T* out, std::size_t count);

// One SGD step over count parameters: with gradient = g + weight_decay * p,
//   velocity = momentum * velocity + gradient;  p -= rate * velocity
// and with momentum 0 simply p -= rate * gradient, the velocity neither read nor written. On
// TBB for large arrays, in fixed chunks (the same result on any number of threads). Returns
// whether every updated p is finite, checked on each chunk while it is still in cache: a NaN
// or infinite gradient, or a step that overflowed, shows there without a pass of its own.
template <class T>
bool sgd_update(T* p, const T* g, T* velocity, std::size_t count, T rate, T momentum, T weight_decay);

// Adam's constants for one step: rate, betas, epsilon, decay = rate * weight decay, and the
// bias corrections 1 - beta1^t and 1 - beta2^t.
template <class T>
struct AdamStep {
  T rate, beta1, beta2, epsilon, decay, correction1, correction2;
};

// Adam's rule for one element with gradient g, first moment m and second moment v:
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g g
//   p -= rate (m / correction1) / (sqrt(v / correction2) + epsilon) + decay p
template <class T>
inline void adam_element(T& p, T g, T& m, T& v, const AdamStep<T>& step) {
  m = step.beta1 * m + (1 - step.beta1) * g;
  v = step.beta2 * v + (1 - step.beta2) * g * g;
  const T m_hat = m / step.correction1, v_hat = v / step.correction2;
  p -= step.rate * m_hat / (std::sqrt(v_hat) + step.epsilon) + step.decay * p;
}

// adam_element over count parameters in one vectorised pass on TBB. Compiled without
// contraction into FMAs (tensor/adam_update.cpp), so each element is rounded as by a plain loop
// of adam_element compiled without FMAs, on any number of threads. Returns whether every
// updated p is finite, checked as sgd_update checks.
template <class T>
bool adam_update(T* p, const T* g, T* m, T* v, std::size_t count, const AdamStep<T>& step);

}  // namespace tensor
