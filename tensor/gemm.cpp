// BLAS products through xtensor-blas: the one place the engine multiplies matrices.

#include <xtensor-blas/xblas.hpp>

#include "tensor/kernels.hpp"

namespace tensor::kernels {

template <class T>
void gemm(bool transpose_a, bool transpose_b, T alpha, const Array<T>& a, const Array<T>& b, T beta, Array<T>& c) {
  // xt::blas::gemm hands the stored row-major buffers to ?gemm with the transpose flags and
  // leading dimensions, so a transposed operand is never copied, and writes c in place.
  xt::blas::gemm(a, b, c, transpose_a, transpose_b, alpha, beta);
}

template void gemm<float>(bool, bool, float, const Array<float>&, const Array<float>&, float, Array<float>&);
template void gemm<double>(bool, bool, double, const Array<double>&, const Array<double>&, double, Array<double>&);

}  // namespace tensor::kernels
