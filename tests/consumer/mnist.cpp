// backprop::mnist: a small data set in the standard IDX files, loaded and evaluated on.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "mnist/dataset.hpp"
#include "mnist/evaluation.hpp"

namespace {

// An IDX file of bytes: magic 0x0000 08 <dimensions>, each dimension big-endian, then the data.
void write_idx(const std::string& path, const std::vector<std::uint32_t>& dims, const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> bytes = {0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  for (std::uint32_t d : dims) {
    for (int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<std::uint8_t>(d >> shift));
  }
  bytes.insert(bytes.end(), data.begin(), data.end());
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

int main() {
  const std::string dir = "consumer_mnist";
  std::filesystem::create_directories(dir);
  std::vector<std::uint8_t> pixels(5 * 28 * 28);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(i * 7);
  write_idx(dir + "/t10k-images-idx3-ubyte", {5, 28, 28}, pixels);
  write_idx(dir + "/t10k-labels-idx1-ubyte", {5}, {7, 2, 1, 0, 4});
  const mnist::Dataset data = mnist::load_mnist(dir, mnist::Split::test);
  const nn::MLP<tensor::Tensor<float>> model(nn::Architecture::classifier(784, {8}, 10, nn::Activation::tanh), 1);
  const mnist::Evaluation result = mnist::evaluate(model, data, mnist::mnist_normalisation);
  std::printf("mnist: %zu digits, first label %d, accuracy %.2f, mean loss %.3f\n", data.count, data.labels[0],
              result.accuracy, result.mean_loss);
  std::filesystem::remove_all(dir);
  return data.count == 5 && data.labels[0] == 7 && result.predictions.size() == 5 && result.mean_loss > 0 ? 0 : 1;
}
