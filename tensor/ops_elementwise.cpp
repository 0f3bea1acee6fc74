// The element-wise ops: forward and, below each group, the backward rule. Binary ops broadcast
// dimensions of size 1; their gradients are summed back down to each operand's shape.

#include <array>

#include "tensor/graph_building.hpp"
#include "tensor/kernels.hpp"

namespace tensor {
namespace {

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

template <class T>
Tensor<T> binary(Op op, const Tensor<T>& a, const Tensor<T>& b) {
  detail::require_non_empty(op_name(op), a);
  detail::require_non_empty(op_name(op), b);
  xt::xtensor<T, 2> out = xt::xtensor<T, 2>::from_shape(broadcast_shape(op, a, b));
  kernels::binary_forward(op, a.data(), b.data(), out);
  return detail::make_result(op, std::move(out), a, b);
}

template <class T>
Tensor<T> unary(Op op, const Tensor<T>& x, T exponent = T(0)) {
  detail::require_non_empty(op_name(op), x);
  xt::xtensor<T, 2> out = xt::xtensor<T, 2>::from_shape(x.data().shape());
  kernels::unary_forward(op, x.data().data(), out.data(), out.size(), exponent);
  Tensor<T> result = detail::make_result(op, std::move(out), x);
  result.node()->exponent = exponent;
  return result;
}

// d(a op b): add and sub pass the gradient through (negated for b of sub); mul and div scale it
// by the other operand, computed at the broadcast shape and then summed down.
template <class T>
void binary_backward(Node<T>& out) {
  Node<T>& a = *out.inputs[0];
  Node<T>& b = *out.inputs[1];
  const xt::xtensor<T, 2>& g = out.grad;
  xt::xtensor<T, 2> scaled;  // g times a local derivative, at the broadcast shape
  if (out.op == Op::mul || out.op == Op::div) scaled = xt::xtensor<T, 2>::from_shape(g.shape());
  switch (out.op) {
    case Op::add:
      if (a.requires_grad) kernels::accumulate_reduced(g, T(1), a.grad);
      if (b.requires_grad) kernels::accumulate_reduced(g, T(1), b.grad);
      return;
    case Op::sub:
      if (a.requires_grad) kernels::accumulate_reduced(g, T(1), a.grad);
      if (b.requires_grad) kernels::accumulate_reduced(g, T(-1), b.grad);
      return;
    case Op::mul:  // d/da = b, d/db = a
      if (a.requires_grad) {
        kernels::binary_forward(Op::mul, g, b.data, scaled);
        kernels::accumulate_reduced(scaled, T(1), a.grad);
      }
      if (b.requires_grad) {
        kernels::binary_forward(Op::mul, g, a.data, scaled);
        kernels::accumulate_reduced(scaled, T(1), b.grad);
      }
      return;
    case Op::div:  // d/da = 1/b, d/db = -a/b^2 = -out/b
      kernels::binary_forward(Op::div, g, b.data, scaled);
      if (a.requires_grad) kernels::accumulate_reduced(scaled, T(1), a.grad);
      if (b.requires_grad) {
        kernels::binary_forward(Op::mul, scaled, out.data, scaled);
        kernels::accumulate_reduced(scaled, T(-1), b.grad);
      }
      return;
    default: return;
  }
}

}  // namespace

template <class T>
Tensor<T> operator+(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(Op::add, a, b);
}
template <class T>
Tensor<T> operator-(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(Op::sub, a, b);
}
template <class T>
Tensor<T> operator*(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(Op::mul, a, b);
}
template <class T>
Tensor<T> operator/(const Tensor<T>& a, const Tensor<T>& b) {
  return binary(Op::div, a, b);
}

template <class T>
Tensor<T> operator-(const Tensor<T>& a) {
  return unary(Op::neg, a);
}
template <class T>
Tensor<T> pow(const Tensor<T>& x, Scalar<T> exponent) {
  return unary(Op::pow, x, exponent);
}
template <class T>
Tensor<T> exp(const Tensor<T>& x) {
  return unary(Op::exp, x);
}
template <class T>
Tensor<T> log(const Tensor<T>& x) {
  return unary(Op::log, x);
}
template <class T>
Tensor<T> tanh(const Tensor<T>& x) {
  return unary(Op::tanh, x);
}
template <class T>
Tensor<T> relu(const Tensor<T>& x) {
  return unary(Op::relu, x);
}
template <class T>
Tensor<T> sigmoid(const Tensor<T>& x) {
  return unary(Op::sigmoid, x);
}

template <class T>
void detail::elementwise_backward(Node<T>& out) {
  if (arity(out.op) == 2) {
    binary_backward(out);
    return;
  }
  Node<T>& x = *out.inputs[0];
  kernels::unary_backward(out.op, x.data.data(), out.data.data(), out.grad.data(), x.grad.data(), out.data.size(),
                          out.exponent);
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
template void detail::elementwise_backward(Node<float>&);
template void detail::elementwise_backward(Node<double>&);

}  // namespace tensor
