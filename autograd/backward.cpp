// Walks over a graph: its topological order, zero_grad, and backward().
//
// backward() must run each node's local rule (ops.cpp) after the rules of every node that uses
// it, so that a node's gradient is complete before it is passed on. It does so without sorting
// the graph first, by counting down from the output (Kahn's algorithm): every op that uses a
// node holds one of its references, so when an op first receives a gradient, its reference
// count says how many more contributions are to come. The output's rule runs first; each rule
// counts down its inputs, and an op whose count reaches zero joins the queue of rules to run.
//
// A reference held by anything else -- a handle the program keeps, or an op outside this graph
// -- holds its node back. Such nodes, and every node below them, are left when the queue runs
// dry, and are finished in a depth-first order of what is left. In a training step, where the
// program keeps only the loss, nothing is left, and the graph is walked once instead of being
// sorted first (the sort waited on memory at every node, and was the largest cost of a step).
// The queue also lets the walk ask for the inputs of nodes further along it while it works on
// this one, so that their memory arrives in time.

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

// Numbers for walks over a graph, so that a node's `visit` says whether, and how, a walk has
// reached it without clearing marks between walks. Returns the first of `count` new numbers.
std::uint64_t new_walk_numbers(std::uint64_t count) {
  static std::atomic<std::uint64_t> walk_counter{0};
  return walk_counter.fetch_add(count, std::memory_order_relaxed) + 1;
}

// Appends `start`, and the nodes below it that `enter` admits, to `order`, inputs before the
// nodes that use them: a depth-first post-order with an explicit stack (`stack` is scratch
// space). `enter(input)` is asked about the inputs of each node on the stack; it marks an input
// it admits, so that it says no when asked again and each node is listed once.
template <class Enter>
void list_depth_first(Node* start, std::vector<Node*>& order, std::vector<Node*>& stack, Enter&& enter) {
  stack.clear();  // what an earlier call left if it ran out of memory
  stack.push_back(start);
  while (!stack.empty()) {
    Node* node = stack.back();
    Node* entered_input = nullptr;
    for (int k = 0; k < arity(node->op) && entered_input == nullptr; ++k) {
      if (enter(*node->inputs[k])) entered_input = node->inputs[k];
    }
    if (entered_input != nullptr) {
      stack.push_back(entered_input);
    } else {  // every input is listed: list this node
      order.push_back(node);
      stack.pop_back();
    }
  }
}

// Appends every node reachable from `root` to `order`, inputs first. Each node is marked with
// this walk's number when first reached, so shared nodes are listed once and no set is needed.
void sort_topologically(Node* root, std::vector<Node*>& order, std::vector<Node*>& stack) {
  const std::uint64_t walk = new_walk_numbers(1);
  root->visit = walk;
  list_depth_first(root, order, stack, [walk](Node& input) {
    if (input.visit == walk) return false;
    input.visit = walk;
    return true;
  });
}

// What one backward() call has done to each node, as marks in `visit`, and what it has met.
struct BackwardWalk {
  std::uint64_t reached;          // an op that has received some of its gradient, or a constant met
  std::uint64_t finished;         // an op whose rule has run
  std::uint64_t listed;           // an op listed to be finished depth first
  std::size_t reached_ops;        // how many ops were reached, the output aside
  std::vector<Node*>& constants;  // every constant leaf met, once
};

// A count that does not fit pending_consumers: the node waits for the depth-first finish.
constexpr std::uint16_t uncounted = std::numeric_limits<std::uint16_t>::max();

void note_if_constant(Node& leaf, BackwardWalk& walk) {
  if (!leaf.requires_grad && leaf.visit != walk.reached) {
    leaf.visit = walk.reached;
    walk.constants.push_back(&leaf);
  }
}

// Called for each input of an op before its rule runs. The first time this walk reaches an op,
// its gradient is zeroed (it holds exactly this call's derivative after backward) and its
// count of contributions still to come is set from its references, less the one being used now;
// later arrivals count down. True when that leaves none to come: the op is ready to run its
// own rule, after the rule of the op reaching it, which runs first.
bool reach(Node& input, BackwardWalk& walk) {
  if (input.op == Op::leaf) {
    note_if_constant(input, walk);
    return false;
  }
  if (input.visit != walk.reached) {
    input.visit = walk.reached;
    input.grad = 0.0;
    input.requires_grad = true;  // settle_constants corrects it when constants were met
    input.pending_consumers = input.refs - 1 < uncounted ? static_cast<std::uint16_t>(input.refs - 1) : uncounted;
    ++walk.reached_ops;
  } else if (input.pending_consumers != uncounted) {
    --input.pending_consumers;
  }
  return input.pending_consumers == 0;
}

