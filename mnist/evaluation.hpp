#pragma once
// A classifier's accuracy, mean loss and 10x10 confusion matrix over an MNIST split.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "mnist/batches.hpp"
#include "nn/mlp.hpp"

namespace mnist {

struct Evaluation {
  double accuracy = 0;
  double mean_loss = 0;
  std::array<std::array<std::size_t, 10>, 10> confusion{};  // [true digit][predicted digit]
  std::vector<std::uint8_t> predictions;                    // the predicted class of every sample
};

// Accuracy, mean cross-entropy and confusion matrix over the whole data set.
template <class M>
Evaluation evaluate(const nn::MLP<M>& model, const Dataset& data, const nn::Normalisation& normalisation,
                    std::size_t batch_size = 1000) {
  std::vector<std::size_t> order(data.count);
  for (std::size_t i = 0; i < data.count; ++i) order[i] = i;
  Evaluation result;
  std::size_t correct = 0;
  double loss_sum = 0;
  for (std::size_t begin = 0; begin < data.count; begin += batch_size) {
    const std::size_t end = std::min(data.count, begin + batch_size);
    const M logits = model.logits(input_batch<M>(data, order, begin, end, normalisation));
    loss_sum += cross_entropy(logits, label_batch(data, order, begin, end)).item() * static_cast<double>(end - begin);
    const std::vector<double> scores = nn::values_of(logits);
    const std::size_t classes = logits.cols();
    for (std::size_t i = 0; i < end - begin; ++i) {
      std::size_t best = 0;
      for (std::size_t c = 1; c < classes; ++c) {
        if (scores[i * classes + c] > scores[i * classes + best]) best = c;
      }
      const auto truth = static_cast<std::size_t>(data.labels[begin + i]);
      result.predictions.push_back(static_cast<std::uint8_t>(best));
      if (best == truth) ++correct;
      if (truth < 10 && best < 10) ++result.confusion[truth][best];
    }
  }
  result.accuracy = static_cast<double>(correct) / static_cast<double>(data.count);
  result.mean_loss = loss_sum / static_cast<double>(data.count);
  return result;
}

}  // namespace mnist
