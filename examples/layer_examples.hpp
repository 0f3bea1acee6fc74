#pragma once
// The lecture's section 3-4 examples as functions over any engine, so that the example
// programs print them and the tests check them.

#include <cstdint>
#include <vector>

#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"

namespace lecture {

// Section 3.2: one neuron with three inputs and no activation, Y = X @ w + b, learns to add
// its inputs from batches of 5 random triples (mean squared error, plain gradient descent).
// The answer it should find: w = (1, 1, 1), b = 0.
template <class M>
nn::Dense<M> train_adder(std::uint64_t seed, int steps, double learning_rate = 0.1) {
  nn::Rng rng(seed);
  nn::Dense<M> neuron = nn::make_neuron<M>(3, nn::Activation::identity, rng);
  nn::SGD<M> sgd({neuron.weight, neuron.bias}, learning_rate);
  constexpr std::size_t batch = 5;
  for (int step = 0; step < steps; ++step) {
    std::vector<double> x(batch * 3), sums(batch, 0.0);
    for (std::size_t i = 0; i < batch; ++i) {
      for (std::size_t j = 0; j < 3; ++j) {
        x[i * 3 + j] = rng.uniform(-1, 1);
        sums[i] += x[i * 3 + j];
      }
    }
    sgd.zero_grad();
    const M loss = mse(neuron(M(batch, 3, x)), M(batch, 1, sums));
    loss.backward();
    sgd.step();
  }
  return neuron;
}

// Section 4.1: a layer of 2 softmax neurons on 5 inputs, trained on a batch of 3 examples.
struct SingleLayerData {
  std::vector<double> x;              // 3 x 5
  std::vector<std::int32_t> classes;  // one of 2 per example
};
SingleLayerData single_layer_data();

template <class M>
nn::Dense<M> train_single_layer(std::uint64_t seed, int steps, double learning_rate = 0.5) {
  const SingleLayerData data = single_layer_data();
  nn::Rng rng(seed);
  nn::Dense<M> layer = nn::Dense<M>::create(5, 2, nn::Activation::softmax, rng);
  nn::SGD<M> sgd({layer.weight, layer.bias}, learning_rate);
  const M x(3, 5, data.x);
  for (int step = 0; step < steps; ++step) {
    sgd.zero_grad();
    const M loss = cross_entropy(layer.pre_activation(x), data.classes);
    loss.backward();
    sgd.step();
  }
  return layer;
}

// Section 4.3: 2 inputs, 5 tanh neurons, 1 linear output, on a small 2-D task:
// y = sin(2 x1) x2 on a seeded grid of points in [-1, 1]^2.
struct ThreeLayerData {
  std::size_t count;
  std::vector<double> x;  // count x 2
  std::vector<double> y;  // count x 1
};
ThreeLayerData three_layer_data(std::uint64_t seed, std::size_t count);

nn::Architecture three_layer_architecture();

}  // namespace lecture
