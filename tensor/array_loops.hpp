#pragma once
// Whole-array loops the training loop and the optimizers run on every batch, compiled like the
// kernels (for the machine's vector unit) so that they cost little next to the products.

#include <cstddef>

namespace tensor {

// Whether none of data[0..count) is a NaN or an infinity. A bit test on the exponent, so it
// vectorises (std::isfinite in a loop does not) and stops early at the first bad block.
template <class T>
bool all_finite(const T* data, std::size_t count);

// One SGD step over count parameters: with gradient = g + weight_decay * p,
//   velocity = momentum * velocity + gradient;  p -= rate * velocity
// and with momentum 0 simply p -= rate * gradient, the velocity neither read nor written. On
// TBB for large arrays, in fixed chunks (the same result on any number of threads).
template <class T>
void sgd_update(T* p, const T* g, T* velocity, std::size_t count, T rate, T momentum, T weight_decay);

}  // namespace tensor
