#pragma once
// How pixels (bytes, levels 0-255) become a model's inputs. One function does it for training,
// evaluation, reading a picture (predict, serve) and the gradient check, so a digit reaches the
// network the same way, to the last bit, whichever path it takes.

#include <array>
#include <cstddef>
#include <cstdint>

#include "nn/engine.hpp"
#include "tensor/array_loops.hpp"

namespace nn {

// How a model's inputs are shifted and scaled: a pixel level x in 0-255 becomes
// (x / 255 - mean) / std. Stored in model files as input_mean / input_std.
struct Normalisation {
  double mean = 0.0;
  double std = 1.0;
};

// The model input of each of the 256 pixel levels, in the engine's number type.
template <class Scalar>
std::array<Scalar, 256> normalised_levels(const Normalisation& normalisation) {
  const double scale = 1.0 / normalisation.std;
  std::array<Scalar, 256> levels{};
  for (std::size_t level = 0; level < 256; ++level) {
    levels[level] = static_cast<Scalar>((static_cast<float>(level) / 255.0f - normalisation.mean) * scale);
  }
  return levels;
}

// A (rows x features) model input from pixel bytes, row i's levels starting at row_bytes(i);
// a constant (no gradient). Each level is looked up in the table above.
template <class M, class RowBytes>
M pixels_to_inputs(std::size_t rows, std::size_t features, const RowBytes& row_bytes,
                   const Normalisation& normalisation) {
  using Scalar = typename Engine<M>::Scalar;
  const std::array<Scalar, 256> levels = normalised_levels<Scalar>(normalisation);
  M inputs = Engine<M>::build_rows(rows, features, [&](std::size_t i, Scalar* row) {
    const std::uint8_t* pixels = row_bytes(i);
    if (i + 1 < rows) {  // rows of a shuffled batch lie anywhere in the data set: ask for the next early
      const std::uint8_t* next = row_bytes(i + 1);
      for (std::size_t j = 0; j < features; j += 64) __builtin_prefetch(next + j);
    }
    tensor::look_up_bytes(pixels, levels.data(), row, features);
  });
  inputs.set_requires_grad(false);
  return inputs;
}

}  // namespace nn
