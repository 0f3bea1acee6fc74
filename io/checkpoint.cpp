#include "io/checkpoint.hpp"

#include <charconv>
#include <sstream>
#include <system_error>

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

// The whole of `text` as a number from `low` to `high`, or an InputError naming the field.
long long whole_number(const Safetensors& file, const char* key, long long low, long long high,
                       const std::string& where) {
  const std::string& text = file.metadata.at(key);
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    input_error(where, std::string(key) + " is '" + text + "', not a whole number");
  }
  if (value < low || value > high) {
    input_error(where,
                std::string(key) + " is " + text + ", outside " + std::to_string(low) + " to " + std::to_string(high));
  }
  return value;
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
  // Bounds that no real run reaches; the caller checks the position against its recipe and data.
  TrainingPosition position;
  position.epoch = static_cast<int>(whole_number(file, "checkpoint_epoch", 1, max_checkpoint_epochs, where));
  position.next_batch =
      static_cast<std::size_t>(whole_number(file, "checkpoint_next_batch", 0, max_checkpoint_steps, where));
  position.optimizer_steps = whole_number(file, "checkpoint_optimizer_steps", 0, max_checkpoint_steps, where);
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
