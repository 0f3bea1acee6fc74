#include "data_location.hpp"

#include <cstdlib>
#include <vector>

#include "io/input_error.hpp"
#include "mnist/dataset.hpp"

namespace mnist_tool {
namespace {

bool holds_mnist(const std::string& dir) {
  for (const mnist::Split split : {mnist::Split::train, mnist::Split::test}) {
    for (const char* kind : {"images", "labels"}) {
      if (mnist::find_mnist_file(dir, split, kind).empty()) return false;
    }
  }
  return true;
}

}  // namespace

std::string mnist_data_dir(const std::string& given) {
  if (!given.empty()) return given;
  std::vector<std::string> tried;
  if (const char* from_environment = std::getenv("BACKPROP_DATA")) {
    tried.emplace_back(from_environment);
    tried.push_back(std::string(from_environment) + "/mnist");
  }
  tried.emplace_back("data/mnist");
  tried.emplace_back(BACKPROP_CHECKOUT_MNIST_DIR);  // set by examples/CMakeLists.txt
  std::string list;
  for (const std::string& dir : tried) {
    if (holds_mnist(dir)) return dir;
    list += (list.empty() ? "" : ", ") + dir;
  }
  io::input_error("MNIST", "the four MNIST files are in none of " + list +
                               "; run scripts/fetch-mnist, pass --data DIR, or set BACKPROP_DATA=DIR");
}

}  // namespace mnist_tool
