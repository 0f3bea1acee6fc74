#include "tensor/kernels.hpp"

#include <cassert>
#include <cmath>
#include <vector>
#include <xsimd/xsimd.hpp>

#include "tensor/parallel.hpp"

namespace tensor::kernels {
namespace {

using detail::parallel_chunks;
using detail::parallel_grain_elements;
using detail::row_grain;

// y[i] = f(x[i]) over [begin, end): whole SIMD batches through simd_f (xsimd's vectorised
// exp, log, tanh), then the last few elements through scalar_f, the standard library's.
template <class T, class SimdF, class ScalarF>
void map_simd(const T* x, T* y, std::size_t begin, std::size_t end, const SimdF& simd_f, const ScalarF& scalar_f) {
  using Batch = xsimd::batch<T>;
  constexpr std::size_t lanes = Batch::size;
  std::size_t i = begin;
  for (; i + lanes <= end; i += lanes) simd_f(Batch::load_unaligned(x + i)).store_unaligned(y + i);
  for (; i < end; ++i) y[i] = scalar_f(x[i]);
}

// sigmoid(x) = 1 / (1 + e^-x) = e^x / (1 + e^x), from e = e^-|x| so that nothing overflows and
// nothing cancels: tiny values for large negative x keep their relative precision.
template <class T>
T scalar_sigmoid(T x) {
  const T e = std::exp(-std::abs(x));
  const T r = T(1) / (T(1) + e);
  return x >= T(0) ? r : e * r;
}
template <class Batch>
Batch simd_sigmoid(const Batch& x) {
  const Batch e = xsimd::exp(-xsimd::abs(x));
  const Batch r = Batch(1) / (Batch(1) + e);
  return xsimd::select(x >= Batch(0), r, e * r);
}

}  // namespace

template <class T>
void unary_forward(Op op, const T* x, T* y, std::size_t count, T exponent) {
  using Batch = xsimd::batch<T>;
  parallel_chunks(count, parallel_grain_elements, [&](std::size_t begin, std::size_t end) {
    switch (op) {
      case Op::neg:
        for (std::size_t i = begin; i < end; ++i) y[i] = -x[i];
        return;
      case Op::relu:  // NaN stays NaN, so a diverged value is not hidden
        for (std::size_t i = begin; i < end; ++i) y[i] = x[i] > T(0) || std::isnan(x[i]) ? x[i] : T(0);
        return;
      case Op::pow:
        for (std::size_t i = begin; i < end; ++i) y[i] = std::pow(x[i], exponent);
        return;
      case Op::exp:
        map_simd(
            x, y, begin, end, [](const Batch& b) { return xsimd::exp(b); }, [](T v) { return std::exp(v); });
        return;
      case Op::log:
        map_simd(
            x, y, begin, end, [](const Batch& b) { return xsimd::log(b); }, [](T v) { return std::log(v); });
        return;
      case Op::tanh:
        map_simd(
            x, y, begin, end, [](const Batch& b) { return xsimd::tanh(b); }, [](T v) { return std::tanh(v); });
        return;
      case Op::sigmoid: map_simd(x, y, begin, end, simd_sigmoid<Batch>, scalar_sigmoid<T>); return;
      default: assert(false && "unary_forward: not a one-input element-wise op");
    }
  });
}

template <class T>
void unary_backward(Op op, const T* x, const T* y, const T* dy, T* dx, std::size_t count, T exponent) {
  parallel_chunks(count, parallel_grain_elements, [&](std::size_t begin, std::size_t end) {
    switch (op) {
      case Op::neg:  // d(-x) = -1
        for (std::size_t i = begin; i < end; ++i) dx[i] -= dy[i];
        return;
      case Op::relu:  // 1 where x > 0
        for (std::size_t i = begin; i < end; ++i) dx[i] += x[i] > T(0) ? dy[i] : T(0);
        return;
      case Op::pow:  // p x^(p-1); 0 when p = 0
        if (exponent == T(0)) return;
        for (std::size_t i = begin; i < end; ++i) dx[i] += exponent * std::pow(x[i], exponent - T(1)) * dy[i];
        return;
      case Op::exp:  // e^x = y
        for (std::size_t i = begin; i < end; ++i) dx[i] += y[i] * dy[i];
        return;
      case Op::log:  // 1/x
        for (std::size_t i = begin; i < end; ++i) dx[i] += dy[i] / x[i];
        return;
      case Op::tanh:  // 1 - y^2
        for (std::size_t i = begin; i < end; ++i) dx[i] += (T(1) - y[i] * y[i]) * dy[i];
        return;
      case Op::sigmoid:  // y (1 - y)
        for (std::size_t i = begin; i < end; ++i) dx[i] += y[i] * (T(1) - y[i]) * dy[i];
        return;
      default: assert(false && "unary_backward: not a one-input element-wise op");
    }
  });
}

namespace {

// One output row of a broadcast binary op. a_step / b_step are 1 when the operand has a value
// per column and 0 when its single column is broadcast; separate instantiations let the
// compiler vectorise the common same-shape and row-bias cases.
template <class T, class F, int a_step, int b_step>
void binary_row(const T* a, const T* b, T* out, std::size_t cols, const F& f) {
  for (std::size_t j = 0; j < cols; ++j) out[j] = f(a[j * a_step], b[j * b_step]);
}

template <class T, class F>
void binary_rows(const Array<T>& a, const Array<T>& b, Array<T>& out, const F& f) {
  const std::size_t rows = out.shape()[0], cols = out.shape()[1];
  const std::size_t a_cols = a.shape()[1], b_cols = b.shape()[1];
  const bool a_row_broadcast = a.shape()[0] == 1, b_row_broadcast = b.shape()[0] == 1;
  parallel_chunks(rows, row_grain(cols), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const T* a_row = a.data() + (a_row_broadcast ? 0 : i * a_cols);
      const T* b_row = b.data() + (b_row_broadcast ? 0 : i * b_cols);
      T* out_row = out.data() + i * cols;
      if (a_cols == cols && b_cols == cols) {
        binary_row<T, F, 1, 1>(a_row, b_row, out_row, cols, f);
      } else if (a_cols == cols) {
        binary_row<T, F, 1, 0>(a_row, b_row, out_row, cols, f);
      } else if (b_cols == cols) {
        binary_row<T, F, 0, 1>(a_row, b_row, out_row, cols, f);
      } else {
        binary_row<T, F, 0, 0>(a_row, b_row, out_row, cols, f);
      }
    }
  });
}

}  // namespace

