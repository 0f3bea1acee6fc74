#include "io/model_file.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "io/input_error.hpp"

namespace io {
namespace {

constexpr const char* model_format = "backprop.mlp";

std::string number_text(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", x);
  return buffer;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, ',');) parts.push_back(part);
  return parts;
}

const std::string& field(const Safetensors& file, const std::string& key, const std::string& where) {
  const auto it = file.metadata.find(key);
  if (it == file.metadata.end()) input_error(where, "metadata has no '" + key + "' field");
  return it->second;
}

double parse_number(const std::string& text, const std::string& key, const std::string& where) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !std::isfinite(value)) {
    input_error(where, "metadata field '" + key + "' is not a finite number: '" + text + "'");
  }
  return value;
}

}  // namespace

std::map<std::string, std::string> model_metadata(const ModelHeader& header) {
  return {{"format", model_format},
          {"sizes", header.architecture.sizes_text()},
          {"activations", header.architecture.activations_text()},
          {"input_mean", number_text(header.normalisation.mean)},
          {"input_std", number_text(header.normalisation.std)}};
}

ModelHeader model_header(const Safetensors& file, const std::string& where) {
  const std::string& format = field(file, "format", where);
  if (format != model_format)
    input_error(where, "metadata format is '" + format + "', expected '" + model_format + "'");
  ModelHeader header;
  for (const std::string& size : split_commas(field(file, "sizes", where))) {
    std::size_t used = 0;
    unsigned long value = 0;
    try {
      value = std::stoul(size, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != size.size() || value == 0 || value > 1'000'000) {
      input_error(where, "metadata field 'sizes' has '" + size + "', not a layer size from 1 to 1000000");
    }
    header.architecture.sizes.push_back(value);
  }
  try {
    for (const std::string& name : split_commas(field(file, "activations", where))) {
      header.architecture.activations.push_back(nn::parse_activation(name));
    }
    header.architecture.validate();
  } catch (const std::invalid_argument& error) {
    input_error(where, std::string("metadata describes no valid network: ") + error.what());
  }
  // Pixels scaled to [0, 1] are shifted by the mean and divided by the std: values far outside
  // these bounds would only turn every input into an overflow.
  if (file.metadata.count("input_mean") != 0) {
    header.normalisation.mean = parse_number(file.metadata.at("input_mean"), "input_mean", where);
    if (std::abs(header.normalisation.mean) > max_input_mean) {
      input_error(where, "metadata field 'input_mean' is " + file.metadata.at("input_mean") + ", outside -" +
                             number_text(max_input_mean) + " to " + number_text(max_input_mean));
    }
  }
  if (file.metadata.count("input_std") != 0) {
    header.normalisation.std = parse_number(file.metadata.at("input_std"), "input_std", where);
    if (!(header.normalisation.std >= min_input_std && header.normalisation.std <= max_input_std)) {
      input_error(where, "metadata field 'input_std' is " + file.metadata.at("input_std") + ", outside " +
                             number_text(min_input_std) + " to " + number_text(max_input_std));
    }
  }
  return header;
}

void check_model_tensors(const Safetensors& file, const ModelHeader& header, const std::string& where) {
  const nn::Architecture& a = header.architecture;
  std::size_t expected_count = 0;
  for (std::size_t k = 0; k + 1 < a.sizes.size(); ++k) {
    const std::string layer = "layers." + std::to_string(k);
    const std::vector<std::pair<std::string, std::vector<std::size_t>>> wanted = {
        {layer + ".weight", {a.sizes[k], a.sizes[k + 1]}}, {layer + ".bias", {1, a.sizes[k + 1]}}};
    for (const auto& [name, shape] : wanted) {
      const StoredTensor* t = file.find(name);
      if (t == nullptr) input_error(where, "no tensor '" + name + "' for the network " + a.sizes_text());
      if (t->shape != shape) {
        auto text = [](const std::vector<std::size_t>& s) {
          std::string out;
          for (std::size_t d : s) out += (out.empty() ? "" : "x") + std::to_string(d);
          return "(" + out + ")";
        };
        input_error(where, "tensor '" + name + "' has shape " + text(t->shape) + ", the network " + a.sizes_text() +
                               " needs " + text(shape));
      }
      for (double v : t->values) {
        if (!std::isfinite(v)) input_error(where, "tensor '" + name + "' holds a non-finite value");
      }
      ++expected_count;
    }
  }
  // Beyond the network's own tensors a file may hold a checkpoint's optimizer.* state, nothing else.
  std::size_t model_tensors = 0;
  for (const StoredTensor& t : file.tensors) {
    if (t.name.compare(0, 10, "optimizer.") != 0) ++model_tensors;
  }
  if (model_tensors != expected_count) {
    input_error(where, std::to_string(model_tensors) + " tensors, but the network " + a.sizes_text() + " has " +
                           std::to_string(expected_count));
  }
}

}  // namespace io
