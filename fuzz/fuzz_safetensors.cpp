// Arbitrary bytes as a model file: the safetensors decoder, then the model checks that
// `mnist eval` applies. Bad input must end in io::InputError.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/input_error.hpp"
#include "io/model_file.hpp"
#include "io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const io::Safetensors file = io::decode_safetensors(std::vector<std::uint8_t>(data, data + size), "fuzz");
    const io::ModelHeader header = io::model_header(file, "fuzz");
    io::check_model_tensors(file, header, "fuzz");
  } catch (const io::InputError&) {
  }
  return 0;
}
