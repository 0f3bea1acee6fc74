#pragma once
// An MLP in a safetensors file: tensors layers.K.weight (inputs x neurons, as in the lecture --
// the transpose of PyTorch's Linear) and layers.K.bias (1 x neurons), and the architecture in
// __metadata__, so a file alone rebuilds the model on any engine:
//   {"format": "backprop.mlp", "sizes": "784,128,10", "activations": "tanh,softmax",
//    "input_mean": "0.1307", "input_std": "0.3081"}
// input_mean / input_std: the model reads pixels scaled to [0, 1] as (x - mean) / std.

#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

#include "io/input_error.hpp"
#include "io/safetensors.hpp"
#include "nn/mlp.hpp"
#include "nn/normalisation.hpp"

namespace io {

// The bounds a model file's input normalisation must keep (MNIST's: mean 0.1307, std 0.3081).
constexpr double max_input_mean = 1e4;
constexpr double min_input_std = 1e-4;
constexpr double max_input_std = 1e4;

// What a model file describes besides its weights.
struct ModelHeader {
  nn::Architecture architecture;
  nn::Normalisation normalisation;
};

// The metadata for `header`, and back. model_header throws InputError naming `where` and the
// field that is missing or malformed.
std::map<std::string, std::string> model_metadata(const ModelHeader& header);
ModelHeader model_header(const Safetensors& file, const std::string& where);

// Checks that `file` has exactly the tensors `header` needs, with the right shapes and finite
// values; throws InputError naming `where`, the tensor and the problem.
void check_model_tensors(const Safetensors& file, const ModelHeader& header, const std::string& where);

// The safetensors dtype of an engine's number type: "F32" or "F64".
template <class Scalar>
const char* dtype_of() {
  return std::is_same<Scalar, float>::value ? "F32" : "F64";
}

// The model's parameters as tensors layers.K.weight and layers.K.bias, in its engine's dtype.
// Model files and checkpoints both store the parameters through this.
template <class M>
void add_parameters(const nn::MLP<M>& model, Safetensors& file) {
  using Scalar = typename nn::Engine<M>::Scalar;
  const std::vector<M> params = model.parameters();
  const std::vector<std::string> names = model.parameter_names();
  for (std::size_t k = 0; k < params.size(); ++k) {
    file.tensors.push_back(
        {names[k], dtype_of<Scalar>(), {params[k].rows(), params[k].cols()}, nn::values_of(params[k])});
  }
}

// Writes the file's layers.K.weight / layers.K.bias into the model's existing parameters, so
// that anything holding them (an optimizer) goes on working with the loaded values. The file
// must have passed check_model_tensors for the model's architecture. Throws InputError naming
// `where` and the tensor if a value does not fit the engine's number type (1e39 in float).
template <class M>
void load_parameters(const Safetensors& file, const std::string& where, nn::MLP<M>& model) {
  using Scalar = typename nn::Engine<M>::Scalar;
  const std::vector<M> params = model.parameters();
  const std::vector<std::string> names = model.parameter_names();
  std::vector<const StoredTensor*> stored(params.size());
  for (std::size_t k = 0; k < params.size(); ++k) {  // every check first: a refused file changes nothing
    stored[k] = file.find(names[k]);
    if (stored[k] == nullptr || stored[k]->values.size() != params[k].size()) {
      input_error(where, "no tensor '" + names[k] + "' of shape " + params[k].shape_string());
    }
    for (double v : stored[k]->values) {
      if (!std::isfinite(static_cast<Scalar>(v))) {
        std::ostringstream value;
        value << v;
        input_error(where, "tensor '" + names[k] + "' holds " + value.str() + ", which is not a finite " +
                               (std::is_same<Scalar, float>::value ? "float32" : "float64"));
      }
    }
  }
  for (std::size_t k = 0; k < params.size(); ++k) {
    const std::vector<double>& values = stored[k]->values;
    nn::Engine<M>::update(params[k], [&](std::size_t i, Scalar& p, Scalar) { p = static_cast<Scalar>(values[i]); });
  }
}

template <class M>
void save_model(const std::string& path, const nn::MLP<M>& model, const nn::Normalisation& normalisation) {
  Safetensors file;
  file.metadata = model_metadata({model.architecture(), normalisation});
  add_parameters(model, file);
  write_safetensors(path, file);
}

// Rebuilds a model from a file written by save_model (any dtype, any engine).
template <class M>
nn::MLP<M> load_model(const std::string& path, nn::Normalisation* normalisation = nullptr) {
  const Safetensors file = read_safetensors(path);
  const ModelHeader header = model_header(file, path);
  check_model_tensors(file, header, path);
  nn::MLP<M> model(header.architecture, /*seed=*/0);
  load_parameters(file, path, model);
  if (normalisation != nullptr) *normalisation = header.normalisation;
  return model;
}

}  // namespace io
