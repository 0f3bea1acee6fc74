#pragma once
// A multi-layer perceptron: dense layers of given sizes, each with its activation, the same
// network on any engine. Parameters are named as in model files: layers.K.weight, layers.K.bias.

#include <cstdint>
#include <string>
#include <vector>

#include "nn/dense.hpp"
#include "nn/dropout.hpp"

namespace nn {

struct Architecture {
  std::vector<std::size_t> sizes;       // inputs, hidden..., outputs: e.g. {784, 128, 10}
  std::vector<Activation> activations;  // one per layer (sizes.size() - 1); softmax only last

  // Throws std::invalid_argument saying what is wrong (fewer than two sizes, a size of 0, a
  // wrong number of activations, softmax before the last layer).
  void validate() const;
  std::string sizes_text() const;        // "784,128,10"
  std::string activations_text() const;  // "tanh,softmax"
  // A classifier's layers: each hidden layer with `hidden`, the output with softmax.
  static Architecture classifier(std::size_t inputs, const std::vector<std::size_t>& hidden_sizes, std::size_t classes,
                                 Activation hidden);
};

template <class M>
class MLP {
 public:
  // Weights drawn from a generator seeded with `seed`, layer by layer, each row-major.
  MLP(Architecture architecture, std::uint64_t seed) : architecture_(std::move(architecture)) {
    architecture_.validate();
    Rng rng(seed);
    for (std::size_t k = 0; k + 1 < architecture_.sizes.size(); ++k) {
      layers_.push_back(
          Dense<M>::create(architecture_.sizes[k], architecture_.sizes[k + 1], architecture_.activations[k], rng));
    }
  }

  const Architecture& architecture() const { return architecture_; }

  // Dropout rates after each hidden layer in training, one per hidden layer, each in [0, 1);
  // none by default or when empty. Not part of the architecture: the trained network is used without it.
  // Throws std::invalid_argument for a wrong count or rate.
  void set_dropout(std::vector<double> rates) {
    validate_dropout(rates, layers_.size() - 1);
    dropout_ = std::move(rates);
  }
  const std::vector<Dense<M>>& layers() const { return layers_; }
  std::vector<Dense<M>>& layers() { return layers_; }

  // Every layer but the last one's activation: for a softmax classifier, the logits.
  M logits(const M& x) const { return forward(x, nullptr); }
  // The logits in training: inverted dropout after each hidden layer whose rate is not 0, the
  // masks drawn from rng in layer order. With no dropout set, logits(x) exactly.
  M training_logits(const M& x, Rng& rng) const { return forward(x, &rng); }
  // The network's output, every activation applied (probabilities for a softmax classifier).
  M operator()(const M& x) const { return activate(logits(x), layers_.back().activation); }

  // layers.0.weight, layers.0.bias, layers.1.weight, ...: handles sharing the model's nodes.
  std::vector<M> parameters() const {
    std::vector<M> params;
    for (const Dense<M>& layer : layers_) {
      params.push_back(layer.weight);
      params.push_back(layer.bias);
    }
    return params;
  }
  std::vector<std::string> parameter_names() const {
    std::vector<std::string> names;
    for (std::size_t k = 0; k < layers_.size(); ++k) {
      names.push_back("layers." + std::to_string(k) + ".weight");
      names.push_back("layers." + std::to_string(k) + ".bias");
    }
    return names;
  }

 private:
  // The hidden layers, each followed by dropout when `rng` is given, then the last layer
  // without its activation.
  M forward(const M& x, Rng* rng) const {
    M y = x;
    for (std::size_t k = 0; k + 1 < layers_.size(); ++k) {
      y = layers_[k](y);
      if (rng != nullptr && k < dropout_.size()) y = dropout(y, dropout_[k], *rng);
    }
    return layers_.back().pre_activation(y);
  }

  Architecture architecture_;
  std::vector<Dense<M>> layers_;
  std::vector<double> dropout_;  // per hidden layer, or empty
};

}  // namespace nn
