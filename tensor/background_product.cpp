// Products with a matrix split around its background (tensor/background_split.hpp): the first
// layer's two products when the inputs are a batch of digits.
//
// Both run over blocks of 64 output columns (32 for double), held in vector registers, blocks
// shared out among TBB tasks, and walk the other operand's rows in order, each row's block
// loaded into registers once. The rows of a panel that an entry touches sit in a buffer in the
// L1 cache. Every element is summed in the same order whatever the number of threads.

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <xsimd/xsimd.hpp>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "tensor/kernels.hpp"
#include "tensor/parallel.hpp"

namespace tensor::kernels {
namespace {

// 256 bytes of columns (64 floats, 32 doubles), in as many vector registers as that takes:
// eight with AVX2, four with AVX-512. Each element is summed in the same order whichever.
template <class T>
struct ColumnBlock {
  using Batch = xsimd::batch<T>;
  static constexpr std::size_t lanes = Batch::size;
  static constexpr std::size_t width = 256 / sizeof(T);
  static constexpr std::size_t registers = width / lanes;

  Batch part[registers];

  static ColumnBlock zero() {
    ColumnBlock block;
    for (Batch& b : block.part) b = Batch(T(0));
    return block;
  }
  // `count` values from `from`, the rest of the block 0 (a block at the matrix's right edge)
  static ColumnBlock load(const T* from, std::size_t count) {
    if (count < width) {
      alignas(64) T padded[width] = {};
      std::copy(from, from + count, padded);
      ColumnBlock block;
      for (std::size_t r = 0; r < registers; ++r) block.part[r] = Batch::load_aligned(padded + r * lanes);
      return block;
    }
    ColumnBlock block;
    for (std::size_t r = 0; r < registers; ++r) block.part[r] = Batch::load_unaligned(from + r * lanes);
    return block;
  }
  void store(T* to, std::size_t count) const {
    if (count < width) {
      alignas(64) T padded[width];
      for (std::size_t r = 0; r < registers; ++r) part[r].store_aligned(padded + r * lanes);
      std::copy(padded, padded + count, to);
      return;
    }
    for (std::size_t r = 0; r < registers; ++r) part[r].store_unaligned(to + r * lanes);
  }
  void add(const ColumnBlock& other) {
    for (std::size_t r = 0; r < registers; ++r) part[r] += other.part[r];
  }
  // this += scale * other
  void multiply_add(T scale, const ColumnBlock& other) {
    const Batch s(scale);
    for (std::size_t r = 0; r < registers; ++r) part[r] = xsimd::fma(s, other.part[r], part[r]);
  }
  // to[0..width) += scale * this, `to` a full-width row of a buffer
  void multiply_add_into(T scale, T* to) const {
    const Batch s(scale);
    for (std::size_t r = 0; r < registers; ++r) {
      xsimd::fma(s, part[r], Batch::load_aligned(to + r * lanes)).store_aligned(to + r * lanes);
    }
  }
  // this += scale * from[0..width), `from` a full-width row of a buffer
  void multiply_add_from(T scale, const T* from) {
    const Batch s(scale);
    for (std::size_t r = 0; r < registers; ++r) {
      part[r] = xsimd::fma(s, Batch::load_aligned(from + r * lanes), part[r]);
    }
  }
};

// A product of fewer multiply-adds than this runs on the calling thread. At ~0.05 ns each, 2 M
// take ~0.1 ms, and on the project's 2-vCPU VM a second thread that has gone to sleep takes
// about that long to wake (`bench_tensor_engine --only handover`: after 2 ms on the calling
// thread, a 0.2 ms loop split in two saved from -0.04 to 0.015 ms in three runs, not 0.1, and
// a 0.05 ms one cost 0.03 ms more), so a product this small gains only while the thread is
// still awake from the loop before. Against the engine that split every product, two threads,
// builds run in turn: workload A, whose products (1.3 M) follow long stretches on the calling
// thread, took 11-14 % less per epoch; the default recipe's (2.6 M, just after Adam's parallel
// pass) took 8 % more on one thread, so they stay split. The threshold is this kernel's alone:
// the element-wise loops of B, a few per step in quick succession, keep the second thread
// awake and lose when run alone.
constexpr std::size_t parallel_min_multiply_adds = 2'000'000;

// Calls body(first_column, column_count) for each block of output columns, `work_per_column`
// multiply-adds each: on TBB when the whole product is worth a second thread. A block's values
// do not depend on which thread computes it.
template <class T, class Body>
void for_each_column_block(std::size_t columns, std::size_t work_per_column, const Body& body) {
  constexpr std::size_t width = ColumnBlock<T>::width;
  const std::size_t blocks = (columns + width - 1) / width;
  const std::size_t work_per_block = std::max<std::size_t>(1, work_per_column * width);
  const auto run_blocks = [&](std::size_t begin, std::size_t end) {
    for (std::size_t block = begin; block < end; ++block) {
      const std::size_t first = block * width;
      body(first, std::min(width, columns - first));
    }
  };
  if (blocks * work_per_block < parallel_min_multiply_adds) {
    run_blocks(0, blocks);
    return;
  }
  const std::size_t grain = std::max<std::size_t>(1, detail::parallel_grain_elements / work_per_block);
  detail::parallel_chunks(blocks, grain, run_blocks);
}

// A panel's rows of one column block, full width, aligned: 32 KiB.
template <class T>
struct PanelBuffer {
  alignas(64) T values[BackgroundSplit<T>::panel_rows * ColumnBlock<T>::width];
  T* row(std::size_t i) { return values + i * ColumnBlock<T>::width; }
};

// Bit j set when x[j] differs from `background` (a NaN always does), for j < count <= 64. One
// word for 64 entries: the loop over its set bits then mispredicts its end once per 64 entries.
template <class T>
std::uint64_t differing_entries(const T* x, std::size_t count, T background) {
  std::uint64_t bits = 0;
  std::size_t j = 0;
#if defined(__AVX2__)
  for (; j + 8 <= count; j += 8) {
    std::uint64_t eight;
    if constexpr (std::is_same_v<T, float>) {
      eight = static_cast<unsigned>(
          _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + j), _mm256_set1_ps(background), _CMP_NEQ_UQ)));
    } else {
      const __m256d b = _mm256_set1_pd(background);
      const auto low = static_cast<unsigned>(_mm256_movemask_pd(_mm256_cmp_pd(_mm256_loadu_pd(x + j), b, _CMP_NEQ_UQ)));
      const auto high =
          static_cast<unsigned>(_mm256_movemask_pd(_mm256_cmp_pd(_mm256_loadu_pd(x + j + 4), b, _CMP_NEQ_UQ)));
      eight = low | high << 4;
    }
    bits |= eight << j;
  }
