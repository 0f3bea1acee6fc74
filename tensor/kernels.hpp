#pragma once
// Internal: loops shared by the tensor ops' backward rules, and the BLAS product. Each works on
// 2-D arrays, runs on TBB above a size threshold (parallel.hpp), and is instantiated for float
// and double. (The element-wise loops are in elementwise.hpp, beside the rules they apply.)

#include <cstddef>
#include <xtensor/xtensor.hpp>

#include "tensor/background_split.hpp"

namespace tensor::kernels {

template <class T>
using Array = xt::xtensor<T, 2>;

// dst += scale * g summed down to dst's shape: over rows where dst has one row, over columns
// where it has one column. Deterministic: every sum runs in the same order on any thread count.
template <class T>
void accumulate_reduced(const Array<T>& g, T scale, Array<T>& dst);

// Sum of every element, in a fixed order (row sums, then their sum).
template <class T>
T total_sum(const Array<T>& a);

// c = alpha * op(a) @ op(b) + beta * c on BLAS gemm, op = transpose when the flag is set;
// c must already have the result's shape. No transposed copy is ever made.
template <class T>
void gemm(bool transpose_a, bool transpose_b, T alpha, const Array<T>& a, const Array<T>& b, T beta, Array<T>& c);

// The split of a around its first entry when that entry is finite and, in each panel of 128
// rows, at most a fraction `max_foreground` of the entries differ from it; else an empty split.
template <class T>
BackgroundSplit<T> split_around_background(const Array<T>& a, double max_foreground);

// c = a @ b from a's split; c must already have the result's shape and is overwritten.
//
// Both split products equal gemm's up to rounding, and are not finite wherever gemm's are not.
// They may also be NaN where gemm's are finite or infinite: the background multiplies a column
// sum of every row of the other operand, which overflows past ~3e38 in float, and multiplies
// an infinity in a row that gemm only met on an entry of another value.
template <class T>
void background_product(const BackgroundSplit<T>& a, const Array<T>& b, Array<T>& c);

// c = alpha * a^T @ d + beta * c from a's split, for beta 0 (c overwritten) or 1: gemm(true,
// false, ...) with a split left operand.
template <class T>
void background_transposed_product(T alpha, const BackgroundSplit<T>& a, const Array<T>& d, T beta, Array<T>& c);

}  // namespace tensor::kernels
