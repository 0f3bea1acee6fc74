#pragma once
// Whole-array loops the training loop runs on every batch, compiled like the kernels (for the
// machine's vector unit) so that they cost little next to the products.

#include <cstddef>

namespace tensor {

// Whether none of data[0..count) is a NaN or an infinity. A bit test on the exponent, so it
// vectorises (std::isfinite in a loop does not) and stops early at the first bad block.
template <class T>
bool all_finite(const T* data, std::size_t count);

}  // namespace tensor
