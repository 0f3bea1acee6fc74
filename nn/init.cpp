#include "nn/init.hpp"

#include <cmath>

namespace nn {

Init default_init(Activation activation) {
  return activation == Activation::relu ? Init::he_uniform : Init::glorot_uniform;
}

std::vector<double> initial_weights(std::size_t fan_in, std::size_t fan_out, Init init, Rng& rng) {
  const double limit = init == Init::he_uniform ? std::sqrt(6.0 / static_cast<double>(fan_in))
                                                : std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  std::vector<double> weights(fan_in * fan_out);
  for (double& w : weights) w = rng.uniform(-limit, limit);
  return weights;
}

}  // namespace nn
