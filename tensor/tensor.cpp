#include "tensor/tensor.hpp"

#include <atomic>
#include <cassert>
#include <cstdio>
#include <ostream>
#include <utility>

#include "tensor/graph_building.hpp"

namespace tensor {

const char* op_name(Op op) {
  switch (op) {
    case Op::leaf: return "leaf";
    case Op::add: return "add";
    case Op::sub: return "sub";
    case Op::mul: return "mul";
    case Op::div: return "div";
    case Op::neg: return "neg";
    case Op::pow: return "pow";
    case Op::exp: return "exp";
    case Op::log: return "log";
    case Op::tanh: return "tanh";
    case Op::relu: return "relu";
    case Op::sigmoid: return "sigmoid";
    case Op::bias_tanh: return "bias_tanh";
    case Op::bias_relu: return "bias_relu";
    case Op::bias_sigmoid: return "bias_sigmoid";
    case Op::matmul: return "matmul";
    case Op::transpose: return "transpose";
    case Op::sum: return "sum";
    case Op::mean: return "mean";
    case Op::softmax: return "softmax";
    case Op::log_softmax: return "log_softmax";
    case Op::cross_entropy: return "cross_entropy";
    case Op::mse: return "mse";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, Op op) { return out << op_name(op); }

template <class T>
Node<T>::~Node() {
  // Destroying a node releases its inputs; an input held by nothing else would be destroyed
  // inside this destructor, and so on down a chain. Instead every input handle is moved to a
  // list and released here, one at a time. A node whose last handle is the one in hand has its
  // own inputs moved to the list before it dies, so no destructor ever runs more than one
  // level deep -- also when inputs are shared (y = y * y) or reached twice (y = y + tanh(y)).
  std::vector<std::shared_ptr<Node>> pending;
  for (auto& input : inputs) {
    if (input) pending.push_back(std::move(input));
  }
  while (!pending.empty()) {
    std::shared_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    if (node.use_count() == 1) {
      for (auto& input : node->inputs) {
        if (input) pending.push_back(std::move(input));
      }
    }
  }  // each `node` handle dies at the end of its iteration, holding no inputs if it was the last
}

namespace detail {

std::string shape_string(std::size_t rows, std::size_t cols) {
  return "(" + std::to_string(rows) + "x" + std::to_string(cols) + ")";
}

void fail(const char* op, const std::string& what) { throw std::invalid_argument(std::string(op) + ": " + what); }

}  // namespace detail

template <class T>
Tensor<T>::Tensor() : Tensor(Array({{T(0)}})) {}

template <class T>
// NOLINTNEXTLINE(performance-unnecessary-value-param): moved from below; clang-tidy 14 misreads the template
Tensor<T>::Tensor(Array data, std::string label) : node_(std::make_shared<Node<T>>()) {
  if (data.size() == 0) detail::fail("Tensor", "empty data " + detail::shape_string(data.shape()[0], data.shape()[1]));
  node_->data = std::move(data);
  node_->label = std::move(label);
}

template <class T>
Tensor<T>::Tensor(std::initializer_list<std::initializer_list<T>> rows) : node_(std::make_shared<Node<T>>()) {
  const std::size_t cols = rows.size() == 0 ? 0 : rows.begin()->size();
  for (const auto& row : rows) {
    if (row.size() != cols) detail::fail("Tensor", "rows of different lengths");
  }
  if (rows.size() == 0 || cols == 0) detail::fail("Tensor", "empty data");
  node_->data = Array(rows);
}

template <class T>
Tensor<T>::Tensor(std::size_t rows, std::size_t cols, const std::vector<double>& values)
    : node_(std::make_shared<Node<T>>()) {
  if (rows * cols == 0) detail::fail("Tensor", "empty data " + detail::shape_string(rows, cols));
  if (values.size() != rows * cols) {
    detail::fail("Tensor", std::to_string(values.size()) + " values for shape " + detail::shape_string(rows, cols));
  }
  node_->data = Array::from_shape({rows, cols});
  for (std::size_t i = 0; i < values.size(); ++i) node_->data.data()[i] = static_cast<T>(values[i]);
}

template <class T>
void Tensor<T>::check_index(std::size_t i, std::size_t j) const {
  if (i >= rows() || j >= cols()) {
    throw std::out_of_range("Tensor: element (" + std::to_string(i) + ", " + std::to_string(j) + ") of " +
                            shape_string());
  }
}

template <class T>
T Tensor<T>::value(std::size_t i, std::size_t j) const {
  check_index(i, j);
  return node_->data(i, j);
}

template <class T>
T Tensor<T>::grad(std::size_t i, std::size_t j) const {
  check_index(i, j);
  return node_->grad.size() == 0 ? T(0) : node_->grad(i, j);
}

template <class T>
T Tensor<T>::item() const {
  if (size() != 1) detail::fail("item", "only a 1x1 tensor is a number, not " + shape_string());
  return node_->data(0, 0);
}

template <class T>
Tensor<T>& Tensor<T>::set_requires_grad(bool requires) {
  if (node_->op != Op::leaf) {
    detail::fail("set_requires_grad", std::string("only leaves can be made constants; this tensor is made by ") +
                                          op_name(node_->op) + " and follows its operands");
  }
  node_->requires_grad = requires;
  return *this;
}

template <class T>
Tensor<T> Tensor<T>::full(std::size_t rows, std::size_t cols, T value) {
  Array data({rows, cols}, value);
  return Tensor(std::move(data));
}

template <class T>
std::string Tensor<T>::shape_string() const {
  return detail::shape_string(rows(), cols());
}

template <class T>
// NOLINTNEXTLINE(performance-unnecessary-value-param): moved from below; clang-tidy 14 misreads the template
Tensor<T>& Tensor<T>::set_label(std::string label) {
  node_->label = std::move(label);
  return *this;
}

template <class T>
Tensor<T> Tensor<T>::input(std::size_t index) const {
  assert(index < num_inputs());
  return from_node(node_->inputs[index]);
}

template <class T>
Tensor<T> Tensor<T>::from_node(std::shared_ptr<Node<T>> node) {
  return Tensor(std::move(node), Adopt{});
}

namespace {

// Depth-first post-order with an explicit stack and per-walk marks, as in the scalar engine.
template <class T>
std::vector<Node<T>*> sort_topologically(Node<T>* root) {
  static std::atomic<std::uint64_t> walk_counter{0};
  const std::uint64_t walk = walk_counter.fetch_add(1, std::memory_order_relaxed) + 1;
  std::vector<Node<T>*> order, stack{root};
  root->visit = walk;
  while (!stack.empty()) {
    Node<T>* node = stack.back();
    Node<T>* unvisited_input = nullptr;
    for (int i = 0; i < arity(node->op) && unvisited_input == nullptr; ++i) {
      if (node->inputs[i]->visit != walk) unvisited_input = node->inputs[i].get();
    }
    if (unvisited_input != nullptr) {
      unvisited_input->visit = walk;
      stack.push_back(unvisited_input);
    } else {
      order.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

}  // namespace

template <class T>
std::vector<Node<T>*> topological_order(const Tensor<T>& root) {
  return sort_topologically(root.node());
}

template <class T>
void Tensor<T>::backward() const {
  if (rows() != 1 || cols() != 1) {
    detail::fail("backward", "the output must be 1x1 (a loss), not " + shape_string());
  }
  const std::vector<Node<T>*> order = sort_topologically(node_.get());
  // One pass in topological order (every node after its inputs):
  // - what needs a gradient follows from the leaves as they are now (they may have been made
  //   constants, or not, since the graph was built);
  // - who writes each gradient: a node whose only consumer is a product gets its gradient
  //   written by that product's gemm directly, with no zeroing first. A node's count starts at
  //   its own visit, before any of its consumers' visits add to it.
  for (Node<T>* node : order) {
    node->consumers = 0;
    node->descended = false;
    if (node->op == Op::leaf) continue;
    node->requires_grad = false;
    for (int k = 0; k < arity(node->op); ++k)
      node->requires_grad = node->requires_grad || node->inputs[k]->requires_grad;
    if (!node->requires_grad) continue;
    for (int k = 0; k < arity(node->op); ++k) {
      Node<T>& input = *node->inputs[k];
      if (!input.requires_grad) continue;
      ++input.consumers;
      input.grad_overwrite = node->op == Op::matmul;
    }
  }
  if (!node_->requires_grad) {
    detail::fail("backward", "the loss depends on no tensor that requires a gradient (all are constants)");
  }
  for (Node<T>* node : order) {
    if (!node->requires_grad) continue;
    const bool allocated = node->grad.shape() == node->data.shape();
    if (node->op == Op::leaf && allocated) {  // a leaf's gradient accumulates across calls
      node->grad_overwrite = false;
      continue;
    }
    if (!allocated) {
      if (node->spare_grad.shape() == node->data.shape()) {
        node->grad = std::move(node->spare_grad);
        node->spare_grad = Array();
      } else {
        node->grad = Array::from_shape(node->data.shape());
      }
    }
    node->grad_overwrite = node->grad_overwrite && node->consumers == 1 && node != node_.get();
    if (!node->grad_overwrite) node->grad.fill(T(0));
  }
  node_->grad(0, 0) += T(1);
  // A descent step is armed for one backward() only.
  const auto disarm = [&order] {
    for (Node<T>* node : order) node->descent_rate = T(0);
  };
  try {
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      if ((*it)->requires_grad && (*it)->backward != nullptr) (*it)->backward(**it);
    }
    disarm();
  } catch (...) {
    disarm();
    // A gradient left for a product to overwrite holds garbage until that product runs: if it
    // never did, drop it, so that nothing reads or accumulates into the garbage later.
    for (Node<T>* node : order) {
      if (!node->grad_overwrite) continue;
      node->spare_grad = std::move(node->grad);
      node->grad = Array();
      node->grad_overwrite = false;
    }
    throw;
  }
}

template <class T>
void Tensor<T>::zero_grad() const {
  node_->descended = false;
  if (node_->grad.size() == 0) return;
  node_->spare_grad = std::move(node_->grad);
  node_->grad = Array();
}

template <class T>
void Tensor<T>::fold_descent_into_backward(T rate) const {
  if (rate == T(0)) {  // disarms; never throws (optimizers disarm from destructors)
    node_->descent_rate = T(0);
    return;
  }
  if (node_->op != Op::leaf) {
    detail::fail("fold_descent_into_backward",
                 std::string("only leaves (parameters) descend; this tensor is made by ") + op_name(node_->op));
  }
  node_->descent_rate = rate;
  node_->descended = false;
}

template <class T>
void zero_grad(const Tensor<T>& root) {
  for (Node<T>* node : topological_order(root)) node->grad.fill(T(0));
}

template <class T>
void zero_grad(const std::vector<Tensor<T>>& tensors) {
  for (const Tensor<T>& t : tensors) t.node()->grad.fill(T(0));
}

template struct Node<float>;
template struct Node<double>;
template class Tensor<float>;
template class Tensor<double>;
template std::vector<Node<float>*> topological_order(const Tensor<float>&);
template std::vector<Node<double>*> topological_order(const Tensor<double>&);
template void zero_grad(const Tensor<float>&);
template void zero_grad(const Tensor<double>&);
template void zero_grad(const std::vector<Tensor<float>>&);
template void zero_grad(const std::vector<Tensor<double>>&);

}  // namespace tensor
