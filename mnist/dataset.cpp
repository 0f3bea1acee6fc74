#include "mnist/dataset.hpp"

#include <sys/mman.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>

#include "io/idx.hpp"
#include "io/input_error.hpp"

namespace mnist {
namespace {

bool is_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

}  // namespace

void allocate_pixels(std::vector<std::uint8_t>& pixels, std::size_t size) {
  pixels.clear();
  pixels.shrink_to_fit();
  pixels.reserve(size);  // not yet touched: the advice below decides the page size at first write
  constexpr std::uintptr_t huge_page = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(pixels.data());
  const std::uintptr_t first = (begin + huge_page - 1) & ~(huge_page - 1), end = (begin + size) & ~(huge_page - 1);
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the address range of our own buffer
  if (end > first) ::madvise(reinterpret_cast<void*>(first), end - first, MADV_HUGEPAGE);  // advice: may be refused
  pixels.resize(size);
}

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
  io::IdxArray images = io::read_idx(images_path, allocate_pixels);  // read straight onto huge pages
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
  if (data.count == images.dims[0]) {
    data.pixels = std::move(images.values);
  } else {  // a limit keeps the first images, and only their memory
    allocate_pixels(data.pixels, data.count * data.features());
    std::copy_n(images.values.begin(), data.pixels.size(), data.pixels.begin());
  }
  return data;
}

}  // namespace mnist
