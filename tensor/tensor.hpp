#pragma once
// tensor::Tensor<T> -- the tensor engine, T = float or double. A Tensor is a handle to one node
// of a computation graph holding a 2-D array (rows x cols, row-major), its gradient, the op
// that made it and that op's inputs. The API is the scalar engine's (autograd::Value) over
// matrices, plus the matrix ops a layer needs:
//
//   Tensor<float> X = ..., W = ..., B = ...;     // X: (batch, 784), W: (784, 10), B: (1, 10)
//   Tensor<float> loss = cross_entropy(matmul(X, W) + B, labels);
//   loss.backward();                             // W.grad(): (784, 10), B.grad(): (1, 10)
//   float value = loss.item();
//
// autograd::Matrix, the scalar engine's matrix, has the same constructors, members and free
// functions with the same meaning, so a function template over the matrix type runs on both.
//
// Ownership and gradient semantics are those of autograd::Value (see autograd/value.hpp):
// handles share nodes; leaves accumulate gradients across backward() calls until zero_grad();
// interior gradients are recomputed from zero by every backward(). A node's grad is allocated
// (zero-filled, data's shape) the first time backward() reaches it; before that it is empty.
//
// Broadcasting: the element-wise binary ops (+ - * /) take operands whose shapes agree in each
// dimension or are 1 there -- the same shape, a 1 x n row over a batch x n matrix (a bias),
// an m x 1 column, or 1 x 1. An operand's gradient is summed over the dimensions it was
// broadcast along, so a bias gets the sum over the batch. A plain number operand becomes a
// 1 x 1 constant leaf, as in the scalar engine.
//
// Errors: a shape mismatch or an empty tensor throws std::invalid_argument naming the op and
// the shapes, e.g. "matmul: (64x784) @ (100x10): inner dimensions differ". Domain errors
// (log of 0 or of a negative number) give -inf / NaN like the math library.
//
// Threads: element-wise and row-wise kernels run on TBB above a size threshold, products on
// BLAS; tensor::set_num_threads (threads.hpp) sets both.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "autograd/gdb_autoload.hpp"
#include "tensor/tensor_node.hpp"

namespace tensor {

template <class T>
class Tensor {
 public:
  using Array = xt::xtensor<T, 2>;

  // A 1 x 1 leaf holding 0.
  Tensor();
  // A leaf holding `data`. Throws std::invalid_argument if it has no elements.
  explicit Tensor(Array data, std::string label = "");
  // A leaf from rows of numbers: Tensor<double>({{1, 2}, {3, 4}}).
  Tensor(std::initializer_list<std::initializer_list<T>> rows);
  // A rows x cols leaf holding `values` (row-major), each converted to T. Throws
  // std::invalid_argument if the count does not match or the tensor would be empty.
  Tensor(std::size_t rows, std::size_t cols, const std::vector<double>& values);

  static Tensor zeros(std::size_t rows, std::size_t cols) { return full(rows, cols, T(0)); }
  static Tensor full(std::size_t rows, std::size_t cols, T value);

  const Array& data() const { return node_->data; }
  // For optimizers: update parameters in place. A product with a constant left operand mostly
  // of one value (a batch of digits) keeps that operand's values from its forward, so a change
  // to the constant after it does not reach the right operand's gradient.
  Array& data() { return node_->data; }
  const Array& grad() const { return node_->grad; }
  Array& grad() { return node_->grad; }

  std::size_t rows() const { return node_->data.shape()[0]; }
  std::size_t cols() const { return node_->data.shape()[1]; }
  std::size_t size() const { return node_->data.size(); }
  std::string shape_string() const;  // "(64x784)"

  // Element (i, j)'s number and its gradient (0 while the gradient is empty). Throw
  // std::out_of_range outside the shape.
  T value(std::size_t i, std::size_t j) const;
  T grad(std::size_t i, std::size_t j) const;
  // The number of a 1 x 1 tensor (a loss). Throws std::invalid_argument for any other shape.
  T item() const;

  // Whether backward() computes this tensor's gradient: true for leaves unless they are made
  // constants with set_requires_grad(false); for an op's result, whether any operand requires
  // one. A constant's grad() stays empty.
  bool requires_grad() const { return node_->requires_grad; }
  // For leaves only (an op's result follows its operands): throws std::invalid_argument otherwise.
  Tensor& set_requires_grad(bool requires);

  Op op() const { return node_->op; }
  const std::string& label() const { return node_->label; }
  Tensor& set_label(std::string label);
  std::size_t num_inputs() const { return static_cast<std::size_t>(arity(node_->op)); }
  Tensor input(std::size_t index) const;

  // Drops the gradient: grad() is empty (all zeros to grad(i, j)), as if never computed, until
  // the next backward(), which reuses the buffer and, where a single product is all that
  // writes it, writes it directly instead of zeroing it and adding. What optimizers call
  // between steps (the free zero_grad() below keeps zeros in place instead).
  void zero_grad() const;

  // Folds one step of plain gradient descent, data -= rate * gradient, into the next backward(),
  // for a leaf: if that backward() finds a single product writing this leaf's gradient, as its
  // right operand (X @ W, the way dense layers use their weights), the product's gemm adds
  // -rate * gradient straight into data (alpha = -rate, beta = 1) after everything that reads
  // the old data, and no gradient is kept: no gradient buffer to fill, no update pass to read it
  // back. descent_folded() then says so, and grad() stays empty. Otherwise the gradient is
  // computed as usual and nothing is applied. The arm lasts until a backward() reaches this
  // leaf; a rate of 0 disarms. Folding needs the gradient dropped (zero_grad()): a kept one
  // accumulates, and is computed as usual. If backward() throws midway (out of memory), the
  // weights it had already stepped keep their step. Throws std::invalid_argument for an op's
  // result (unless the rate is 0).
  void fold_descent_into_backward(T rate) const;
  // Whether the last backward() applied the step armed above; cleared by zero_grad().
  bool descent_folded() const { return node_->descended; }