// Lists `start`, an op held back, and every op below it not yet listed, inputs first. None of
// them has run. An op listed without having been reached has its gradient zeroed; constants met
// are noted.
void list_below(Node* start, BackwardWalk& walk, std::vector<Node*>& order, std::vector<Node*>& stack) {
  start->visit = walk.listed;
  list_depth_first(start, order, stack, [&walk](Node& input) {
    if (input.op == Op::leaf) {
      note_if_constant(input, walk);
      return false;
    }
    if (input.visit == walk.listed || input.visit == walk.finished) return false;
    if (input.visit != walk.reached) {
      input.grad = 0.0;
      input.requires_grad = true;
    }
    input.visit = walk.listed;
    return true;
  });
}

// Lists, inputs first, the ops that references from outside the graph held back and every op
// below them. The held-back ops are the inputs of those that ran (`ran`) that were reached but
// did not run.
void list_held_back(const std::vector<Node*>& ran, BackwardWalk& walk, std::vector<Node*>& order,
                    std::vector<Node*>& stack) {
  for (const Node* done : ran) {
    for (int j = 0; j < arity(done->op); ++j) {
      Node* start = done->inputs[j];
      if (start->op != Op::leaf && start->visit == walk.reached) list_below(start, walk, order, stack);
    }
  }
}

// How far along its queue backward() asks for a node's inputs before it works on them: far
// enough for memory to answer, near enough that they are still in cache when it gets there.
constexpr std::size_t fetch_distance = 16;

void fetch_inputs_of(const Node* node) {
  __builtin_prefetch(node->inputs[0], 1);
  __builtin_prefetch(node->inputs[1], 1);  // nullptr for a unary op: a prefetch never faults
}

// After the rules ran on a graph with constants in it: which ops need a gradient follows from
// the leaves as they are now (not as they were when the ops ran), inputs first -- `ran` lists
// the ops users first, so it is read from the end. Those that need none, and the constants,
// get their gradients (which the rules filled) set back to 0. The rules of such ops only ever
// reach other such ops and constants, so every other gradient is exact.
void settle_constants(const std::vector<Node*>& ran, const std::vector<Node*>& constants) {
  for (auto it = ran.rbegin(); it != ran.rend(); ++it) {
    Node& node = **it;
    node.requires_grad = node.inputs[0]->requires_grad || (arity(node.op) == 2 && node.inputs[1]->requires_grad);
    if (!node.requires_grad) node.grad = 0.0;
  }
  for (Node* constant : constants) constant->grad = 0.0;
}

[[noreturn]] void throw_nothing_requires_grad() {
  throw std::invalid_argument("backward: the output depends on no value that requires a gradient (all are constants)");
}

}  // namespace

std::vector<Node*> topological_order(const Value& root) {
  std::vector<Node*> order, stack;
  sort_topologically(root.node(), order, stack);
  return order;
}

void zero_grad(const Value& root) {
  for (Node* node : topological_order(root)) node->grad = 0.0;
}

void Value::backward() const {
  if (node_->op == Op::leaf) {
    if (!node_->requires_grad) {
      node_->grad = 0.0;
      throw_nothing_requires_grad();
    }
    node_->grad += 1.0;
    return;
  }
  // Lists kept between calls: a training loop walks graphs of the same size every step, and
  // fresh multi-megabyte vectors would cost page faults each time.
  thread_local std::vector<Node*> ran, constants, held_back, stack;
  ran.clear();
  constants.clear();
  const std::uint64_t first = new_walk_numbers(3);
  BackwardWalk walk{first, first + 1, first + 2, 0, constants};

  // Counting down from the output. `ran` is the queue: the ops whose rule has run, then those
  // ready to run theirs.
  node_->visit = walk.reached;
  node_->grad = 1.0;
  node_->requires_grad = true;
  ran.push_back(node_);
  for (std::size_t i = 0; i < ran.size(); ++i) {
    if (i + fetch_distance < ran.size()) fetch_inputs_of(ran[i + fetch_distance]);
    Node& node = *ran[i];
    const int inputs = arity(node.op);
    for (int k = 0; k < inputs; ++k) {
      // a * a reaches a twice, and queues it at the second.
      if (reach(*node.inputs[k], walk)) ran.push_back(node.inputs[k]);
    }
    detail::backward_step(node);
    node.visit = walk.finished;
  }

  // What references from outside the graph held back, depth first.
  if (walk.reached_ops + 1 != ran.size()) {
    held_back.clear();
    list_held_back(ran, walk, held_back, stack);
    for (auto it = held_back.rbegin(); it != held_back.rend(); ++it) {
      detail::backward_step(**it);
      ran.push_back(*it);
    }
  }

  if (!constants.empty()) settle_constants(ran, constants);
  if (!node_->requires_grad) throw_nothing_requires_grad();
}

}  // namespace autograd
