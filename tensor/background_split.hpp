#pragma once
// A matrix most of whose entries are one value, its background -- a batch of digits on a blank
// page, where four pixels in five are the page -- held as that value and, column by column, the
// entries that differ from it. A product with it costs a pass for the background and one
// multiply-add per other entry: a fifth of a dense product's work for an MNIST batch.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tensor {

template <class T>
struct BackgroundSplit {
  // Rows are taken in panels of this many, so that a panel's rows of a product (64 columns at a
  // time) stay in the L1 cache while the other operand's rows stream past.
  static constexpr std::size_t panel_rows = 128;

  T background = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  // Panel p's other entries in column j are row_of[k] and values[k] (the entry less the
  // background) for k in [column_starts[p * cols + j], column_starts[p * cols + j + 1]), rows
  // in increasing order. Empty: no split (the matrix is used whole).
  std::vector<std::uint32_t> column_starts;
  std::vector<std::uint32_t> row_of;
  std::vector<T> values;

  bool empty() const { return column_starts.empty(); }
  std::size_t panels() const { return (rows + panel_rows - 1) / panel_rows; }
};

}  // namespace tensor
