#pragma once
// MNIST: 28x28 grayscale digits with labels 0-9, from the four standard IDX files.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace mnist {

struct Dataset {
  std::size_t count = 0;
  std::size_t rows = 28, cols = 28;
  std::vector<std::uint8_t> pixels;  // count x rows x cols, levels 0-255 as in the files (0 = black)
  std::vector<std::int32_t> labels;  // count classes in 0-9

  std::size_t features() const { return rows * cols; }
  // Pixel i scaled to [0, 1]. Kept as bytes, the training set is 47 MB rather than 188, and a
  // batch gathered from it reads a quarter of the memory.
  float level(std::size_t i) const { return static_cast<float>(pixels[i]) / 255.0f; }
};

enum class Split { train, test };

// Loads a split from `dir`, taking the first `limit` samples when limit > 0. Accepts the
// common spellings of the file names (train-images-idx3-ubyte, train-images.idx3-ubyte, with
// or without .gz; t10k-... for the test split). Throws io::InputError naming the file and the
// problem: missing, malformed, image and label counts that differ, a label outside 0-9.
Dataset load_mnist(const std::string& dir, Split split, std::size_t limit = 0);

// The file of `kind` ("images" or "labels") for `split` in `dir`, or "" if none exists.
std::string find_mnist_file(const std::string& dir, Split split, const std::string& kind);

// Makes `pixels` hold `size` zero bytes, on 2 MB pages where the kernel grants them
// (madvise(MADV_HUGEPAGE), which Debian's default transparent-huge-page setting asks for). A
// shuffled batch reads rows from anywhere in the 47 MB training set: on 4 KB pages almost every
// row costs a TLB miss, on 2 MB pages the whole set is 24 TLB entries.
void allocate_pixels(std::vector<std::uint8_t>& pixels, std::size_t size);

}  // namespace mnist