  // Back-propagates from this tensor, which must be 1 x 1 (a loss): d(this)/d(this) = 1.
  // Throws std::invalid_argument for any other shape.
  void backward() const;

  Node<T>* node() const { return node_.get(); }
  const std::shared_ptr<Node<T>>& shared_node() const { return node_; }
  static Tensor from_node(std::shared_ptr<Node<T>> node);

 private:
  struct Adopt {};
  Tensor(std::shared_ptr<Node<T>> node, Adopt) : node_(std::move(node)) {}
  void check_index(std::size_t i, std::size_t j) const;  // throws std::out_of_range
  std::shared_ptr<Node<T>> node_;
};

extern template class Tensor<float>;
extern template class Tensor<double>;

// The number operand of a mixed operation takes its type from the tensor, so that
// Tensor<float> + 2.0 works: Scalar<T> names T where template deduction does not look.
template <class T>
struct ScalarOf {
  using type = T;
};
template <class T>
using Scalar = typename ScalarOf<T>::type;

namespace detail {
// The number in a mixed operation, as a 1 x 1 constant: nobody asks for its gradient.
template <class T>
Tensor<T> scalar_constant(T value) {
  Tensor<T> t = Tensor<T>::full(1, 1, value);
  t.set_requires_grad(false);
  return t;
}
}  // namespace detail

template <class T>
Tensor<T> operator+(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> operator-(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> operator*(const Tensor<T>& a, const Tensor<T>& b);  // element-wise
template <class T>
Tensor<T> operator/(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> operator-(const Tensor<T>& a);

template <class T>
Tensor<T> operator+(const Tensor<T>& a, Scalar<T> b) {
  return a + detail::scalar_constant<T>(b);
}
template <class T>
Tensor<T> operator+(Scalar<T> a, const Tensor<T>& b) {
  return detail::scalar_constant<T>(a) + b;
}
template <class T>
Tensor<T> operator-(const Tensor<T>& a, Scalar<T> b) {
  return a - detail::scalar_constant<T>(b);
}
template <class T>
Tensor<T> operator-(Scalar<T> a, const Tensor<T>& b) {
  return detail::scalar_constant<T>(a) - b;
}
template <class T>
Tensor<T> operator*(const Tensor<T>& a, Scalar<T> b) {
  return a * detail::scalar_constant<T>(b);
}
template <class T>
Tensor<T> operator*(Scalar<T> a, const Tensor<T>& b) {
  return detail::scalar_constant<T>(a) * b;
}
template <class T>
Tensor<T> operator/(const Tensor<T>& a, Scalar<T> b) {
  return a / detail::scalar_constant<T>(b);
}
template <class T>
Tensor<T> operator/(Scalar<T> a, const Tensor<T>& b) {
  return detail::scalar_constant<T>(a) / b;
}

// Element-wise functions. pow's exponent is a constant.
template <class T>
Tensor<T> pow(const Tensor<T>& x, Scalar<T> exponent);
template <class T>
Tensor<T> exp(const Tensor<T>& x);
template <class T>
Tensor<T> log(const Tensor<T>& x);
template <class T>
Tensor<T> tanh(const Tensor<T>& x);
template <class T>
Tensor<T> relu(const Tensor<T>& x);  // derivative at exactly 0 is 0
template <class T>
Tensor<T> sigmoid(const Tensor<T>& x);

// A layer's activation of its pre-activation z (m x n) plus its bias row (1 x n): tanh(z + bias)
// and so on, as one op -- one pass over the data each way instead of two, and no intermediate
// z + bias array. The values and gradients of the two ops (to the last bit or so).
template <class T>
Tensor<T> bias_tanh(const Tensor<T>& z, const Tensor<T>& bias);
template <class T>
Tensor<T> bias_relu(const Tensor<T>& z, const Tensor<T>& bias);
template <class T>
Tensor<T> bias_sigmoid(const Tensor<T>& z, const Tensor<T>& bias);

// (m x k) @ (k x n) -> (m x n), on BLAS gemm.
template <class T>
Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b);
template <class T>
Tensor<T> transpose(const Tensor<T>& a);

// Every element summed, or averaged, into a 1 x 1 tensor.
template <class T>
Tensor<T> sum(const Tensor<T>& a);
template <class T>
Tensor<T> mean(const Tensor<T>& a);

// Row-wise softmax and log-softmax, computed from x - max(row) so that large logits stay finite.
template <class T>
Tensor<T> softmax(const Tensor<T>& logits);
template <class T>
Tensor<T> log_softmax(const Tensor<T>& logits);

// Mean over rows of -log softmax(logits)[row, labels[row]]: 1 x 1. One fused op, whose backward
// is (softmax - one_hot(labels)) / rows. labels must have one class in [0, cols) per row.
template <class T>
Tensor<T> cross_entropy(const Tensor<T>& logits, const std::vector<std::int32_t>& labels);

// Mean over all elements of (prediction - target)^2: 1 x 1. Shapes must be equal.
template <class T>
Tensor<T> mse(const Tensor<T>& prediction, const Tensor<T>& target);

// Every node reachable from `root`, inputs first (deterministic; iterative).
template <class T>
std::vector<Node<T>*> topological_order(const Tensor<T>& root);

// Zeroes the gradient of every node reachable from `root` / of each listed tensor.
template <class T>
void zero_grad(const Tensor<T>& root);
template <class T>
void zero_grad(const std::vector<Tensor<T>>& tensors);

}  // namespace tensor
