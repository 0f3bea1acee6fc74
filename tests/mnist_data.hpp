#pragma once
// Where the tests find the real MNIST files (scripts/test fetches them first).

#include <cstdlib>
#include <string>

namespace testing {

inline std::string mnist_dir() {
  const char* from_environment = std::getenv("BACKPROP_MNIST_DIR");
  return from_environment != nullptr ? from_environment : BACKPROP_DEFAULT_MNIST_DIR;
}

}  // namespace testing