#endif
  for (; j < count; ++j) bits |= static_cast<std::uint64_t>(x[j] != background) << j;
  return bits;
}

}  // namespace

template <class T>
BackgroundSplit<T> split_around_background(const Array<T>& a, double max_foreground) {
  const std::size_t rows = a.shape()[0], cols = a.shape()[1], size = rows * cols;
  if (size == 0 || size >= std::numeric_limits<std::uint32_t>::max()) return {};
  const T background = a.data()[0];
  if (!std::isfinite(background)) return {};
  BackgroundSplit<T> split;
  split.background = background;
  split.rows = rows;
  split.cols = cols;
  // Each panel's entries per column, counted row by row (a NaN differs from everything). A panel
  // with too many gives the split up: the whole matrix is then the cheaper operand, found after
  // reading a panel of a dense one.
  std::vector<std::uint32_t>& starts = split.column_starts;
  starts.assign(split.panels() * cols + 1, 0);
  std::size_t count = 0;
  for (std::size_t p = 0; p < split.panels(); ++p) {
    const std::size_t first_row = p * split.panel_rows, end_row = std::min(rows, first_row + split.panel_rows);
    std::uint32_t* in_column = starts.data() + p * cols + 1;
    for (std::size_t i = first_row; i < end_row; ++i) {
      const T* row = a.data() + i * cols;
      for (std::size_t j = 0; j < cols; ++j) in_column[j] += static_cast<std::uint32_t>(row[j] != background);
    }
    std::size_t in_panel = 0;
    for (std::size_t j = 0; j < cols; ++j) in_panel += in_column[j];
    if (static_cast<double>(in_panel) > max_foreground * static_cast<double>((end_row - first_row) * cols)) return {};
    count += in_panel;
  }
  for (std::size_t k = 1; k < starts.size(); ++k) starts[k] += starts[k - 1];
  // Then each entry to its column's next place, row by row, so that a column's rows come in
  // order: the entries of a row that differ are found 64 at a time by vector compares.
  split.row_of.resize(count);
  split.values.resize(count);
  std::vector<std::uint32_t> next(starts.begin(), starts.end() - 1);
  std::uint32_t* row_of = split.row_of.data();
  T* values = split.values.data();
  for (std::size_t i = 0; i < rows; ++i) {
    const T* row = a.data() + i * cols;
    std::uint32_t* next_in_column = next.data() + i / split.panel_rows * cols;
    for (std::size_t j = 0; j < cols; j += 64) {
      // the entries that differ among the next 64, one bit each, taken lowest first
      for (std::uint64_t bits = differing_entries(row + j, std::min<std::size_t>(64, cols - j), background); bits != 0;
           bits &= bits - 1) {
        const std::size_t column = j + static_cast<std::size_t>(__builtin_ctzll(bits));
        const std::uint32_t k = next_in_column[column]++;
        row_of[k] = static_cast<std::uint32_t>(i);
        values[k] = row[column] - background;
      }
    }
  }
  return split;
}

