#pragma once
// autograd::Value -- the scalar engine. A Value is a handle to one node of a computation
// graph: a number, its gradient, the op that made it and that op's inputs.
//
//   Value w(0.5, "w"), x(2.0, "x"), b(-1.0, "b");
//   Value y = tanh(w * x + b);
//   y.backward();             // w.grad() == (1 - y^2) * x
//
// Ownership: handles are reference counted (not thread-safe: a graph belongs to one thread at a
// time). A node lives while a handle or a consumer node refers to it, so keeping the output
// keeps its whole graph; dropping the last handle frees the graph iteratively, however long.
// Graphs cannot contain cycles: a node's inputs are fixed when it is made.
//
// Gradient semantics:
// - backward() computes d(this)/d(node) for every node reachable from `this`.
// - Leaves (inputs and parameters, op == Op::leaf) ACCUMULATE: each backward() adds its
//   contribution to what is there, so call zero_grad() before each training step, as in
//   PyTorch. Calling backward() twice without zero_grad() doubles the leaves' gradients.
// - Interior nodes are reset to 0 at the start of every backward(), so after it they hold
//   exactly d(this)/d(node) of that call (no stale sums from an earlier pass).
// - A node used several times (a*a, a+a, diamonds) receives the sum of all contributions.
// - A constant (a leaf made with set_requires_grad(false), such as an input) gets no gradient:
//   its grad stays 0, and so does that of every node made from constants alone. Which leaves
//   are constants is read when backward() runs. Throws std::invalid_argument if the output
//   itself is such a node.
// - If backward() throws std::bad_alloc, the leaves may hold part of its contributions: call
//   zero_grad() before trying again.
//
// Domain errors follow the C math library rather than throwing: log(0) = -inf,
// log(x < 0) = NaN, pow(x < 0, non-integer) = NaN, x / 0 = +-inf, and the gradients of such
// nodes are likewise non-finite. Training code checks the loss for finiteness.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "autograd/gdb_autoload.hpp"
#include "autograd/node.hpp"

namespace autograd {

namespace detail {
// Reference counting of nodes, inline for the handles below; the engine's own code, not API.
inline void retain(Node* node) { ++node->refs; }
// Frees `node`, whose last reference is gone, and with it every input that no one else
// references -- iteratively, so a chain of millions of nodes never recurses (node_pool.cpp).
void free_unreferenced(Node* node) noexcept;
// Drops one reference to `node`, freeing it when none remain.
inline void release(Node* node) {
  if (--node->refs == 0) free_unreferenced(node);
}
}  // namespace detail

class Value {
 public:
  // A leaf holding `data` (implicit, so `2.0 * x` and `x + 1` read naturally).
  Value(double data = 0.0);  // NOLINT(google-explicit-constructor)
  Value(double data, std::string_view label);

  // Inline: a training step copies and drops handles millions of times, and a call each would
  // cost more than the count it changes. A moved-from handle is empty (node_ == nullptr).
  Value(const Value& other) : node_(other.node_) {
    if (node_ != nullptr) detail::retain(node_);
  }
  Value(Value&& other) noexcept : node_(other.node_) { other.node_ = nullptr; }
  Value& operator=(const Value& other) {
    if (this == &other) return *this;
    if (other.node_ != nullptr) detail::retain(other.node_);  // first: other may be held only through this node
    if (node_ != nullptr) detail::release(node_);
    node_ = other.node_;
    return *this;
  }
  Value& operator=(Value&& other) noexcept {
    if (this != &other) {
      if (node_ != nullptr) detail::release(node_);
      node_ = other.node_;
      other.node_ = nullptr;
    }
    return *this;
  }
  ~Value() {
    if (node_ != nullptr) detail::release(node_);
  }

  double data() const { return node_->data; }
  double grad() const { return node_->grad; }
  void set_data(double data) { node_->data = data; }
  void set_grad(double grad) { node_->grad = grad; }

  // Whether backward() computes this value's gradient (see the notes above).
  bool requires_grad() const { return node_->requires_grad; }
  // For leaves only (an op's result follows its inputs): throws std::invalid_argument otherwise.
  Value& set_requires_grad(bool requires);

  Op op() const { return node_->op; }
  std::string_view label() const { return node_->label; }
  Value& set_label(std::string_view label);

  // The op's operands, in order (a and b of a - b).
  std::size_t num_inputs() const { return static_cast<std::size_t>(arity(node_->op)); }
  Value input(std::size_t index) const;

  // Back-propagates from this value (seeded with d(this)/d(this) = 1); see the notes above.
  void backward() const;

  // The node itself, for tools and debuggers. Valid while this handle lives.
  Node* node() const { return node_; }

  // A handle sharing `node` (adds a reference). Used by the op implementations.
  static Value from_node(Node* node) { return Value(node, Adopt{}); }

 private:
  struct Adopt {};
  Value(Node* node, Adopt) : node_(node) { detail::retain(node_); }
  Node* node_;
};

// Arithmetic. A double operand becomes a constant leaf in the graph, as in micrograd.
Value operator+(const Value& a, const Value& b);
Value operator-(const Value& a, const Value& b);
Value operator*(const Value& a, const Value& b);
Value operator/(const Value& a, const Value& b);
Value operator-(const Value& a);

Value& operator+=(Value& a, const Value& b);
Value& operator-=(Value& a, const Value& b);
Value& operator*=(Value& a, const Value& b);
Value& operator/=(Value& a, const Value& b);

// Element functions. pow's exponent is a constant, not a graph node.
Value pow(const Value& base, double exponent);
Value exp(const Value& x);
Value log(const Value& x);
Value tanh(const Value& x);
Value relu(const Value& x);  // derivative at exactly 0 is taken as 0
Value sigmoid(const Value& x);

// Every node reachable from `root`, inputs before the nodes that use them (a topological
// order, deterministic: inputs are visited in operand order). Iterative: no recursion.
std::vector<Node*> topological_order(const Value& root);

// Sets the gradient of every node reachable from `root` to 0.
void zero_grad(const Value& root);
// Sets the gradient of each listed value (typically a model's parameters) to 0.
void zero_grad(const std::vector<Value>& values);

}  // namespace autograd
