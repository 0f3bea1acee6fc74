#pragma once
// The graph node of the scalar engine: a plain struct, so that `print *node` in gdb shows the
// number, its gradient, the op that made it and its label without calling any function.

#include <cstdint>
#include <iosfwd>

namespace autograd {

// The operation that produced a node. `leaf` marks numbers made directly by the user
// (inputs, parameters, constants); every other op has one or two inputs.
enum class Op : std::uint8_t { leaf, add, sub, mul, div, neg, pow, exp, log, tanh, relu, sigmoid };

// "add", "tanh", ... as used in dumps and DOT files.
const char* op_name(Op op);

// Writes op_name(op).
std::ostream& operator<<(std::ostream& out, Op op);

// How many inputs a node made by `op` has: 0, 1 or 2.
constexpr int arity(Op op) {
  switch (op) {
    case Op::leaf: return 0;
    case Op::add:
    case Op::sub:
    case Op::mul:
    case Op::div: return 2;
    default: return 1;
  }
}

// 64 bytes, one cache line: a training step walks every node three times (create, backward,
// free), so the node's size is the engine's speed.
struct Node {
  double data = 0.0;                     // the value computed by the forward pass
  double grad = 0.0;                     // d(output)/d(this node) after output.backward(); see value.hpp
  Node* inputs[2] = {nullptr, nullptr};  // operands in order; unused slots are nullptr
  double exponent = 0.0;                 // Op::pow only: the constant power
  const char* label = "";                // optional name, e.g. "w1" (interned: see Value::set_label)
  std::uint64_t visit = 0;               // number of the last graph walk that reached this node
  std::uint32_t refs = 0;                // handles and consumer nodes keeping this node alive
  Op op = Op::leaf;
  // Whether backward() computes this node's gradient: true for leaves unless made constants
  // (Value::set_requires_grad(false)); for an op's result, whether any input requires one.
  bool requires_grad = true;
  // During backward() only: how many of this op's references have yet to pass it a share of
  // its gradient (see autograd/backward.cpp).
  std::uint16_t pending_consumers = 0;
};

}  // namespace autograd
