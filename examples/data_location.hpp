#pragma once
// Where the tools find MNIST when --data is not given.

#include <string>

namespace mnist_tool {

// The MNIST folder to read: `given` when the user passed --data; else the first of
// $BACKPROP_DATA (the folder itself, or its mnist/), ./data/mnist and the data/mnist of the
// checkout the tools were built from (where scripts/fetch-mnist puts the files) that holds
// the four files. Throws io::InputError naming every folder tried and how to get the files.
std::string mnist_data_dir(const std::string& given);

}  // namespace mnist_tool
