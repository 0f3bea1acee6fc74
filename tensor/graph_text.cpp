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

  out << autograd::dot_graph_header;
  for (const Node<T>* node : order) {
    const std::string op = node->op == Op::leaf ? "" : op_name(node->op);
    const std::string shape = detail::shape_string(node->data.shape()[0], node->data.shape()[1]);
    out << "  n" << number.at(node) << " [label=\"" << autograd::dot_node_title(node->label, op) << " | " << shape
        << "\"];\n";
    for (int i = 0; i < arity(node->op); ++i) {
      out << "  n" << number.at(node->inputs[i].get()) << " -> n" << number.at(node) << ";\n";
    }
  }
  out << "}\n";
}

template void write_dot(const Tensor<float>&, std::ostream&);
template void write_dot(const Tensor<double>&, std::ostream&);

}  // namespace tensor
