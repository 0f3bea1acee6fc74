#include "autograd/value.hpp"

#include <cassert>
#include <stdexcept>
#include <string>

#include "autograd/node_pool.hpp"

namespace autograd {

Value::Value(double data) : node_(detail::allocate_node()) {
  node_->data = data;
  detail::retain(node_);
}

Value::Value(double data, std::string_view label) : Value(data) { node_->label = detail::intern_label(label); }

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

void zero_grad(const std::vector<Value>& values) {
  for (const Value& v : values) v.node()->grad = 0.0;
}

}  // namespace autograd
