#pragma once
// Initial weights, drawn from the project's seeded generator in a fixed order, so that the same
// seed gives the same network on every engine (exactly in double; rounded once in float).

#include <cstddef>
#include <vector>

#include "nn/activation.hpp"
#include "nn/random.hpp"

namespace nn {

enum class Init {
  glorot_uniform,  // U(-a, a), a = sqrt(6 / (fan_in + fan_out)): keeps tanh and sigmoid layers' variance
  he_uniform,      // U(-a, a), a = sqrt(6 / fan_in): the same for relu, which zeroes half its inputs
};

// Glorot for tanh, sigmoid, identity and softmax layers; He for relu.
Init default_init(Activation activation);

// fan_in x fan_out weights, row-major, drawn in that order from `rng`.
std::vector<double> initial_weights(std::size_t fan_in, std::size_t fan_out, Init init, Rng& rng);

}  // namespace nn
