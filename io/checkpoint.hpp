#pragma once
// Training checkpoints: a model file (so `mnist eval` reads it like any model) plus the
// optimizer's state as tensors optimizer.<parameter>.<slot> and, in the metadata, where training
// stands -- epoch, next batch, the shuffling generator's state, the recipe -- so a resumed run
// continues exactly where the saved one was and ends with the same weights.

#include <map>
#include <string>
#include <type_traits>

#include "io/input_error.hpp"
#include "io/model_file.hpp"
#include "nn/optimizer.hpp"

namespace io {

// The largest epoch and optimizer step count a checkpoint may name (far beyond any real run,
// and far from overflowing the types that count them).
constexpr long long max_checkpoint_epochs = 1'000'000;
constexpr long long max_checkpoint_steps = 1'000'000'000'000;

struct TrainingPosition {
  int epoch = 1;                              // the epoch to continue, from 1
  std::size_t next_batch = 0;                 // its first batch not yet trained
  std::string rng_state;                      // the shuffling generator at that epoch's start
  std::map<std::string, std::string> recipe;  // options a resumed run must match
  std::string metrics_csv;                    // rows of the epochs finished so far
  long long optimizer_steps = 0;              // steps the optimizer had taken (read from a checkpoint)
};

// The metadata entries for `position` (prefix "checkpoint_"), and back. position_from throws
// InputError naming `where` and the field when the file is not a checkpoint, or a field is not
// a whole number (all of it) within the bounds above.
void add_position(const TrainingPosition& position, std::map<std::string, std::string>& metadata);
TrainingPosition position_from(const Safetensors& file, const std::string& where);

template <class M>
void save_checkpoint(const std::string& path, const nn::MLP<M>& model, const nn::Normalisation& normalisation,
                     const nn::Optimizer<M>& optimizer, const TrainingPosition& position) {
  using Scalar = typename nn::Engine<M>::Scalar;
  Safetensors file;
  file.metadata = model_metadata({model.architecture(), normalisation});
  const typename nn::Optimizer<M>::State state = optimizer.state();
  add_position(position, file.metadata);
  file.metadata["checkpoint_optimizer_steps"] = std::to_string(state.steps);
  add_parameters(model, file);
  const std::vector<M> params = model.parameters();
  const std::vector<std::string> names = model.parameter_names();
  for (std::size_t k = 0; k < params.size(); ++k) {
    for (const auto& [slot, values] : state.slots[k]) {
      file.tensors.push_back(
          {"optimizer." + names[k] + "." + slot, dtype_of<Scalar>(), {params[k].rows(), params[k].cols()}, values});
    }
  }
  write_safetensors(path, file);
}

// Loads a checkpoint into `model` (built with the same architecture) and `optimizer` (of the
// same kind, over model.parameters()), writing into their existing parameters and state.
// Throws InputError naming the file and the mismatch.
template <class M>
TrainingPosition load_checkpoint(const std::string& path, nn::MLP<M>& model, nn::Optimizer<M>& optimizer,
                                 nn::Normalisation* normalisation = nullptr) {
  const Safetensors file = read_safetensors(path);
  const ModelHeader header = model_header(file, path);
  check_model_tensors(file, header, path);
  if (header.architecture.sizes != model.architecture().sizes ||
      header.architecture.activations != model.architecture().activations) {
    input_error(path, "holds a " + header.architecture.sizes_text() + " " + header.architecture.activations_text() +
                          " network, not the " + model.architecture().sizes_text() + " " +
                          model.architecture().activations_text() + " being trained");
  }
  TrainingPosition position = position_from(file, path);
  const std::vector<std::string> names = model.parameter_names();
  typename nn::Optimizer<M>::State state;
  state.slots.resize(names.size());
  for (const StoredTensor& t : file.tensors) {
    for (std::size_t k = 0; k < names.size(); ++k) {
      const std::string prefix = "optimizer." + names[k] + ".";
      if (t.name.compare(0, prefix.size(), prefix) == 0)
        state.slots[k].emplace_back(t.name.substr(prefix.size()), t.values);
    }
  }
  state.steps = static_cast<long>(position.optimizer_steps);
  try {
    optimizer.restore(state);
  } catch (const std::invalid_argument& error) {
    input_error(path, std::string("optimizer state does not fit: ") + error.what());
  }
  load_parameters(file, path, model);
  if (normalisation != nullptr) *normalisation = header.normalisation;
  return position;
}

}  // namespace io
