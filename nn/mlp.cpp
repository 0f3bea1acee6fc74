#include "nn/mlp.hpp"

#include <stdexcept>

namespace nn {

void Architecture::validate() const {
  if (sizes.size() < 2) throw std::invalid_argument("network: need at least an input and an output size");
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    if (sizes[k] == 0) throw std::invalid_argument("network: layer size " + std::to_string(k) + " is 0");
  }
  if (activations.size() != sizes.size() - 1) {
    throw std::invalid_argument("network: " + std::to_string(activations.size()) + " activations for " +
                                std::to_string(sizes.size() - 1) + " layers");
  }
  for (std::size_t k = 0; k + 1 < activations.size(); ++k) {
    if (activations[k] == Activation::softmax) {
      throw std::invalid_argument("network: softmax is only allowed on the last layer, not layer " + std::to_string(k));
    }
  }
}

std::string Architecture::sizes_text() const {
  std::string text;
  for (std::size_t size : sizes) text += (text.empty() ? "" : ",") + std::to_string(size);
  return text;
}

std::string Architecture::activations_text() const {
  std::string text;
  for (Activation a : activations) text += (text.empty() ? "" : ",") + std::string(activation_name(a));
  return text;
}

Architecture Architecture::classifier(std::size_t inputs, const std::vector<std::size_t>& hidden_sizes,
                                      std::size_t classes, Activation hidden) {
  Architecture a;
  a.sizes.push_back(inputs);
  for (std::size_t h : hidden_sizes) {
    a.sizes.push_back(h);
    a.activations.push_back(hidden);
  }
  a.sizes.push_back(classes);
  a.activations.push_back(Activation::softmax);
  return a;
}

}  // namespace nn
