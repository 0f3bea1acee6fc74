// The tensor engine's foundation: its products run on OpenBLAS (not the slow reference BLAS)
// through xtensor-blas, and every call the engine makes -- each transpose flag, alpha, beta,
// float and double, a 1-row operand -- gives what the textbook loops give.

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <string>
#include <xtensor/xtensor.hpp>

#include "tensor/kernels.hpp"

extern "C" char* openblas_get_config(void);  // only OpenBLAS defines it: linking proves the vendor

namespace {

template <class T>
using Array = xt::xtensor<T, 2>;

// A rows x cols array of small distinct values (not symmetric, so a wrong flag shows).
template <class T>
Array<T> pattern(std::size_t rows, std::size_t cols, double shift) {
  Array<T> a = Array<T>::from_shape({rows, cols});
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) a(i, j) = static_cast<T>(std::sin(1.0 + shift + 0.7 * i + 0.3 * j));
  }
  return a;
}

// alpha op(a) op(b) + beta c by the definition, in double.
template <class T>
Array<double> reference(bool ta, bool tb, double alpha, const Array<T>& a, const Array<T>& b, double beta,
                        const Array<T>& c) {
  const std::size_t m = c.shape()[0], n = c.shape()[1], k = ta ? a.shape()[0] : a.shape()[1];
  Array<double> out = Array<double>::from_shape({m, n});
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double s = 0;
      for (std::size_t p = 0; p < k; ++p) s += double(ta ? a(p, i) : a(i, p)) * double(tb ? b(j, p) : b(p, j));
      out(i, j) = alpha * s + beta * double(c(i, j));
    }
  }
  return out;
}

// Every flag combination for (m x k) @ (k x n), with alpha and beta, against the reference;
// whether all are within `tolerance` (each one that is not is reported with its error).
template <class T>
bool products_match(std::size_t m, std::size_t k, std::size_t n, double tolerance) {
  bool all_match = true;
  for (const bool ta : {false, true}) {
    for (const bool tb : {false, true}) {
      const Array<T> a = ta ? pattern<T>(k, m, 0) : pattern<T>(m, k, 0);
      const Array<T> b = tb ? pattern<T>(n, k, 1) : pattern<T>(k, n, 1);
      Array<T> c = pattern<T>(m, n, 2);
      const Array<double> expected = reference(ta, tb, -0.5, a, b, 2.0, c);
      tensor::kernels::gemm(ta, tb, T(-0.5), a, b, T(2), c);
      double worst = 0;
      for (std::size_t i = 0; i < m * n; ++i)
        worst = std::max(worst, std::abs(double(c.data()[i]) - expected.data()[i]));
      BOOST_TEST(worst <= tolerance, "(" << m << "x" << k << ") @ (" << k << "x" << n << ") transpose_a=" << ta
                                         << " transpose_b=" << tb << ": largest error " << worst);
      all_match = all_match && worst <= tolerance;
    }
  }
  return all_match;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(blas)

BOOST_AUTO_TEST_CASE(linked_blas_is_openblas) {
  const std::string config = openblas_get_config();
  BOOST_TEST(config.find("OpenBLAS") != std::string::npos, config);
}

BOOST_AUTO_TEST_CASE(gemm_matches_the_definition_for_every_flag_alpha_and_beta) {
  BOOST_TEST(products_match<double>(5, 7, 3, 1e-13));
  BOOST_TEST(products_match<float>(5, 7, 3, 1e-5));
  // The shapes of a layer's products: a bias-like 1-row operand, a single output column.
  BOOST_TEST(products_match<double>(1, 4, 6, 1e-13));
  BOOST_TEST(products_match<double>(6, 4, 1, 1e-13));
  BOOST_TEST(products_match<float>(64, 784, 10, 1e-3));
}

BOOST_AUTO_TEST_CASE(gemm_with_beta_zero_ignores_what_c_held) {
  // backward() lets a product overwrite a gradient it has not zeroed: garbage, even NaN, in c
  // must not leak into the result.
  const Array<float> a = {{1, 2}, {3, 4}};
  const Array<float> b = {{5, 6}, {7, 8}};
  Array<float> c = {{NAN, 1e30f}, {-1, NAN}};
  tensor::kernels::gemm(false, false, 1.0f, a, b, 0.0f, c);
  const Array<float> expected = {{19, 22}, {43, 50}};
  BOOST_TEST(c == expected);
}

BOOST_AUTO_TEST_SUITE_END()
