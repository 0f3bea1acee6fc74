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
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>, "IEEE float or double only");
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

// Adam's constants for one step t: the betas, decay = rate * weight decay, and the bias
// corrections folded into two scalars, as Kingma and Ba's paper suggests (section 2): with
// c1 = 1 - beta1^t and c2 = 1 - beta2^t,
//   step_size = rate * sqrt(c2) / c1  and  denominator_epsilon = epsilon * sqrt(c2).
template <class T>
struct AdamStep {
  T beta1, beta2, decay, step_size, denominator_epsilon;
};

// Adam's rule for one element with gradient g, first moment m and second moment v:
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g g
//   p -= step_size m / (sqrt(v) + denominator_epsilon) + decay p
// which is rate (m / c1) / (sqrt(v / c2) + epsilon) + decay p, the textbook form, with one
// division and one square root per element instead of three divisions and a root: the
// divider is what bounds this pass.
template <class T>
inline void adam_element(T& p, T g, T& m, T& v, const AdamStep<T>& step) {
  m = step.beta1 * m + (1 - step.beta1) * g;
  v = step.beta2 * v + (1 - step.beta2) * g * g;
  p -= step.step_size * m / (std::sqrt(v) + step.denominator_epsilon) + step.decay * p;
}

// Adam's constants for step t (counted from 1) in T, computed in double.
template <class T>
AdamStep<T> adam_step(double rate, double beta1, double beta2, double epsilon, double weight_decay, long t) {
  const double correction1 = 1.0 - std::pow(beta1, static_cast<double>(t));
  const double correction2_root = std::sqrt(1.0 - std::pow(beta2, static_cast<double>(t)));
  return {static_cast<T>(beta1), static_cast<T>(beta2), static_cast<T>(rate * weight_decay),
          static_cast<T>(rate * correction2_root / correction1), static_cast<T>(epsilon * correction2_root)};
}

// adam_element over count parameters in one vectorised pass on TBB. Compiled without
// contraction into FMAs (tensor/adam_update.cpp), so each element is rounded as by a plain loop
// of adam_element compiled without FMAs, on any number of threads. Returns whether every
// updated p is finite, checked as sgd_update checks.
template <class T>
bool adam_update(T* p, const T* g, T* m, T* v, std::size_t count, const AdamStep<T>& step);

}  // namespace tensor
