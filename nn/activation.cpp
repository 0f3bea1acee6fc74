#include "nn/activation.hpp"

#include <stdexcept>

namespace nn {

const char* activation_name(Activation activation) {
  switch (activation) {
    case Activation::identity: return "identity";
    case Activation::tanh: return "tanh";
    case Activation::relu: return "relu";
    case Activation::sigmoid: return "sigmoid";
    case Activation::softmax: return "softmax";
  }
  return "?";
}

Activation parse_activation(const std::string& name) {
  for (Activation a :
       {Activation::identity, Activation::tanh, Activation::relu, Activation::sigmoid, Activation::softmax}) {
    if (name == activation_name(a)) return a;
  }
  throw std::invalid_argument("unknown activation '" + name + "' (expected tanh, relu, sigmoid, identity or softmax)");
}

}  // namespace nn
