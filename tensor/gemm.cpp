// BLAS products, in a translation unit of their own: OpenBLAS's cblas.h and xtensor-blas do
// not mix in one file, and this is the only place the engine calls BLAS.

#include <cblas.h>

#include "tensor/kernels.hpp"

namespace tensor::kernels {
namespace {

void call_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha, const float* a, int lda,
               const float* b, int ldb, float beta, float* c, int ldc) {
  cblas_sgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void call_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha, const double* a, int lda,
               const double* b, int ldb, double beta, double* c, int ldc) {
  cblas_dgemm(CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace

template <class T>
void gemm(bool transpose_a, bool transpose_b, T alpha, const Array<T>& a, const Array<T>& b, T beta, Array<T>& c) {
  // Row-major buffers: the leading dimension is the stored row length, whatever the flag.
  const int a_rows = static_cast<int>(a.shape()[0]), a_cols = static_cast<int>(a.shape()[1]);
  const int b_rows = static_cast<int>(b.shape()[0]), b_cols = static_cast<int>(b.shape()[1]);
  const int m = transpose_a ? a_cols : a_rows;
  const int k = transpose_a ? a_rows : a_cols;
  const int n = transpose_b ? b_rows : b_cols;
  call_gemm(transpose_a ? CblasTrans : CblasNoTrans, transpose_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a.data(),
            a_cols, b.data(), b_cols, beta, c.data(), n);
}

template void gemm<float>(bool, bool, float, const Array<float>&, const Array<float>&, float, Array<float>&);
template void gemm<double>(bool, bool, double, const Array<double>&, const Array<double>&, double, Array<double>&);

}  // namespace tensor::kernels
