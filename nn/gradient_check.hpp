#pragma once
// Checking gradients three ways: one network built on the scalar engine and on the tensor
// engine from the same seed, the same batch through both, the same loss back-propagated; each
// parameter's gradients compared between the engines and against central finite differences.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/mlp.hpp"

namespace nn {

enum class CheckLoss { cross_entropy, mse };

struct GradientCheckOptions {
  Architecture architecture;
  CheckLoss loss = CheckLoss::cross_entropy;
  std::size_t batch = 4;
  std::uint64_t seed = 1;
  bool tensor_in_float = false;         // the tensor side in float32 instead of float64
  double tolerance = 0;                 // 0: the default for the dtype (default_tolerance)
  std::size_t difference_samples = 16;  // entries per parameter checked by finite differences
  // The batch: its inputs (batch x inputs, row-major) and classes, e.g. images through
  // nn::pixels_to_inputs; when empty, seeded uniform inputs in [0, 1) and seeded classes.
  std::vector<double> inputs;
  std::vector<std::int32_t> labels;
  // For testing the checker itself: after backward, add 1 to the first entry of this
  // parameter's tensor-engine gradient, so that the check must fail and name it.
  std::string corrupt_gradient_of;
};

// 1e-6 in double (the accuracy of the finite differences), 2e-3 in float.
double default_tolerance(bool tensor_in_float);

struct Difference {
  double largest_absolute = 0;
  double largest_relative = 0;  // |a - b| / max(|a|, |b|, scale), see gradient_check.cpp
  bool within(double tolerance) const { return largest_relative <= tolerance; }
};

struct ParameterCheck {
  std::string name;  // layers.K.weight / layers.K.bias
  std::size_t rows = 0, cols = 0;
  Difference scalar_vs_tensor;                              // every entry
  Difference scalar_vs_differences, tensor_vs_differences;  // `checked_entries` entries
  std::size_t checked_entries = 0;
  bool ok = false;
};

struct GradientCheckReport {
  double scalar_loss = 0, tensor_loss = 0;
  double tolerance = 0;
  std::vector<ParameterCheck> parameters;
  bool ok = false;
};

// Runs the check. Throws std::invalid_argument for options that make no sense.
GradientCheckReport check_gradients(const GradientCheckOptions& options);

}  // namespace nn
