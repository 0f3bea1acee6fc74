// Arbitrary bytes as a model file: the safetensors decoder, then the model checks that
// `mnist eval` applies. Bad input must end in nn::InputError.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/input_error.hpp"
#include "nn/model_file.hpp"
#include "nn/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const nn::Safetensors file = nn::decode_safetensors(std::vector<std::uint8_t>(data, data + size), "fuzz");
    const nn::ModelHeader header = nn::model_header(file, "fuzz");
    nn::check_model_tensors(file, header, "fuzz");
  } catch (const nn::InputError&) {
  }
  return 0;
}