template <class T>
void binary_forward(Op op, const Array<T>& a, const Array<T>& b, Array<T>& out) {
  switch (op) {
    case Op::add: return binary_rows(a, b, out, [](T u, T v) { return u + v; });
    case Op::sub: return binary_rows(a, b, out, [](T u, T v) { return u - v; });
    case Op::mul: return binary_rows(a, b, out, [](T u, T v) { return u * v; });
    case Op::div: return binary_rows(a, b, out, [](T u, T v) { return u / v; });
    default: assert(false && "binary_forward: not a two-input element-wise op");
  }
}

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

template void unary_forward<float>(Op, const float*, float*, std::size_t, float);
template void unary_forward<double>(Op, const double*, double*, std::size_t, double);
template void unary_backward<float>(Op, const float*, const float*, const float*, float*, std::size_t, float);
template void unary_backward<double>(Op, const double*, const double*, const double*, double*, std::size_t, double);
template void binary_forward<float>(Op, const Array<float>&, const Array<float>&, Array<float>&);
template void binary_forward<double>(Op, const Array<double>&, const Array<double>&, Array<double>&);
template void accumulate_reduced<float>(const Array<float>&, float, Array<float>&);
template void accumulate_reduced<double>(const Array<double>&, double, Array<double>&);
template float total_sum<float>(const Array<float>&);
template double total_sum<double>(const Array<double>&);

}  // namespace tensor::kernels
