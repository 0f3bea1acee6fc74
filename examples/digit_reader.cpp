#include "digit_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "io/input_error.hpp"
#include "nn/normalisation.hpp"

namespace mnist_tool {

DigitReader::DigitReader(const std::string& model_path)
    : normalisation_(), model_(io::load_model<tensor::Tensor<float>>(model_path, &normalisation_)) {
  const auto& sizes = model_.architecture().sizes;
  if (sizes.front() != vision::digit_side * vision::digit_side || sizes.back() != 10) {
    io::input_error(model_path, "the model maps " + std::to_string(sizes.front()) + " inputs to " +
                                    std::to_string(sizes.back()) + " classes, not 28x28 pixels to 10 digits");
  }
}

Reading DigitReader::read(const vision::GrayImage& picture, vision::Invert invert, bool as_is,
                          const std::string& name) const {
  Reading reading;
  reading.digit = as_is ? vision::digit_as_is(picture, invert, name) : vision::prepare_digit(picture, invert, name);
  const tensor::Tensor<float> x = inputs(reading.digit);
  std::lock_guard<std::mutex> lock(model_mutex_);
  const tensor::Tensor<float> logits = model_.logits(x);
  const tensor::Tensor<float> probabilities = softmax(logits);
  for (std::size_t c = 0; c < 10; ++c) {
    reading.logits[c] = logits.value(0, c);
    reading.probabilities[c] = probabilities.value(0, c);
    if (!std::isfinite(reading.probabilities[c])) {
      io::input_error(name, "the model's output is not a number for this picture (its weights overflow float32)");
    }
  }
  reading.best = static_cast<std::size_t>(std::max_element(reading.probabilities.begin(), reading.probabilities.end()) -
                                          reading.probabilities.begin());
  reading.doubt = vision::implausible_digit(reading.digit);
  if (reading.doubt.empty() && reading.probabilities[reading.best] < min_probability) {
    char text[96];
    std::snprintf(text, sizeof text, "unsure: the most likely digit has probability %.2f (under %.2f)",
                  static_cast<double>(reading.probabilities[reading.best]), static_cast<double>(min_probability));
    reading.doubt = text;
  }
  return reading;
}

tensor::Tensor<float> DigitReader::inputs(const vision::PreparedDigit& digit) const {
  return nn::pixels_to_inputs<tensor::Tensor<float>>(
      1, digit.pixels.size(), [&](std::size_t) { return digit.pixels.data(); }, normalisation_);
}

std::array<std::size_t, 10> DigitReader::ranking(const Reading& reading) {
  std::array<std::size_t, 10> order{};
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return reading.probabilities[a] > reading.probabilities[b]; });
  return order;
}

std::string terminal_picture(const Reading& reading) {
  static const char shades[] = " .:-=+*#%@";
  constexpr std::size_t bar_width = 30;
  constexpr std::size_t first_bar_row = (vision::digit_side - 10) / 2;
  std::string text;
  for (std::size_t y = 0; y < vision::digit_side; ++y) {
    text += "  |";
    for (std::size_t x = 0; x < vision::digit_side; ++x) {
      const char shade = shades[reading.digit.pixels[y * vision::digit_side + x] * 9 / 255];
      text += shade;
      text += shade;
    }
    text += '|';
    if (y >= first_bar_row && y < first_bar_row + 10) {
      const std::size_t digit = y - first_bar_row;
      const float p = std::isfinite(reading.probabilities[digit]) ? reading.probabilities[digit] : 0.0F;
      char value[32];
      std::snprintf(value, sizeof value, "   %zu %c %.4f", digit, digit == reading.best ? '*' : ' ',
                    static_cast<double>(p));
      text += value;
      const auto bar = static_cast<std::size_t>(std::lround(p * bar_width));
      if (bar > 0) text += ' ' + std::string(bar, '#');
    }
    text += '\n';
  }
  return text;
}

}  // namespace mnist_tool
