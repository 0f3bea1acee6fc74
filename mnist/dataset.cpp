#include "mnist/dataset.hpp"

#include <sys/stat.h>

#include "io/idx.hpp"
#include "io/input_error.hpp"

namespace mnist {
namespace {

bool is_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

}  // namespace

std::string find_mnist_file(const std::string& dir, Split split, const std::string& kind) {
  const std::string prefix = split == Split::train ? "train" : "t10k";
  const std::string idx = kind == "images" ? "idx3" : "idx1";
  for (const std::string& stem :
       {prefix + "-" + kind + "-" + idx + "-ubyte", prefix + "-" + kind + "." + idx + "-ubyte"}) {
    for (const char* suffix : {"", ".gz"}) {
      std::string path = dir + "/" + stem + suffix;
      if (is_file(path)) return path;
    }
  }
  return "";
}

Dataset load_mnist(const std::string& dir, Split split, std::size_t limit) {
  const std::string split_name = split == Split::train ? "train" : "t10k";
  const std::string images_path = find_mnist_file(dir, split, "images");
  const std::string labels_path = find_mnist_file(dir, split, "labels");
  if (images_path.empty() || labels_path.empty()) {
    io::input_error(dir, "no MNIST " + split_name + " " + (images_path.empty() ? "images" : "labels") +
                             " file (looked for " + split_name + "-" +
                             (images_path.empty() ? "images-idx3" : "labels-idx1") +
                             "-ubyte and its common spellings, optionally .gz); run scripts/fetch-mnist");
  }
  const io::IdxArray images = io::read_idx(images_path);
  const io::IdxArray labels = io::read_idx(labels_path);
  if (images.dims.size() != 3) {
    io::input_error(images_path,
                    "expected 3 dimensions (count x rows x cols), found " + std::to_string(images.dims.size()));
  }
  if (labels.dims.size() != 1) {
    io::input_error(labels_path, "expected 1 dimension (count), found " + std::to_string(labels.dims.size()));
  }
  if (images.dims[0] != labels.dims[0]) {
    io::input_error(labels_path, std::to_string(labels.dims[0]) + " labels for " + std::to_string(images.dims[0]) +
                                     " images in " + images_path);
  }
  if (images.dims[1] == 0 || images.dims[2] == 0) io::input_error(images_path, "images have no pixels");

  Dataset data;
  data.rows = images.dims[1];
  data.cols = images.dims[2];
  data.count = images.dims[0];
  if (limit > 0 && limit < data.count) data.count = limit;
  data.labels.resize(data.count);
  for (std::size_t i = 0; i < data.count; ++i) {
    if (labels.values[i] > 9) {
      io::input_error(labels_path, "label " + std::to_string(labels.values[i]) + " at index " + std::to_string(i) +
                                       " is not a digit 0-9");
    }
    data.labels[i] = labels.values[i];
  }
  data.pixels.assign(images.values.begin(),
                     images.values.begin() + static_cast<std::ptrdiff_t>(data.count * data.features()));
  return data;
}

}  // namespace mnist
