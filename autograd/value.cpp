#include "autograd/value.hpp"

#include <atomic>
#include <cassert>
#include <stdexcept>
#include <string>
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

Value& Value::set_requires_grad(bool requires) {
  if (node_->op != Op::leaf) {
    throw std::invalid_argument(
        std::string("set_requires_grad: only leaves can be made constants; this value is made by ") +
        op_name(node_->op) + " and follows its inputs");
  }
  node_->requires_grad = requires;
  return *this;
}

Value Value::input(std::size_t index) const {
  assert(index < num_inputs());
  return from_node(node_->inputs[index]);
}

namespace {

void prepare_for_backward(Node& node, std::vector<Node*>& constants) {
  if (node.op != Op::leaf) {
    node.requires_grad = node.inputs[0]->requires_grad || (arity(node.op) == 2 && node.inputs[1]->requires_grad);
    node.grad = 0.0;
  }
  if (!node.requires_grad) {
    node.grad = 0.0;
    constants.push_back(&node);
  }
}

enum class Walk { list_only, prepare_backward };

// Appends every node reachable from `root` to `order`, inputs before the nodes that use them:
// a depth-first post-order with an explicit stack (`stack` is scratch space). Each node is
// marked with this walk's number when first reached, so shared nodes are listed once and no
// set is needed. With Walk::prepare_backward, each node is readied as it is listed, which saves
// backward() a second pass over the graph: an op's result takes requires_grad from its inputs
// (listed before it), its grad and every constant's are zeroed, and the nodes that need no
// gradient are appended to `constants`.
void sort_topologically(Node* root, std::vector<Node*>& order, std::vector<Node*>& stack, Walk walk_kind,
                        std::vector<Node*>* constants) {
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
      if (walk_kind == Walk::prepare_backward) prepare_for_backward(*node, *constants);
      order.push_back(node);
      stack.pop_back();
    }
  }
}

}  // namespace

std::vector<Node*> topological_order(const Value& root) {
  std::vector<Node*> order, stack;
  sort_topologically(root.node(), order, stack, Walk::list_only, nullptr);
  return order;
}

void Value::backward() const {
  // Scratch buffers kept between calls: a training loop sorts graphs of the same size every
  // step, and fresh multi-megabyte vectors would cost page faults each time.
  thread_local std::vector<Node*> order, stack, constants;
  order.clear();
  constants.clear();
  sort_topologically(node_, order, stack, Walk::prepare_backward, &constants);
  if (!node_->requires_grad) {
    throw std::invalid_argument(
        "backward: the output depends on no value that requires a gradient (all are constants)");
  }
  node_->grad += 1.0;
  // Reverse topological order: a node's grad is complete before it is passed to its inputs.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if ((*it)->requires_grad) detail::backward_step(**it);
  }
  // The rules add to every input, constants too: what they received is discarded.
  for (Node* constant : constants) constant->grad = 0.0;
}

void zero_grad(const Value& root) {
  for (Node* node : topological_order(root)) node->grad = 0.0;
}

void zero_grad(const std::vector<Value>& values) {
  for (const Value& v : values) v.node()->grad = 0.0;
}

}  // namespace autograd
