#pragma once
// The tensor graph as Graphviz DOT, laid out as the scalar engine's: a record per tensor,
// "label = op | (rows x cols)", and an edge from each input. Render with
// `dot -Tsvg graph.dot -o graph.svg`.

#include <ostream>

#include "tensor/tensor.hpp"

namespace tensor {

template <class T>
void write_dot(const Tensor<T>& root, std::ostream& out);

extern template void write_dot(const Tensor<float>&, std::ostream&);
extern template void write_dot(const Tensor<double>&, std::ostream&);

}  // namespace tensor
