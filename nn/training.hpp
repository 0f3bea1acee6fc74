#pragma once
// Training and evaluating a classifier on a Dataset, the same code on every engine.

#include <array>
#include <chrono>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/mlp.hpp"
#include "nn/mnist.hpp"
#include "nn/model_file.hpp"
#include "nn/optimizer.hpp"
#include "nn/shuffle.hpp"

namespace nn {

// Rows order[begin..end) of the data as a (count x features) input, normalised.
template <class M>
M input_batch(const Dataset& data, const std::vector<std::size_t>& order, std::size_t begin, std::size_t end,
              const Normalisation& normalisation) {
  const std::size_t features = data.features();
  const double scale = 1.0 / normalisation.std;
  return Engine<M>::build(end - begin, features, [&](std::size_t i, std::size_t j) {
    return (data.pixels[order[begin + i] * features + j] - normalisation.mean) * scale;
  });
}

inline std::vector<std::int32_t> label_batch(const Dataset& data, const std::vector<std::size_t>& order,
                                             std::size_t begin, std::size_t end) {
  std::vector<std::int32_t> labels;
  for (std::size_t i = begin; i < end; ++i) labels.push_back(data.labels[order[i]]);
  return labels;
}

// Training stopped by a loss that is NaN or infinite.
class NonFiniteLoss : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EpochResult {
  double mean_loss = 0;  // over the epoch's batches, weighted by batch size
  double seconds = 0;
};

// One pass over the data in a shuffled order (drawn from rng), in batches of batch_size (the
// last one smaller): zero_grad, forward, cross-entropy, backward, step. progress(done, total)
// is called after every batch. Throws NonFiniteLoss naming the batch.
template <class M>
EpochResult train_epoch(const MLP<M>& model, Optimizer<M>& optimizer, const Dataset& data, std::size_t batch_size,
                        Rng& rng, const Normalisation& normalisation,
                        const std::function<void(std::size_t, std::size_t)>& progress = {}) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<std::size_t> order = shuffled_indices(data.count, rng);
  const std::size_t batches = (data.count + batch_size - 1) / batch_size;
  double loss_sum = 0;
  for (std::size_t b = 0; b < batches; ++b) {
    const std::size_t begin = b * batch_size, end = std::min(data.count, begin + batch_size);
    optimizer.zero_grad();
    const M loss = cross_entropy(model.logits(input_batch<M>(data, order, begin, end, normalisation)),
                                 label_batch(data, order, begin, end));
    const double value = Engine<M>::item(loss);
    if (!std::isfinite(value)) {
      throw NonFiniteLoss("loss is " + std::to_string(value) + " at batch " + std::to_string(b + 1) + " of " +
                          std::to_string(batches));
    }
    Engine<M>::backward(loss);
    optimizer.step();
    loss_sum += value * static_cast<double>(end - begin);
    if (progress) progress(b + 1, batches);
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  return {loss_sum / static_cast<double>(data.count), elapsed.count()};
}

struct Evaluation {
  double accuracy = 0;
  double mean_loss = 0;
  std::array<std::array<std::size_t, 10>, 10> confusion{};  // [true digit][predicted digit]
};

// Accuracy, mean cross-entropy and confusion matrix over the whole data set.
template <class M>
Evaluation evaluate(const MLP<M>& model, const Dataset& data, const Normalisation& normalisation,
                    std::size_t batch_size = 1000) {
  std::vector<std::size_t> order(data.count);
  for (std::size_t i = 0; i < data.count; ++i) order[i] = i;
  Evaluation result;
  std::size_t correct = 0;
  double loss_sum = 0;
  for (std::size_t begin = 0; begin < data.count; begin += batch_size) {
    const std::size_t end = std::min(data.count, begin + batch_size);
    const M logits = model.logits(input_batch<M>(data, order, begin, end, normalisation));
    loss_sum +=
        Engine<M>::item(cross_entropy(logits, label_batch(data, order, begin, end))) * static_cast<double>(end - begin);
    const std::vector<double> scores = Engine<M>::values(logits);
    const std::size_t classes = logits.cols();
    for (std::size_t i = 0; i < end - begin; ++i) {
      std::size_t best = 0;
      for (std::size_t c = 1; c < classes; ++c) {
        if (scores[i * classes + c] > scores[i * classes + best]) best = c;
      }
      const auto truth = static_cast<std::size_t>(data.labels[begin + i]);
      if (best == truth) ++correct;
      if (truth < 10 && best < 10) ++result.confusion[truth][best];
    }
  }
  result.accuracy = static_cast<double>(correct) / static_cast<double>(data.count);
  result.mean_loss = loss_sum / static_cast<double>(data.count);
  return result;
}

}  // namespace nn
