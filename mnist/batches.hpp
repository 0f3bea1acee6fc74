#pragma once
// MNIST samples as a model's batches: the pixels through the one input normalisation
// (nn/normalisation.hpp), the labels as classes.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "mnist/dataset.hpp"
#include "nn/normalisation.hpp"
#include "nn/training.hpp"

namespace mnist {

// MNIST's own pixel statistics (training set, pixels scaled to [0, 1]): what the tools
// normalise with and store in the model files they write.
inline constexpr nn::Normalisation mnist_normalisation{0.1307, 0.3081};

// Samples order[begin..end) of the data as a (count x features) model input: a constant.
template <class M>
M input_batch(const Dataset& data, const std::vector<std::size_t>& order, std::size_t begin, std::size_t end,
              const nn::Normalisation& normalisation) {
  const std::size_t features = data.features();
  return nn::pixels_to_inputs<M>(
      end - begin, features, [&](std::size_t i) { return &data.pixels[order[begin + i] * features]; }, normalisation);
}

// Their classes.
inline std::vector<std::int32_t> label_batch(const Dataset& data, const std::vector<std::size_t>& order,
                                             std::size_t begin, std::size_t end) {
  std::vector<std::int32_t> labels;
  for (std::size_t i = begin; i < end; ++i) labels.push_back(data.labels[order[i]]);
  return labels;
}

// Both, for nn::train_batches.
template <class M>
nn::LabelledBatch<M> labelled_batch(const Dataset& data, const std::vector<std::size_t>& order, std::size_t begin,
                                    std::size_t end, const nn::Normalisation& normalisation) {
  return {input_batch<M>(data, order, begin, end, normalisation), label_batch(data, order, begin, end)};
}

}  // namespace mnist
