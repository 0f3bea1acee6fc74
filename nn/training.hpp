#pragma once
// The training loop of a classifier, the same code on every engine and for any data: the
// caller hands it batches. (MNIST's batches and its 10-class report: mnist/batches.hpp,
// mnist/evaluation.hpp.)

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"

namespace nn {

// A batch of samples: the model's inputs, one row each (a constant), and each row's class.
// dropout_seed seeds the batch's dropout masks, if the model has dropout. The caller sets it
// for each batch, from the run's seed and the batch's place (nn::dropout_seed), so a resumed
// run draws the same masks; left at 0, every batch would draw the same ones.
template <class M>
struct LabelledBatch {
  M inputs;
  std::vector<std::int32_t> labels;
  std::uint64_t dropout_seed = 0;
};

// Training stopped by a loss that is NaN or infinite, or by a parameter an update made so.
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

// The name of the first parameter holding a NaN or an infinity, or "".
template <class M>
std::string first_non_finite(const MLP<M>& model) {
  const std::vector<M> params = model.parameters();
  const std::vector<std::string> names = model.parameter_names();
  for (std::size_t k = 0; k < params.size(); ++k) {
    if (!Engine<M>::values_are_finite(params[k])) return names[k];
  }
  return "";
}

// Turns an optimizer's update_in_backward on for a scope, and back as it was at the scope's end.
template <class M>
class UpdateInBackward {
 public:
  explicit UpdateInBackward(Optimizer<M>& optimizer) : optimizer_(optimizer), was_(optimizer.update_in_backward()) {
    optimizer_.set_update_in_backward(true);
  }
  ~UpdateInBackward() { optimizer_.set_update_in_backward(was_); }
  UpdateInBackward(const UpdateInBackward&) = delete;
  UpdateInBackward& operator=(const UpdateInBackward&) = delete;

 private:
  Optimizer<M>& optimizer_;
  bool was_;
};

// Trains on batches first_batch, first_batch + 1, ... of an epoch of `samples` samples (batches
// of batch_size, the last one smaller): zero_grad, forward, cross-entropy, backward, step.
// make_batch(begin, end) gives the LabelledBatch of the epoch's samples begin to end - 1 (in
// the epoch's order, which is the caller's). After each batch, after_batch(batches done in the
// epoch, batches in the epoch) may return false to stop there; it may change the optimizer's
// learning_rate (a schedule) but finds no gradient kept for weights whose step was folded.
//
// It reads no gradient, so the optimizer may apply its update inside backward()
// (Optimizer::set_update_in_backward), and finiteness is checked where it costs no pass of its
// own: on the loss, before backward(), and on the parameters within the update. Throws
// NonFiniteLoss naming the batch: for a loss, before that batch's update (and the first
// parameter that was not finite already, if any); for a parameter made non-finite by the
// update (a NaN or infinite gradient, or a step that overflowed), after it, naming the first
// such parameter -- the model in memory has then taken the step, and whatever the caller saved
// before is what to go back to.
template <class M, class MakeBatch>
EpochResult train_batches(const MLP<M>& model, Optimizer<M>& optimizer, std::size_t samples, std::size_t batch_size,
                          std::size_t first_batch, const MakeBatch& make_batch,
                          const std::function<bool(std::size_t, std::size_t)>& after_batch = {}) {
  const UpdateInBackward<M> update_in_backward(optimizer);
  const auto start = std::chrono::steady_clock::now();
  const std::size_t batches = (samples + batch_size - 1) / batch_size;
  EpochResult result;
  result.batches_done = first_batch;
  double loss_sum = 0;
  for (std::size_t b = first_batch; b < batches; ++b) {
    const std::size_t begin = b * batch_size, end = std::min(samples, begin + batch_size);
    optimizer.zero_grad();
    const LabelledBatch<M> batch = make_batch(begin, end);
    Rng dropout_rng(batch.dropout_seed);
    const M loss = cross_entropy(model.training_logits(batch.inputs, dropout_rng), batch.labels);
    const double value = loss.item();
    const auto where = [&] { return "batch " + std::to_string(b + 1) + " of " + std::to_string(batches); };
    if (!std::isfinite(value)) {
      const std::string bad_parameter = first_non_finite(model);
      throw NonFiniteLoss("loss is " + std::to_string(value) + " at " + where() +
                          (bad_parameter.empty() ? " (every parameter is finite)"
                                                 : " (first non-finite parameter: " + bad_parameter + ")"));
    }
    loss.backward();
    if (!optimizer.step()) {
      const std::string bad_parameter = first_non_finite(model);
      throw NonFiniteLoss((bad_parameter.empty() ? "a parameter" : bad_parameter) +
                          " is not finite after the update at " + where() +
                          " (a gradient that was not finite, or a step that overflowed)");
    }
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

}  // namespace nn
