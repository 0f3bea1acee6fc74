// Matrix ops: the product (on BLAS gemm), the transpose, and reductions to 1 x 1.

#include <limits>
#include <xtensor/xmanipulation.hpp>

#include "tensor/graph_building.hpp"
#include "tensor/kernels.hpp"

namespace tensor {

// The backward rules, each defined below its op.
template <class T>
static void matmul_backward(Node<T>& out);
template <class T>
static void transpose_backward(Node<T>& out);
template <class T>
static void reduction_backward(Node<T>& out);

// A constant left operand (a batch of inputs) is split around its background when at most this
// fraction of its entries differ from it: a product with the split then does less work than
// gemm with the whole (bench_tensor_engine --only background measures the crossing). The right
// operand must be at least a cache line wide: the split's kernels work on blocks of 256 bytes
// of its columns, wasted on a narrower one (an output layer of 10 classes goes to gemm).
constexpr double max_foreground_for_split = 0.5;
constexpr std::size_t min_split_product_bytes = 64;

// out = a @ b: (m x k) @ (k x n) -> (m x n)
template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b) {
  detail::require_non_empty("matmul", a);
  detail::require_non_empty("matmul", b);
  if (a.cols() != b.rows()) {
    detail::fail("matmul", detail::shape_of(a) + " @ " + detail::shape_of(b) + ": inner dimensions differ");
  }
  constexpr std::size_t blas_limit = std::numeric_limits<int>::max();  // BLAS takes int dimensions
  if (a.rows() > blas_limit || a.cols() > blas_limit || b.cols() > blas_limit) {
    detail::fail("matmul",
                 detail::shape_of(a) + " @ " + detail::shape_of(b) + ": a dimension exceeds BLAS's int range");
  }
  xt::xtensor<T, 2> out = xt::xtensor<T, 2>::from_shape({a.rows(), b.cols()});
  BackgroundSplit<T> split;
  if (!a.requires_grad() && b.cols() * sizeof(T) >= min_split_product_bytes) {
    split = kernels::split_around_background(a.data(), max_foreground_for_split);
  }
  if (split.empty()) {
    kernels::gemm(false, false, T(1), a.data(), b.data(), T(0), out);
  } else {
    kernels::background_product(split, b.data(), out);
  }
  Tensor<T> result = detail::make_result(Op::matmul, std::move(out), &matmul_backward<T>, a, b);
  if (b.requires_grad()) result.node()->left_split = std::move(split);  // for B's gradient
  return result;
}
// dA += dOut @ B^T (m x n)(n x k);  dB += A^T @ dOut (k x m)(m x n). The transposes are gemm
// flags on the stored arrays, and beta = 1 accumulates straight into the gradients -- or beta = 0
// overwrites one that backward() left unzeroed because this product is its only writer. A
// constant operand (a batch of inputs) gets no product at all. When the forward product split
// A around its background, dB is computed from that split (tensor/background_split.hpp).
//
// A leaf B armed with a descent step (Tensor::fold_descent_into_backward) whose gradient this
// product alone writes takes the step instead: B -= rate * A^T @ dOut, one product into B's data.
// dA, the only other reader of B's data here, has been computed from the old B by then; B has
// no other consumer; and A's data does not change (only a right operand descends).
template <class T>
static void matmul_backward(Node<T>& out) {
  Node<T>& a = *out.inputs[0];
  Node<T>& b = *out.inputs[1];
  if (a.requires_grad) {
    kernels::gemm(false, true, T(1), out.grad, b.data, a.grad_overwrite ? T(0) : T(1), a.grad);
    a.grad_overwrite = false;
  }
  if (!b.requires_grad) return;
  // alpha * A^T @ dOut + beta * into, from A's split when the forward product used one
  auto add_product = [&](T alpha, T beta, typename Node<T>::Array& into) {
    if (out.left_split.empty()) {
      kernels::gemm(true, false, alpha, a.data, out.grad, beta, into);
    } else {
      kernels::background_transposed_product(alpha, out.left_split, out.grad, beta, into);
    }
  };
  if (b.grad_overwrite && b.descent_rate != T(0)) {
    add_product(-b.descent_rate, T(1), b.data);
    b.descended = true;
    b.spare_grad = std::move(b.grad);  // the buffer backward() handed out, unused, kept for later
    b.grad = typename Node<T>::Array();
  } else {
    add_product(T(1), b.grad_overwrite ? T(0) : T(1), b.grad);
  }
  b.grad_overwrite = false;
}

// out = a^T, a new array (an explicit op; matmul never needs it)
template <class T>
Tensor<T> transpose(const Tensor<T>& a) {
  detail::require_non_empty("transpose", a);
  xt::xtensor<T, 2> out = xt::transpose(a.data());
  return detail::make_result(Op::transpose, std::move(out), &transpose_backward<T>, a);
}
template <class T>
static void transpose_backward(Node<T>& out) {
  Node<T>& a = *out.inputs[0];
  a.grad += xt::transpose(out.grad);
}

// out = sum of all elements (1 x 1)
template <class T>
Tensor<T> sum(const Tensor<T>& a) {
  detail::require_non_empty("sum", a);
  xt::xtensor<T, 2> out = {{kernels::total_sum(a.data())}};
  return detail::make_result(Op::sum, std::move(out), &reduction_backward<T>, a);
}
// out = mean of all elements (1 x 1)
template <class T>
Tensor<T> mean(const Tensor<T>& a) {
  detail::require_non_empty("mean", a);
  xt::xtensor<T, 2> out = {{kernels::total_sum(a.data()) / static_cast<T>(a.size())}};
  return detail::make_result(Op::mean, std::move(out), &reduction_backward<T>, a);
}
// d(sum)/da = 1 and d(mean)/da = 1/N for every element
template <class T>
static void reduction_backward(Node<T>& out) {
  Node<T>& a = *out.inputs[0];
  const T per_element = out.op == Op::mean ? T(1) / static_cast<T>(a.data.size()) : T(1);
  a.grad += out.grad(0, 0) * per_element;
}

template Tensor<float> matmul(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> matmul(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> transpose(const Tensor<float>&);
template Tensor<double> transpose(const Tensor<double>&);
template Tensor<float> sum(const Tensor<float>&);
template Tensor<double> sum(const Tensor<double>&);
template Tensor<float> mean(const Tensor<float>&);
template Tensor<double> mean(const Tensor<double>&);

}  // namespace tensor
