#pragma once
// The activation functions a layer can end with, by name, on any engine.

#include <string>

namespace nn {

enum class Activation { identity, tanh, relu, sigmoid, softmax };

// "identity", "tanh", "relu", "sigmoid", "softmax"
const char* activation_name(Activation activation);

// The inverse of activation_name. Throws std::invalid_argument naming the text and the choices.
Activation parse_activation(const std::string& name);

// f(z) for a layer's pre-activation z (softmax row-wise).
template <class M>
M activate(const M& z, Activation activation) {
  switch (activation) {
    case Activation::tanh: return tanh(z);
    case Activation::relu: return relu(z);
    case Activation::sigmoid: return sigmoid(z);
    case Activation::softmax: return softmax(z);
    case Activation::identity: break;
  }
  return z;
}

}  // namespace nn
