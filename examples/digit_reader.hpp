#pragma once
// A trained MNIST model reading digits from pictures: shared by `mnist predict` and `mnist serve`.

#include <array>
#include <cstddef>
#include <mutex>
#include <string>

#include "io/model_file.hpp"
#include "nn/mlp.hpp"
#include "tensor/tensor.hpp"
#include "vision/digit_preparation.hpp"
#include "vision/image.hpp"

namespace mnist_tool {

struct Reading {
  vision::PreparedDigit digit;            // what the model saw
  std::array<float, 10> logits{};         // the model's scores for digits 0-9, before softmax
  std::array<float, 10> probabilities{};  // softmax of the logits
  std::size_t best = 0;                   // the most likely digit
  std::string doubt;                      // why the picture does not look like a digit, or ""
};

class DigitReader {
 public:
  // Loads a model file; throws InputError unless the model maps 784 pixels to 10 digits.
  explicit DigitReader(const std::string& model_path);

  // The least probability of the most likely digit for a picture to count as a digit.
  static constexpr float min_probability = 0.5F;

  // Prepares `picture` like MNIST (or takes it as is: 28x28 only) and classifies it. Safe to
  // call from several threads at once. Sets Reading::doubt when the prepared digit looks like
  // none of MNIST's (vision::implausible_digit) or its most likely digit has a probability
  // under min_probability.
  Reading read(const vision::GrayImage& picture, vision::Invert invert, bool as_is, const std::string& name) const;

  // The model's (1 x 784) input for a prepared digit: nn::pixels_to_inputs with the model's
  // normalisation, exactly as training and evaluation make theirs.
  tensor::Tensor<float> inputs(const vision::PreparedDigit& digit) const;

  // The digits in decreasing order of probability.
  static std::array<std::size_t, 10> ranking(const Reading& reading);

 private:
  nn::Normalisation normalisation_;  // before model_: filled in while model_ is loaded
  nn::MLP<tensor::Tensor<float>> model_;
  mutable std::mutex model_mutex_;  // graphs built by concurrent calls share the parameters' nodes
};

// "   .:-=+*#%@"-shaded rows of the digit, two characters per pixel, with a bar chart of the
// probabilities beside its middle rows.
std::string terminal_picture(const Reading& reading);

}  // namespace mnist_tool
