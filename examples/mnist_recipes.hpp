#pragma once
// Named training recipes for `mnist train --recipe NAME`: each is the command line it stands
// for, so `--help` shows exactly what it sets, and any flag given beside it wins.

#include <string>
#include <vector>

namespace mnist_tool {

struct Recipe {
  std::string name;
  std::string measured;            // accuracy and time, as docs/mnist.md reports them
  std::vector<std::string> flags;  // "--hidden", "800", "--distort", "affine", ...
};

const std::vector<Recipe>& recipes();
std::vector<std::string> recipe_names();
// The recipe called `name` (one of recipe_names()).
const Recipe& recipe(const std::string& name);
// Every recipe with its flags, for --help.
std::string recipes_help();

}  // namespace mnist_tool
