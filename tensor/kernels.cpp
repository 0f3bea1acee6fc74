#include "tensor/kernels.hpp"

#include <algorithm>
#include <vector>

#include "tensor/parallel.hpp"

namespace tensor::kernels {

using detail::parallel_chunks;
using detail::parallel_grain_elements;
using detail::row_grain;

template <class T>
void accumulate_reduced(const Array<T>& g, T scale, Array<T>& dst) {
  const std::size_t rows = g.shape()[0], cols = g.shape()[1];
  const bool sum_rows = dst.shape()[0] == 1 && rows > 1;  // dst is a row broadcast down g
  const bool sum_cols = dst.shape()[1] == 1 && cols > 1;  // dst is a column broadcast across g
  const T* src = g.data();
  T* out = dst.data();
  if (!sum_rows && !sum_cols) {  // same shape
    parallel_chunks(g.size(), parallel_grain_elements, [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) out[i] += scale * src[i];
    });
  } else if (sum_rows && !sum_cols) {  // column sums, e.g. a bias's gradient: split by columns
    const std::size_t column_grain = std::max<std::size_t>(64, parallel_grain_elements / rows);
    parallel_chunks(cols, column_grain, [&](std::size_t begin, std::size_t end) {
      std::vector<T> sums(end - begin, T(0));
      for (std::size_t i = 0; i < rows; ++i) {
        const T* row = src + i * cols;
        for (std::size_t j = begin; j < end; ++j) sums[j - begin] += row[j];
      }
      for (std::size_t j = begin; j < end; ++j) out[j] += scale * sums[j - begin];
    });
  } else if (!sum_rows && sum_cols) {  // row sums
    parallel_chunks(rows, row_grain(cols), [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin; i < end; ++i) {
        T row_sum = 0;
        for (std::size_t j = 0; j < cols; ++j) row_sum += src[i * cols + j];
        out[i] += scale * row_sum;
      }
    });
  } else {  // 1 x 1
    out[0] += scale * total_sum(g);
  }
}

template <class T>
T total_sum(const Array<T>& a) {
  const std::size_t rows = a.shape()[0], cols = a.shape()[1];
  std::vector<T> row_sums(rows, T(0));
  parallel_chunks(rows, row_grain(cols), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      T s = 0;
      for (std::size_t j = 0; j < cols; ++j) s += a.data()[i * cols + j];
      row_sums[i] = s;
    }
  });
  T total = 0;
  for (T s : row_sums) total += s;
  return total;
}

template void accumulate_reduced<float>(const Array<float>&, float, Array<float>&);
template void accumulate_reduced<double>(const Array<double>&, double, Array<double>&);
template float total_sum<float>(const Array<float>&);
template double total_sum<double>(const Array<double>&);

}  // namespace tensor::kernels
