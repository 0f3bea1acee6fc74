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
#include "nn/normalisation.hpp"
#include "nn/optimizer.hpp"
#include "nn/shuffle.hpp"

namespace nn {

// Rows order[begin..end) of the data as a (count x features) model input: a constant.
template <class M>
M input_batch(const Dataset& data, const std::vector<std::size_t>& order, std::size_t begin, std::size_t end,
              const Normalisation& normalisation) {
  const std::size_t features = data.features();
  return pixels_to_inputs<M>(
      end - begin, features, [&](std::size_t i) { return &data.pixels[order[begin + i] * features]; }, normalisation);
}

inline std::vector<std::int32_t> label_batch(const Dataset& data, const std::vector<std::size_t>& order,
                                             std::size_t begin, std::size_t end) {
  std::vector<std::int32_t> labels;
  for (std::size_t i = begin; i < end; ++i) labels.push_back(data.labels[order[i]]);
  return labels;
}

// Training stopped by a loss or gradient that is NaN or infinite.
class NonFiniteLoss : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct EpochResult {
  double mean_loss = 0;  // over the batches trained, weighted by batch size
  double seconds = 0;
  std::size_t samples = 0;       // trained in this call
  std::size_t batches_done = 0;  // index after the last batch trained (of the whole epoch)
  bool stopped = false;          // after_batch asked to stop before the epoch's end
};

// The name of the first parameter whose gradient (or, with `values`, whose value) holds a NaN
// or an infinity, or "".
template <class M>
std::string first_non_finite(const MLP<M>& model, bool values) {
  const std::vector<M> params = model.parameters();
  const std::vector<std::string> names = model.parameter_names();
  for (std::size_t k = 0; k < params.size(); ++k) {
    if (!(values ? Engine<M>::values_are_finite(params[k]) : Engine<M>::gradient_is_finite(params[k]))) return names[k];
  }
  return "";
}

// Trains on batches first_batch, first_batch + 1, ... of the epoch whose sample order is
// `order` (batches of batch_size, the last one smaller): zero_grad, forward, cross-entropy,
// backward, step. After each batch, after_batch(batches done in the epoch, batches in the
// epoch) may return false to stop there. Throws NonFiniteLoss naming the batch (and the
// parameter, for a gradient) before that batch's update.
template <class M>
EpochResult train_batches(const MLP<M>& model, Optimizer<M>& optimizer, const Dataset& data, std::size_t batch_size,
                          const std::vector<std::size_t>& order, std::size_t first_batch,
                          const Normalisation& normalisation,
                          const std::function<bool(std::size_t, std::size_t)>& after_batch = {}) {
  const auto start = std::chrono::steady_clock::now();
  const std::size_t batches = (order.size() + batch_size - 1) / batch_size;
  EpochResult result;
  result.batches_done = first_batch;
  double loss_sum = 0;
  for (std::size_t b = first_batch; b < batches; ++b) {
    const std::size_t begin = b * batch_size, end = std::min(order.size(), begin + batch_size);
    optimizer.zero_grad();
    const M loss = cross_entropy(model.logits(input_batch<M>(data, order, begin, end, normalisation)),
                                 label_batch(data, order, begin, end));
    const double value = loss.item();
    const std::string where = "batch " + std::to_string(b + 1) + " of " + std::to_string(batches);
    if (!std::isfinite(value)) {
      const std::string bad_parameter = first_non_finite(model, /*values=*/true);
      throw NonFiniteLoss("loss is " + std::to_string(value) + " at " + where +
                          (bad_parameter.empty() ? " (every parameter is finite)"
                                                 : " (first non-finite parameter: " + bad_parameter + ")"));
    }
    loss.backward();
    const std::string bad_gradient = first_non_finite(model, /*values=*/false);
    if (!bad_gradient.empty()) throw NonFiniteLoss("gradient of " + bad_gradient + " is not finite at " + where);
    optimizer.step();
    loss_sum += value * static_cast<double>(end - begin);
    result.samples += end - begin;
    result.batches_done = b + 1;
    if (after_batch && !after_batch(b + 1, batches)) {
      result.stopped = b + 1 < batches;
      break;
    }
  }
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  result.seconds = elapsed.count();
  result.mean_loss = result.samples > 0 ? loss_sum / static_cast<double>(result.samples) : 0.0;
  return result;
}

struct Evaluation {
  double accuracy = 0;
  double mean_loss = 0;
  std::array<std::array<std::size_t, 10>, 10> confusion{};  // [true digit][predicted digit]
  std::vector<std::uint8_t> predictions;                    // the predicted class of every sample
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
    loss_sum += cross_entropy(logits, label_batch(data, order, begin, end)).item() * static_cast<double>(end - begin);
    const std::vector<double> scores = values_of(logits);
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

}  // namespace nn
