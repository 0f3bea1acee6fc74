#pragma once
// The lecture's sections 1-2 as code: neurons in series fitted to three points of
// y = x^2 + 3x + 2 by gradient descent on the mean squared error. The program two_neuron
// prints what these functions compute; the tests check the same numbers.

#include <cstdint>
#include <string>
#include <vector>

#include "autograd/value.hpp"

namespace lecture {

using autograd::Value;

// X = {0, 1, 2}, Y_hat = {2, 6, 12}.
struct Samples {
  std::vector<double> x;
  std::vector<double> y;
};
Samples quadratic_samples();

// Y2 = W2 * f(W1 * X + B1) + B2 with f the identity (two linear neurons) or tanh.
struct NeuronChain {
  Value w1, b1, w2, b2;
  bool tanh_hidden = false;

  static NeuronChain random(std::uint64_t seed, bool tanh_hidden);
  // Y1 = f(W1 * X + B1) and Y2 = W2 * Y1 + B2 for sample number `sample`, labelled Y1[sample]
  // and Y2[sample] for dumps, DOT graphs and the debugger.
  Value hidden(const Value& x, std::size_t sample) const;
  Value predict(const Value& x, std::size_t sample) const;
  std::vector<Value> parameters() const { return {w1, b1, w2, b2}; }
};

// 1-H-1: H tanh neurons on one input, one linear output neuron.
struct TanhNetwork {
  std::vector<Value> w1, b1, w2;  // one per hidden neuron
  Value b2;

  static TanhNetwork random(std::uint64_t seed, int hidden);
  Value predict(const Value& x, std::size_t sample) const;  // (its nodes are not labelled)
  std::vector<Value> parameters() const;
};

// Mean over the samples of (prediction - target)^2.
template <class Model>
Value mse(const Model& model, const Samples& samples) {
  Value total = 0.0;
  for (std::size_t i = 0; i < samples.x.size(); ++i) {
    const std::string sample = "[" + std::to_string(i) + "]";
    const Value x(samples.x[i], "X" + sample);
    const Value target(samples.y[i], "Y_hat" + sample);
    Value error = model.predict(x, i) - target;
    error.set_label("e" + sample);
    total = total + error * error;
  }
  Value loss = total / static_cast<double>(samples.x.size());
  loss.set_label("L");
  return loss;
}

// Plain gradient descent: `steps` rounds of zero_grad, forward, backward, p -= lr * dL/dp.
// Returns the loss after the last update.
template <class Model>
double train(Model& model, const Samples& samples, double learning_rate, int steps) {
  const std::vector<Value> params = model.parameters();
  for (int step = 0; step < steps; ++step) {
    autograd::zero_grad(params);
    const Value loss = mse(model, samples);
    loss.backward();
    for (const Value& p : params) p.node()->data -= learning_rate * p.grad();
  }
  return mse(model, samples).data();
}

// dL/dW1, dL/dB1, dL/dW2, dL/dB2 of the linear chain, derived by hand with the chain rule:
//   e = Y2 - Y_hat,  dL/dB2 = mean(2e),  dL/dW2 = mean(2e * Y1),
//   dL/dB1 = mean(2e * W2),  dL/dW1 = mean(2e * W2 * X).
struct ChainGradients {
  double w1, b1, w2, b2;
};
ChainGradients hand_derived_gradients(const NeuronChain& chain, const Samples& samples);

// The least-squares straight line through the samples: the best any linear chain can do.
struct Line {
  double slope, intercept;
};
Line least_squares_line(const Samples& samples);

}  // namespace lecture