template <class T>
void background_product(const BackgroundSplit<T>& a, const Array<T>& b, Array<T>& c) {
  using Block = ColumnBlock<T>;
  const std::size_t n = b.shape()[1], cols = a.cols;
  const std::size_t work_per_column = a.values.size() + a.panels() * cols;
  for_each_column_block<T>(n, work_per_column, [&](std::size_t first, std::size_t count) {
    PanelBuffer<T> out;
    for (std::size_t p = 0; p < a.panels(); ++p) {
      const std::size_t first_row = p * a.panel_rows, panel_rows = std::min(a.panel_rows, a.rows - first_row);
      std::fill(out.values, out.values + panel_rows * Block::width, T(0));
      // Row j of b goes to every row with an entry in column j; its sum builds b's column sums.
      Block column_sums = Block::zero();
      const std::uint32_t* starts = a.column_starts.data() + p * cols;
      for (std::size_t j = 0; j < cols; ++j) {
        const Block b_row = Block::load(b.data() + j * n + first, count);
        column_sums.add(b_row);
        for (std::uint32_t k = starts[j]; k < starts[j + 1]; ++k) {
          b_row.multiply_add_into(a.values[k], out.row(a.row_of[k] - first_row));
        }
      }
      // Every entry is the background plus its value (0 on the background), so each row adds
      // background * (b's column sums) to what its values gave.
      for (std::size_t i = 0; i < panel_rows; ++i) {
        Block row = Block::load(out.row(i), Block::width);
        row.multiply_add(a.background, column_sums);
        row.store(c.data() + (first_row + i) * n + first, count);
      }
    }
  });
}

template <class T>
void background_transposed_product(T alpha, const BackgroundSplit<T>& a, const Array<T>& d, T beta, Array<T>& c) {
  assert(beta == T(0) || beta == T(1));
  using Block = ColumnBlock<T>;
  const std::size_t n = d.shape()[1], cols = a.cols;
  const std::size_t work_per_column = a.values.size() + a.panels() * cols;
  for_each_column_block<T>(n, work_per_column, [&](std::size_t first, std::size_t count) {
    // Every row of a^T @ d holds background * (d's column sums); then column j of a adds, for
    // each of its other entries (i, j), value * d's row i to row j.
    Block column_sums = Block::zero();
    for (std::size_t i = 0; i < a.rows; ++i) column_sums.add(Block::load(d.data() + i * n + first, count));
    PanelBuffer<T> d_panel;
    for (std::size_t p = 0; p < a.panels(); ++p) {
      const std::size_t first_row = p * a.panel_rows, panel_rows = std::min(a.panel_rows, a.rows - first_row);
      for (std::size_t i = 0; i < panel_rows; ++i) {
        Block::load(d.data() + (first_row + i) * n + first, count).store(d_panel.row(i), Block::width);
      }
      const std::uint32_t* starts = a.column_starts.data() + p * cols;
      for (std::size_t j = 0; j < cols; ++j) {
        Block sum = Block::zero();
        if (p == 0) sum.multiply_add(a.background, column_sums);
        for (std::uint32_t k = starts[j]; k < starts[j + 1]; ++k) {
          sum.multiply_add_from(a.values[k], d_panel.row(a.row_of[k] - first_row));
        }
        T* c_row = c.data() + j * n + first;
        Block result = p == 0 && beta == T(0) ? Block::zero() : Block::load(c_row, count);
        result.multiply_add(alpha, sum);
        result.store(c_row, count);
      }
    }
  });
}

template BackgroundSplit<float> split_around_background<float>(const Array<float>&, double);
template BackgroundSplit<double> split_around_background<double>(const Array<double>&, double);
template void background_product<float>(const BackgroundSplit<float>&, const Array<float>&, Array<float>&);
template void background_product<double>(const BackgroundSplit<double>&, const Array<double>&, Array<double>&);
template void background_transposed_product<float>(float, const BackgroundSplit<float>&, const Array<float>&, float,
                                                   Array<float>&);
template void background_transposed_product<double>(double, const BackgroundSplit<double>&, const Array<double>&,
                                                    double, Array<double>&);

}  // namespace tensor::kernels
