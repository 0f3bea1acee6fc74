// The element-wise ops. Each applies its rule from elementwise.hpp, where the op's forward value
// and its backward rule sit side by side; this file holds the loops. Two-input ops broadcast
// dimensions of size 1, and an operand's gradient is summed back down to its own shape.

#include <array>
#include <type_traits>

#include "tensor/elementwise.hpp"
#include "tensor/graph_building.hpp"
#include "tensor/kernels.hpp"

namespace tensor {
namespace {

template <class T>
using Array = xt::xtensor<T, 2>;

// ---- one input ------------------------------------------------------------------------------

// The rule a node was made with (pow's carries its exponent).
template <class Rule, class T>
Rule rule_of(const Node<T>& out) {
  if constexpr (std::is_same_v<Rule, rules::Pow<T>>) {
    return Rule{out.exponent};
  } else {
    return Rule{};
  }
}

// dx += rule.grad(dy, x, y), element by element
template <class Rule, class T>
void unary_backward(Node<T>& out) {
  Node<T>& x = *out.inputs[0];
  detail::apply_backward(rule_of<Rule>(out), x.data.data(), out.data.data(), out.grad.data(), x.grad.data(),
                         out.data.size());
}

template <class Rule, class T>
Tensor<T> unary(const Tensor<T>& x, const Rule& rule) {
  detail::require_non_empty(op_name(Rule::op), x);
  Array<T> out = Array<T>::from_shape(x.data().shape());
  detail::apply_forward(rule, x.data().data(), out.data(), out.size());
  Tensor<T> result = detail::make_result(Rule::op, std::move(out), &unary_backward<Rule, T>, x);
  if constexpr (std::is_same_v<Rule, rules::Pow<T>>) result.node()->exponent = rule.exponent;
  return result;
}

// ---- two inputs, broadcasting ---------------------------------------------------------------

const char* symbol(Op op) {
  switch (op) {
    case Op::add: return "+";
    case Op::sub: return "-";
    case Op::mul: return "*";
    default: return "/";
  }
}

// The broadcast shape of a and b: each dimension equal, or 1 on one side.
template <class T>
std::array<std::size_t, 2> broadcast_shape(Op op, const Tensor<T>& a, const Tensor<T>& b) {
  auto dim = [&](std::size_t m, std::size_t n) {
    if (m == n || n == 1) return m;
    if (m == 1) return n;
    detail::fail(op_name(op), detail::shape_of(a) + " " + symbol(op) + " " + detail::shape_of(b) +
                                  ": shapes differ and neither is 1 where they differ");
  };
  return {dim(a.rows(), b.rows()), dim(a.cols(), b.cols())};
}

// Calls f(k, a_value, b_value) for every element k (row-major) of the rows x cols broadcast
// shape, on TBB above the grain. a_step / b_step are 1 where an operand has a value per column
// and 0 where its one column is broadcast; separate instantiations let the compiler vectorise
// the same-shape and row-bias cases.
template <int a_step, int b_step, class T, class F>
void broadcast_row(const T* a, const T* b, std::size_t first, std::size_t cols, const F& f) {
  for (std::size_t j = 0; j < cols; ++j) f(first + j, a[j * a_step], b[j * b_step]);
}

template <class T, class F>
void for_each_broadcast(const Array<T>& a, const Array<T>& b, std::size_t rows, std::size_t cols, const F& f) {
  const std::size_t a_cols = a.shape()[1], b_cols = b.shape()[1];
  const bool a_row_broadcast = a.shape()[0] == 1, b_row_broadcast = b.shape()[0] == 1;
  detail::parallel_chunks(rows, detail::row_grain(cols), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const T* a_row = a.data() + (a_row_broadcast ? 0 : i * a_cols);
      const T* b_row = b.data() + (b_row_broadcast ? 0 : i * b_cols);
      if (a_cols == cols && b_cols == cols) {
        broadcast_row<1, 1>(a_row, b_row, i * cols, cols, f);
      } else if (a_cols == cols) {
        broadcast_row<1, 0>(a_row, b_row, i * cols, cols, f);
      } else if (b_cols == cols) {
        broadcast_row<0, 1>(a_row, b_row, i * cols, cols, f);
      } else {
        broadcast_row<0, 0>(a_row, b_row, i * cols, cols, f);
      }
    }
  });
}

