#include "layer_examples.hpp"

#include <cmath>

namespace lecture {

SingleLayerData single_layer_data() {
  return {{1.0, 2.0, 3.0, 2.5, 0.0,   //
           2.0, 5.0, -1.0, 2.0, 0.5,  //
           -1.5, 2.7, 3.3, -0.8, -1.2},
          {0, 1, 0}};
}

ThreeLayerData three_layer_data(std::uint64_t seed, std::size_t count) {
  nn::Rng rng(seed);
  ThreeLayerData data{count, {}, {}};
  for (std::size_t i = 0; i < count; ++i) {
    const double x1 = rng.uniform(-1, 1), x2 = rng.uniform(-1, 1);
    data.x.push_back(x1);
    data.x.push_back(x2);
    data.y.push_back(std::sin(2 * x1) * x2);
  }
  return data;
}

nn::Architecture three_layer_architecture() { return {{2, 5, 1}, {nn::Activation::tanh, nn::Activation::identity}}; }

}  // namespace lecture
