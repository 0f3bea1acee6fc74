#pragma once
// The tensor graph as Graphviz DOT: a record per tensor (label, shape) fed by an ellipse naming
// the op that made it. Render with `dot -Tsvg graph.dot -o graph.svg`.

#include <ostream>

#include "tensor/tensor.hpp"

namespace tensor {

template <class T>
void write_dot(const Tensor<T>& root, std::ostream& out);

extern template void write_dot(const Tensor<float>&, std::ostream&);
extern template void write_dot(const Tensor<double>&, std::ostream&);

}  // namespace tensor
