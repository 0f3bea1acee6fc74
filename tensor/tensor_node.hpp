#pragma once
// The graph node of the tensor engine: plain fields, as in the scalar engine, so a debugger
// shows the op, the label and the arrays without calling anything.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>
#include <xtensor/xtensor.hpp>

#include "tensor/background_split.hpp"

namespace tensor {

// The operation that produced a node; `leaf` marks tensors made by the user.
enum class Op : std::uint8_t {
  leaf,
  // element-wise, two inputs, broadcasting 1-sized dimensions
  add,
  sub,
  mul,
  div,
  // element-wise, one input
  neg,
  pow,
  exp,
  log,
  tanh,
  relu,
  sigmoid,
  // a layer's bias and activation in one pass: f(z + bias), bias a (1 x n) row
  bias_tanh,
  bias_relu,
  bias_sigmoid,
  // the lecture's @, and A^T
  matmul,
  transpose,
  // every element to 1x1
  sum,
  mean,
  // row-wise
  softmax,
  log_softmax,
  // losses, to 1x1
  cross_entropy,
  mse,
};

const char* op_name(Op op);
std::ostream& operator<<(std::ostream& out, Op op);

// How many tensor inputs a node made by `op` has (cross_entropy's labels are not a tensor).
constexpr int arity(Op op) {
  switch (op) {
    case Op::leaf: return 0;
    case Op::add:
    case Op::sub:
    case Op::mul:
    case Op::div:
    case Op::matmul:
    case Op::bias_tanh:
    case Op::bias_relu:
    case Op::bias_sigmoid:
    case Op::mse: return 2;
    default: return 1;
  }
}

template <class T>
struct Node {
  using Array = xt::xtensor<T, 2>;

  Array data;  // (rows, cols), row-major
  Array grad;  // same shape as data once backward() has reached the node; empty before
  Op op = Op::leaf;
  // The op's backward rule, set by the op next to its forward (nullptr for leaves): adds
  // grad's contribution to the grads of the inputs that require one. backward() calls it for
  // every node that requires a gradient, in reverse topological order; in gdb, `print *node`
  // names the function.
  void (*backward)(Node& out) = nullptr;
  // Whether backward() computes grad: false for constants (such as a batch of input images,
  // whose gradient would cost as much as the first layer's weights') and for every op whose
  // operands are all constants.
  bool requires_grad = true;
  std::shared_ptr<Node> inputs[2];   // operands in order; unused slots are empty
  T exponent = 0;                    // Op::pow only: the constant power
  Array saved;                       // cross_entropy: the softmax probabilities, for backward
  std::vector<std::int32_t> labels;  // cross_entropy: the class of each row
  std::string label;                 // optional name, e.g. "W1"
  std::uint64_t visit = 0;           // number of the last graph walk that reached this node
  Array spare_grad;                  // the buffer of a gradient dropped by zero_grad(), for reuse
  // matmul with a constant left operand mostly of one value (a batch of digits): that operand
  // split around it, which the product and the right operand's gradient read instead of the
  // whole (tensor/background_split.hpp). Empty when the product took the operands whole.
  BackgroundSplit<T> left_split;
  // During backward() only: how many ops in the graph take this node as an operand, and whether
  // grad holds garbage that its one writer, a product, overwrites (gemm with beta = 0) instead
  // of the gradient being zeroed first and added to.
  std::uint32_t consumers = 0;
  bool grad_overwrite = false;
  // Plain gradient descent folded into backward() (Tensor::fold_descent_into_backward): the
  // rate armed for the next backward() only (0: none), and whether the last backward() applied
  // the step to data itself instead of computing grad.
  T descent_rate = 0;
  bool descended = false;

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  // Frees the graph behind this node iteratively: a long chain never recurses.
  ~Node();
};

extern template struct Node<float>;
extern template struct Node<double>;

}  // namespace tensor
