#include "autograd/value.hpp"

#include <atomic>
#include <cassert>
#include <utility>

#include "autograd/node_pool.hpp"
#include "autograd/ops.hpp"

namespace autograd {

Value::Value(double data) : node_(detail::allocate_node()) {
  node_->data = data;
  detail::retain(node_);
}

Value::Value(double data, std::string_view label) : Value(data) { node_->label = detail::intern_label(label); }

Value::Value(Node* node, Adopt) : node_(node) { detail::retain(node_); }

Value Value::from_node(Node* node) { return Value(node, Adopt{}); }

// A moved-from handle is empty (node_ == nullptr); copying it gives another empty handle.
Value::Value(const Value& other) : node_(other.node_) {
  if (node_ != nullptr) detail::retain(node_);
}

Value::Value(Value&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}

Value& Value::operator=(const Value& other) {
  if (this == &other) return *this;
  if (other.node_ != nullptr) detail::retain(other.node_);  // first: other may be held only through this node
  if (node_ != nullptr) detail::release(node_);
  node_ = other.node_;
  return *this;
}

Value& Value::operator=(Value&& other) noexcept {
  if (this != &other) {
    if (node_ != nullptr) detail::release(node_);
    node_ = std::exchange(other.node_, nullptr);
  }
  return *this;
}

Value::~Value() {
  if (node_ != nullptr) detail::release(node_);
}

Value& Value::set_label(std::string_view label) {
  node_->label = detail::intern_label(label);
  return *this;
}

Value Value::input(std::size_t index) const {
  assert(index < num_inputs());
  return from_node(node_->inputs[index]);
}

namespace {

enum class InteriorGrads { keep, reset };

// Appends every node reachable from `root` to `order`, inputs before the nodes that use them:
// a depth-first post-order with an explicit stack (`stack` is scratch space). Each node is
// marked with this walk's number when first reached, so shared nodes are listed once and no
// set is needed. With InteriorGrads::reset, non-leaf grads are zeroed as nodes are listed,
// which saves backward() a second pass over the graph.
void sort_topologically(Node* root, std::vector<Node*>& order, std::vector<Node*>& stack, InteriorGrads grads) {
  static std::atomic<std::uint64_t> walk_counter{0};
  const std::uint64_t walk = walk_counter.fetch_add(1, std::memory_order_relaxed) + 1;

  root->visit = walk;
  stack.push_back(root);
  while (!stack.empty()) {
    Node* node = stack.back();
    Node* unvisited_input = nullptr;
    for (int i = 0; i < arity(node->op) && unvisited_input == nullptr; ++i) {
      if (node->inputs[i]->visit != walk) unvisited_input = node->inputs[i];
    }
    if (unvisited_input != nullptr) {
      unvisited_input->visit = walk;
      stack.push_back(unvisited_input);
    } else {  // every input is listed: list this node
      if (grads == InteriorGrads::reset && node->op != Op::leaf) node->grad = 0.0;
      order.push_back(node);
      stack.pop_back();
    }
  }
}

}  // namespace

std::vector<Node*> topological_order(const Value& root) {
  std::vector<Node*> order, stack;
  sort_topologically(root.node(), order, stack, InteriorGrads::keep);
  return order;
}

void Value::backward() const {
  // Scratch buffers kept between calls: a training loop sorts graphs of the same size every
  // step, and fresh multi-megabyte vectors would cost page faults each time.
  thread_local std::vector<Node*> order, stack;
  order.clear();
  sort_topologically(node_, order, stack, InteriorGrads::reset);
  node_->grad += 1.0;
  // Reverse topological order: a node's grad is complete before it is passed to its inputs.
  for (auto it = order.rbegin(); it != order.rend(); ++it) detail::backward_step(**it);
}

void zero_grad(const Value& root) {
  for (Node* node : topological_order(root)) node->grad = 0.0;
}

void zero_grad(const std::vector<Value>& values) {
  for (const Value& v : values) v.node()->grad = 0.0;
}

}  // namespace autograd
