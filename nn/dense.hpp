#pragma once
// A dense layer as the lecture writes it: Y = f(X @ W + B), X (batch x inputs),
// W (inputs x neurons), B (1 x neurons) added to every row. A Neuron is a layer of one.

#include <cstddef>

#include "nn/activation.hpp"
#include "nn/engine.hpp"
#include "nn/init.hpp"

namespace nn {

template <class M>
struct Dense {
  M weight;  // (inputs x neurons)
  M bias;    // (1 x neurons)
  Activation activation = Activation::identity;

  // Weights from `init` (drawn row-major from rng), biases 0.
  static Dense create(std::size_t inputs, std::size_t neurons, Activation activation, Init init, Rng& rng) {
    return Dense{M(inputs, neurons, initial_weights(inputs, neurons, init, rng)),
                 M(1, neurons, std::vector<double>(neurons, 0.0)), activation};
  }
  static Dense create(std::size_t inputs, std::size_t neurons, Activation activation, Rng& rng) {
    return create(inputs, neurons, activation, default_init(activation), rng);
  }

  std::size_t inputs() const { return weight.rows(); }
  std::size_t neurons() const { return weight.cols(); }

  // X @ W + B: (batch x neurons)
  M pre_activation(const M& x) const { return matmul(x, weight) + bias; }
  // f(X @ W + B)
  M operator()(const M& x) const { return activate_biased(matmul(x, weight), bias, activation); }
};

// One neuron: Y = f(X @ w + b) with w (inputs x 1) and b (1 x 1), for a batch of inputs.
template <class M>
Dense<M> make_neuron(std::size_t inputs, Activation activation, Rng& rng) {
  return Dense<M>::create(inputs, 1, activation, rng);
}

}  // namespace nn
