// Walks over a graph: its topological order, zero_grad, and backward().
//
// backward() runs each node's local rule (ops.cpp) after the rules of every node that uses it,
// so that a node's gradient is complete before it is passed on. It finds that order by
// counting, as Kahn's algorithm does, from the output: one pass lists the graph's ops breadth
// first and counts, in each, the ops of the graph that use it; a second pass runs the output's
// rule, then the rule of each op whose last user has run. Both passes read their nodes from a
// list, so they can ask for the inputs of a node some way down the list while they work on
// this one: the memory of the next nodes arrives while the processor works. A depth-first
// sort instead waits on memory for each node it reaches; on the benchmark's networks it was the
// largest cost of a training step. The sort stays for topological_order(), for graphs whose
// ops have more users than the count can hold, and for a leaf as output.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "autograd/ops.hpp"
#include "autograd/value.hpp"

namespace autograd {
namespace {

// A number for each walk over a graph, so that a node's `visit` says whether this walk has
// reached it without clearing marks between walks.
std::uint64_t new_walk_number() {
  static std::atomic<std::uint64_t> walk_counter{0};
  return walk_counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

[[noreturn]] void throw_nothing_requires_grad() {
  throw std::invalid_argument("backward: the output depends on no value that requires a gradient (all are constants)");
}

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
  const std::uint64_t walk = new_walk_number();
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

// How far down its list a pass asks for a node's inputs before it works on them: far enough
// for memory to answer, near enough that they are still in cache when it gets there.
constexpr std::size_t fetch_distance = 16;

void fetch_inputs_of(const Node* node) {
  __builtin_prefetch(node->inputs[0], 1);
  __builtin_prefetch(node->inputs[1], 1);  // nullptr for a unary op: a prefetch never faults
}

constexpr std::uint16_t max_counted_consumers = std::numeric_limits<std::uint16_t>::max();

// The counting pass. Lists every op reachable from the op `root` in `ops`, breadth first, each
// once, and readies it: its pending_consumers is the number of listed ops that use it, its grad
// is 0, and requires_grad is true (settle_constants corrects that when constants were found).
// Constants reached (leaves that need no gradient) are listed in `constants`.
// Returns false, having changed nothing that a backward() in sorted order would not reset, when
// an op has more consumers than pending_consumers can count.
bool count_consumers(Node* root, std::vector<Node*>& ops, std::vector<Node*>& constants) {
  const std::uint64_t walk = new_walk_number();
  auto list = [&](Node* op) {
    op->visit = walk;
    op->pending_consumers = 0;
    op->grad = 0.0;
    op->requires_grad = true;
    ops.push_back(op);
  };
  list(root);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (i + fetch_distance < ops.size()) fetch_inputs_of(ops[i + fetch_distance]);
    const Node& node = *ops[i];
    for (int k = 0; k < arity(node.op); ++k) {
      Node* input = node.inputs[k];
      if (input->op == Op::leaf) {
        if (!input->requires_grad && input->visit != walk) {
          input->visit = walk;
          constants.push_back(input);
        }
        continue;
      }
      if (input->visit != walk) list(input);
      if (input->pending_consumers == max_counted_consumers) return false;
      ++input->pending_consumers;
    }
  }
  return true;
}

// After the rules ran on a graph with constants in it: which ops need a gradient follows from
// the leaves as they are now (not as they were when the ops ran), inputs first -- `order` lists
// the ops users first, so it is read from the end. Those that need none, and the constants,
// get their gradients (which the rules filled) set back to 0. The rules of such ops only ever
// reach other such ops and constants, so every other gradient is exact.
void settle_constants(const std::vector<Node*>& order, const std::vector<Node*>& constants) {
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node& node = **it;
    node.requires_grad = node.inputs[0]->requires_grad || (arity(node.op) == 2 && node.inputs[1]->requires_grad);
    if (!node.requires_grad) node.grad = 0.0;
  }
  for (Node* constant : constants) constant->grad = 0.0;
}

}  // namespace

std::vector<Node*> topological_order(const Value& root) {
  std::vector<Node*> order, stack;
  sort_topologically(root.node(), order, stack, Walk::list_only, nullptr);
  return order;
}

void zero_grad(const Value& root) {
  for (Node* node : topological_order(root)) node->grad = 0.0;
}

void Value::backward() const {
  // Scratch lists kept between calls: a training loop walks graphs of the same size every
  // step, and fresh multi-megabyte vectors would cost page faults each time.
  thread_local std::vector<Node*> order, stack, constants;
  order.clear();
  constants.clear();

  if (node_->op != Op::leaf && count_consumers(node_, order, constants)) {
    // `order` is read and rewritten in one go: the ops ready to run their rule are appended as
    // the last of their consumers runs, over the count pass's list, which is no longer needed.
    std::size_t ready = 0;
    order[ready++] = node_;
    node_->grad = 1.0;
    for (std::size_t i = 0; i < ready; ++i) {
      if (i + fetch_distance < ready) fetch_inputs_of(order[i + fetch_distance]);
      Node& node = *order[i];
      detail::backward_step(node);
      for (int k = 0; k < arity(node.op); ++k) {
        Node* input = node.inputs[k];
        if (input->op != Op::leaf && --input->pending_consumers == 0) order[ready++] = input;
      }
    }
    order.resize(ready);
    if (!constants.empty()) settle_constants(order, constants);
    if (!node_->requires_grad) throw_nothing_requires_grad();
    return;
  }

  // In sorted order: the sort readies every node as it lists it (see sort_topologically).
  order.clear();
  constants.clear();
  sort_topologically(node_, order, stack, Walk::prepare_backward, &constants);
  if (!node_->requires_grad) throw_nothing_requires_grad();
  node_->grad += 1.0;
  // Reverse topological order: a node's grad is complete before it is passed to its inputs.
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    if ((*it)->requires_grad) detail::backward_step(**it);
  }
  // The rules add to every input, constants too: what they received is discarded.
  for (Node* constant : constants) constant->grad = 0.0;
}

}  // namespace autograd
