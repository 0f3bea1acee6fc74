#include "tensor/graph_text.hpp"

#include <string>
#include <unordered_map>
#include <vector>

#include "autograd/graph_text.hpp"
#include "tensor/graph_building.hpp"

namespace tensor {

template <class T>
void write_dot(const Tensor<T>& root, std::ostream& out) {
  // Nodes are numbered by their position in the topological order, inputs first.
  const std::vector<Node<T>*> order = topological_order(root);
  std::unordered_map<const Node<T>*, std::size_t> number;
  for (std::size_t i = 0; i < order.size(); ++i) number.emplace(order[i], i);

  out << "digraph backprop {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  for (const Node<T>* node : order) {
    const std::string name = "n" + std::to_string(number.at(node));
    const std::string shape = detail::shape_string(node->data.shape()[0], node->data.shape()[1]);
    out << "  " << name << " [shape=record, label=\"{" << autograd::dot_record_escape(node->label) << " | " << shape
        << "}\"];\n";
    if (node->op == Op::leaf) continue;
    out << "  " << name << "_op [shape=ellipse, label=\"" << op_name(node->op) << "\"];\n";
    out << "  " << name << "_op -> " << name << ";\n";
    for (int i = 0; i < arity(node->op); ++i) {
      out << "  n" << number.at(node->inputs[i].get()) << " -> " << name << "_op;\n";
    }
  }
  out << "}\n";
}

template void write_dot(const Tensor<float>&, std::ostream&);
template void write_dot(const Tensor<double>&, std::ostream&);

}  // namespace tensor
