#include "io/checkpoint.hpp"

#include <sstream>

#include "io/input_error.hpp"

namespace io {
namespace {

// "key=value;key=value" (keys and values hold neither ';' nor '=').
std::string join(const std::map<std::string, std::string>& entries) {
  std::string text;
  for (const auto& [key, value] : entries) text += (text.empty() ? "" : ";") + key + "=" + value;
  return text;
}

std::map<std::string, std::string> split(const std::string& text) {
  std::map<std::string, std::string> entries;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ';');) {
    const std::size_t equals = item.find('=');
    if (equals != std::string::npos) entries[item.substr(0, equals)] = item.substr(equals + 1);
  }
  return entries;
}

}  // namespace

void add_position(const TrainingPosition& position, std::map<std::string, std::string>& metadata) {
  metadata["checkpoint_epoch"] = std::to_string(position.epoch);
  metadata["checkpoint_next_batch"] = std::to_string(position.next_batch);
  metadata["checkpoint_rng_state"] = position.rng_state;
  metadata["checkpoint_recipe"] = join(position.recipe);
  metadata["checkpoint_metrics"] = position.metrics_csv;
}

TrainingPosition position_from(const Safetensors& file, const std::string& where) {
  for (const char* key : {"checkpoint_epoch", "checkpoint_next_batch", "checkpoint_rng_state", "checkpoint_recipe",
                          "checkpoint_optimizer_steps"}) {
    if (file.metadata.count(key) == 0) input_error(where, std::string("not a training checkpoint (no ") + key + ")");
  }
  TrainingPosition position;
  try {
    position.epoch = std::stoi(file.metadata.at("checkpoint_epoch"));
    position.next_batch = std::stoul(file.metadata.at("checkpoint_next_batch"));
    std::stol(file.metadata.at("checkpoint_optimizer_steps"));
  } catch (const std::exception&) {
    input_error(where, "checkpoint position fields are not numbers");
  }
  if (position.epoch < 1) input_error(where, "checkpoint epoch must be at least 1");
  position.rng_state = file.metadata.at("checkpoint_rng_state");
  nn::Rng probe(0);
  try {
    probe.restore(position.rng_state);
  } catch (const std::invalid_argument&) {
    input_error(where, "checkpoint_rng_state is not a generator state");
  }
  position.recipe = split(file.metadata.at("checkpoint_recipe"));
  if (file.metadata.count("checkpoint_metrics") != 0) position.metrics_csv = file.metadata.at("checkpoint_metrics");
  return position;
}

}  // namespace io
