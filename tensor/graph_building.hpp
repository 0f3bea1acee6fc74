#pragma once
// Internal to the engine: how ops make nodes, check their operands, and back-propagate.

#include <stdexcept>
#include <string>

#include "tensor/tensor.hpp"

namespace tensor::detail {

// "(64x784)"
std::string shape_string(std::size_t rows, std::size_t cols);

template <class T>
std::string shape_of(const Tensor<T>& t) {
  return shape_string(t.rows(), t.cols());
}

// Throws std::invalid_argument("<op>: <what>").
[[noreturn]] void fail(const char* op, const std::string& what);

// Every op refuses an operand with no elements (one can be made by resizing data() in place).
template <class T>
void require_non_empty(const char* op, const Tensor<T>& t) {
  if (t.size() == 0) fail(op, "empty operand " + shape_of(t));
}

// The backward rule of a node (see Node::backward).
template <class T>
using BackwardRule = void (*)(Node<T>& out);

// A new node holding `data`, made by `op` from `a` (and `b`), back-propagated by `backward`.
template <class T>
Tensor<T> make_result(Op op, xt::xtensor<T, 2>&& data, BackwardRule<T> backward, const Tensor<T>& a) {
  auto node = std::make_shared<Node<T>>();
  node->data = std::move(data);
  node->op = op;
  node->backward = backward;
  node->requires_grad = a.requires_grad();
  node->inputs[0] = a.shared_node();
  return Tensor<T>::from_node(std::move(node));
}

template <class T>
Tensor<T> make_result(Op op, xt::xtensor<T, 2>&& data, BackwardRule<T> backward, const Tensor<T>& a,
                      const Tensor<T>& b) {
  Tensor<T> out = make_result(op, std::move(data), backward, a);
  out.node()->inputs[1] = b.shared_node();
  out.node()->requires_grad = a.requires_grad() || b.requires_grad();
  return out;
}

}  // namespace tensor::detail
