#include "two_neuron_model.hpp"

#include <stdexcept>

#include "nn/random.hpp"

namespace lecture {

Samples quadratic_samples() { return {{0.0, 1.0, 2.0}, {2.0, 6.0, 12.0}}; }

NeuronChain NeuronChain::random(std::uint64_t seed, bool tanh_hidden) {
  nn::Rng rng(seed);
  NeuronChain chain{Value(rng.uniform(-1, 1), "W1"), Value(rng.uniform(-1, 1), "B1"), Value(rng.uniform(-1, 1), "W2"),
                    Value(rng.uniform(-1, 1), "B2"), tanh_hidden};
  return chain;
}

Value NeuronChain::hidden(const Value& x, std::size_t sample) const {
  Value y1 = w1 * x + b1;
  if (tanh_hidden) y1 = tanh(y1);
  y1.set_label("Y1[" + std::to_string(sample) + "]");
  return y1;
}

Value NeuronChain::predict(const Value& x, std::size_t sample) const {
  Value y2 = w2 * hidden(x, sample) + b2;
  y2.set_label("Y2[" + std::to_string(sample) + "]");
  return y2;
}

TanhNetwork TanhNetwork::random(std::uint64_t seed, int hidden) {
  if (hidden <= 0) throw std::invalid_argument("TanhNetwork: hidden size must be positive");
  nn::Rng rng(seed);
  TanhNetwork net;
  for (int j = 0; j < hidden; ++j) {
    net.w1.emplace_back(rng.uniform(-1, 1));
    net.b1.emplace_back(rng.uniform(-1, 1));
    net.w2.emplace_back(rng.uniform(-1, 1));
  }
  net.b2 = Value(rng.uniform(-1, 1));
  return net;
}

Value TanhNetwork::predict(const Value& x, std::size_t /*sample*/) const {
  Value y = b2;
  for (std::size_t j = 0; j < w1.size(); ++j) y = y + w2[j] * tanh(w1[j] * x + b1[j]);
  return y;
}

std::vector<Value> TanhNetwork::parameters() const {
  std::vector<Value> params;
  for (std::size_t j = 0; j < w1.size(); ++j) {
    params.push_back(w1[j]);
    params.push_back(b1[j]);
    params.push_back(w2[j]);
  }
  params.push_back(b2);
  return params;
}

ChainGradients hand_derived_gradients(const NeuronChain& chain, const Samples& samples) {
  const double w1 = chain.w1.data(), b1 = chain.b1.data();
  const double w2 = chain.w2.data(), b2 = chain.b2.data();
  const double n = static_cast<double>(samples.x.size());
  ChainGradients g{0, 0, 0, 0};
  for (std::size_t i = 0; i < samples.x.size(); ++i) {
    const double x = samples.x[i];
    const double y1 = w1 * x + b1;
    const double e = w2 * y1 + b2 - samples.y[i];
    g.b2 += 2 * e / n;
    g.w2 += 2 * e * y1 / n;
    g.b1 += 2 * e * w2 / n;
    g.w1 += 2 * e * w2 * x / n;
  }
  return g;
}

Line least_squares_line(const Samples& samples) {
  const double n = static_cast<double>(samples.x.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < samples.x.size(); ++i) {
    sx += samples.x[i];
    sy += samples.y[i];
    sxx += samples.x[i] * samples.x[i];
    sxy += samples.x[i] * samples.y[i];
  }
  const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  return {slope, (sy - slope * sx) / n};
}

}  // namespace lecture
