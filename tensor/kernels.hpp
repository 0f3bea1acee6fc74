#pragma once
// Internal: the loops behind the tensor ops. Each works on raw row-major buffers or 2-D arrays,
// runs on TBB above a size threshold (parallel.hpp), and is instantiated for float and double.
// Backward kernels ADD into their destination (gradients accumulate).

#include <cstddef>
#include <xtensor/xtensor.hpp>

#include "tensor/tensor_node.hpp"

namespace tensor::kernels {

template <class T>
using Array = xt::xtensor<T, 2>;

// y = f(x) for the one-input element-wise ops (neg, pow, exp, log, tanh, relu, sigmoid).
template <class T>
void unary_forward(Op op, const T* x, T* y, std::size_t count, T exponent);

// dx += f'(x) * dy, given x and y = f(x).
template <class T>
void unary_backward(Op op, const T* x, const T* y, const T* dy, T* dx, std::size_t count, T exponent);

// out = a (op) b for add, sub, mul, div, broadcasting 1-sized dimensions; out must already have
// the broadcast shape.
template <class T>
void binary_forward(Op op, const Array<T>& a, const Array<T>& b, Array<T>& out);

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

}  // namespace tensor::kernels
