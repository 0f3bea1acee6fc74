#pragma once
// Internal to the engine: the local backward rule of each op, used by Value::backward().

#include "autograd/node.hpp"

namespace autograd::detail {

// Adds out.grad * d(out)/d(input) to the grad of each of out's inputs (the chain rule, one
// node at a time). Does nothing for leaves.
void backward_step(Node& out);

}  // namespace autograd::detail
