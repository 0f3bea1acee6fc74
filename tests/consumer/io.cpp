// backprop::io: a model saved to a file and loaded back, every weight the same.

#include <cstdio>
#include <string>

#include "io/model_file.hpp"

int main() {
  using M = tensor::Tensor<float>;
  const nn::MLP<M> model(nn::Architecture::classifier(4, {3}, 2, nn::Activation::relu), 9);
  const std::string path = "consumer_model.safetensors";
  io::save_model(path, model, {0.5, 2.0});
  nn::Normalisation normalisation;
  const nn::MLP<M> loaded = io::load_model<M>(path, &normalisation);
  bool same = normalisation.mean == 0.5 && normalisation.std == 2.0;
  for (std::size_t k = 0; k < 4; ++k) {
    same = same && nn::values_of(loaded.parameters()[k]) == nn::values_of(model.parameters()[k]);
  }
  std::printf("io: %s round trip %s\n", path.c_str(), same ? "exact" : "DIFFERS");
  std::remove(path.c_str());
  return same ? 0 : 1;
}
