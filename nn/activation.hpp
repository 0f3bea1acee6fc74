#pragma once
// The activation functions a layer can end with, by name, on any engine.

#include <string>

#include "tensor/tensor.hpp"

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

// f(z + bias) for a layer's product z and bias row. On the scalar engine an add and then the
// activation, each a step of the graph to look at.
template <class M>
M activate_biased(const M& z, const M& bias, Activation activation) {
  return activate(z + bias, activation);
}

// On the tensor engine tanh, relu and sigmoid are fused with the bias into one op (one pass over
// the layer's output each way instead of two).
template <class T>
tensor::Tensor<T> activate_biased(const tensor::Tensor<T>& z, const tensor::Tensor<T>& bias, Activation activation) {
  switch (activation) {
    case Activation::tanh: return bias_tanh(z, bias);
    case Activation::relu: return bias_relu(z, bias);
    case Activation::sigmoid: return bias_sigmoid(z, bias);
    default: return activate(z + bias, activation);
  }
}

}  // namespace nn
