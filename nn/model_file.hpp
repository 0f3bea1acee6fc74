#pragma once
// An MLP in a safetensors file: tensors layers.K.weight (inputs x neurons, as in the lecture --
// the transpose of PyTorch's Linear) and layers.K.bias (1 x neurons), and the architecture in
// __metadata__, so a file alone rebuilds the model on any engine:
//   {"format": "backprop.mlp", "sizes": "784,128,10", "activations": "tanh,softmax",
//    "input_mean": "0.1307", "input_std": "0.3081"}
// input_mean / input_std: the model reads pixels scaled to [0, 1] as (x - mean) / std.

#include <string>
#include <type_traits>

#include "nn/mlp.hpp"
#include "nn/safetensors.hpp"

namespace nn {

// How a model's inputs are shifted and scaled before the first layer.
struct Normalisation {
  double mean = 0.0;
  double std = 1.0;
};

// MNIST's own pixel statistics (training set, pixels scaled to [0, 1]).
inline constexpr Normalisation mnist_normalisation{0.1307, 0.3081};

// What a model file describes besides its weights.
struct ModelHeader {
  Architecture architecture;
  Normalisation normalisation;
};

// The metadata for `header`, and back. model_header throws InputError naming `where` and the
// field that is missing or malformed.
std::map<std::string, std::string> model_metadata(const ModelHeader& header);
ModelHeader model_header(const Safetensors& file, const std::string& where);

// Checks that `file` has exactly the tensors `header` needs, with the right shapes and finite
// values; throws InputError naming `where`, the tensor and the problem.
void check_model_tensors(const Safetensors& file, const ModelHeader& header, const std::string& where);

template <class M>
void save_model(const std::string& path, const MLP<M>& model, const Normalisation& normalisation) {
  using Scalar = typename Engine<M>::Scalar;
  Safetensors file;
  file.metadata = model_metadata({model.architecture(), normalisation});
  const std::vector<M> params = model.parameters();
  const std::vector<std::string> names = model.parameter_names();
  for (std::size_t k = 0; k < params.size(); ++k) {
    file.tensors.push_back({names[k],
                            std::is_same<Scalar, float>::value ? "F32" : "F64",
                            {params[k].rows(), params[k].cols()},
                            Engine<M>::values(params[k])});
  }
  write_safetensors(path, file);
}

// Rebuilds a model from a file written by save_model (any dtype, any engine).
template <class M>
MLP<M> load_model(const std::string& path, Normalisation* normalisation = nullptr) {
  const Safetensors file = read_safetensors(path);
  const ModelHeader header = model_header(file, path);
  check_model_tensors(file, header, path);
  MLP<M> model(header.architecture, /*seed=*/0);
  for (std::size_t k = 0; k < model.layers().size(); ++k) {
    Dense<M>& layer = model.layers()[k];
    const StoredTensor* weight = file.find("layers." + std::to_string(k) + ".weight");
    const StoredTensor* bias = file.find("layers." + std::to_string(k) + ".bias");
    layer.weight = Engine<M>::make(layer.weight.rows(), layer.weight.cols(), weight->values);
    layer.bias = Engine<M>::make(1, layer.bias.cols(), bias->values);
  }
  if (normalisation != nullptr) *normalisation = header.normalisation;
  return model;
}

}  // namespace nn
