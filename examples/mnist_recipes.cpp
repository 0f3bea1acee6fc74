#include "mnist_recipes.hpp"

#include <stdexcept>

namespace mnist_tool {

const std::vector<Recipe>& recipes() {
  static const std::vector<Recipe> all = {
      {"default", "measured: 98.42 % in 7 s on 2 cores", {}},
      {"2min",
       "measured: 99.14 % in 31 s on 2 cores",
       {"--hidden", "800", "--dropout", "0.2", "--distort", "affine", "--epochs", "22", "--batch", "128"}},
      {"best",
       "measured: 99.34 % in 4.6 min on 2 cores",
       {"--hidden", "800", "--dropout", "0.2", "--distort", "elastic", "--epochs", "120", "--batch", "128"}},
  };
  return all;
}

std::vector<std::string> recipe_names() {
  std::vector<std::string> names;
  for (const Recipe& r : recipes()) names.push_back(r.name);
  return names;
}

const Recipe& recipe(const std::string& name) {
  for (const Recipe& r : recipes()) {
    if (r.name == name) return r;
  }
  throw std::invalid_argument("no recipe called '" + name + "'");
}

std::string recipes_help() {
  std::string text = "Recipes (--recipe NAME; flags given beside it replace the recipe's):\n";
  for (const Recipe& r : recipes()) {
    std::string flags;
    for (const std::string& word : r.flags) flags += " " + word;
    text += "  " + r.name + ":" + (flags.empty() ? " the defaults above" : flags) + " (" + r.measured + ")\n";
  }
  return text;
}

}  // namespace mnist_tool