// operand.grad += grad_of(g, a, b, y) at every element, summed down to the operand's shape: added
// in place when the operand has the output's shape, else computed whole and then reduced.
template <class T, class GradOf>
void binary_operand_backward(const Node<T>& out, Node<T>& operand, const GradOf& grad_of) {
  const Array<T>& a = out.inputs[0]->data;
  const Array<T>& b = out.inputs[1]->data;
  const T* g = out.grad.data();
  const T* y = out.data.data();
  const std::size_t rows = out.data.shape()[0], cols = out.data.shape()[1];
  if (operand.grad.shape() == out.data.shape()) {
    T* d = operand.grad.data();
    for_each_broadcast(a, b, rows, cols, [&](std::size_t k, T u, T v) { d[k] += grad_of(g[k], u, v, y[k]); });
    return;
  }
  Array<T> full = Array<T>::from_shape(out.data.shape());
  T* d = full.data();
  for_each_broadcast(a, b, rows, cols, [&](std::size_t k, T u, T v) { d[k] = grad_of(g[k], u, v, y[k]); });
  kernels::accumulate_reduced(full, T(1), operand.grad);
}

template <class Rule, class T>
void binary_backward(Node<T>& out) {
  const Rule rule{};
  Node<T>& a = *out.inputs[0];
  Node<T>& b = *out.inputs[1];
  if (a.requires_grad) binary_operand_backward(out, a, [&](T g, T u, T v, T y) { return rule.grad_a(g, u, v, y); });
  if (b.requires_grad) binary_operand_backward(out, b, [&](T g, T u, T v, T y) { return rule.grad_b(g, u, v, y); });
}

template <class Rule, class T>
Tensor<T> binary(const Tensor<T>& a, const Tensor<T>& b) {
  detail::require_non_empty(op_name(Rule::op), a);
  detail::require_non_empty(op_name(Rule::op), b);
  const Rule rule{};
  Array<T> out = Array<T>::from_shape(broadcast_shape(Rule::op, a, b));
  T* y = out.data();
  for_each_broadcast(a.data(), b.data(), out.shape()[0], out.shape()[1],
                     [&](std::size_t k, T u, T v) { y[k] = rule.forward(u, v); });
  return detail::make_result(Rule::op, std::move(out), &binary_backward<Rule, T>, a, b);
}

}  // namespace

template <class T>
Tensor<T> operator+(const Tensor<T>& a, const Tensor<T>& b) {
  return binary<rules::Add>(a, b);
}
template <class T>
Tensor<T> operator-(const Tensor<T>& a, const Tensor<T>& b) {
  return binary<rules::Sub>(a, b);
}
template <class T>
Tensor<T> operator*(const Tensor<T>& a, const Tensor<T>& b) {
  return binary<rules::Mul>(a, b);
}
template <class T>
Tensor<T> operator/(const Tensor<T>& a, const Tensor<T>& b) {
  return binary<rules::Div>(a, b);
}

template <class T>
Tensor<T> operator-(const Tensor<T>& a) {
  return unary(a, rules::Neg{});
}
template <class T>
Tensor<T> pow(const Tensor<T>& x, Scalar<T> exponent) {
  return unary(x, rules::Pow<T>{exponent});
}
template <class T>
Tensor<T> exp(const Tensor<T>& x) {
  return unary(x, rules::Exp{});
}
template <class T>
Tensor<T> log(const Tensor<T>& x) {
  return unary(x, rules::Log{});
}
template <class T>
Tensor<T> tanh(const Tensor<T>& x) {
  return unary(x, rules::Tanh{});
}
template <class T>
Tensor<T> relu(const Tensor<T>& x) {
  return unary(x, rules::Relu{});
}
template <class T>
Tensor<T> sigmoid(const Tensor<T>& x) {
  return unary(x, rules::Sigmoid{});
}

template Tensor<float> operator+(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> operator+(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> operator-(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> operator-(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> operator*(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> operator*(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> operator/(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> operator/(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> operator-(const Tensor<float>&);
template Tensor<double> operator-(const Tensor<double>&);
template Tensor<float> pow(const Tensor<float>&, float);
template Tensor<double> pow(const Tensor<double>&, double);
template Tensor<float> exp(const Tensor<float>&);
template Tensor<double> exp(const Tensor<double>&);
template Tensor<float> log(const Tensor<float>&);
template Tensor<double> log(const Tensor<double>&);
template Tensor<float> tanh(const Tensor<float>&);
template Tensor<double> tanh(const Tensor<double>&);
template Tensor<float> relu(const Tensor<float>&);
template Tensor<double> relu(const Tensor<double>&);
template Tensor<float> sigmoid(const Tensor<float>&);
template Tensor<double> sigmoid(const Tensor<double>&);

}  // namespace tensor
