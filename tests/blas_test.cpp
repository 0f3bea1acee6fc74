// The tensor engine's foundation: xtensor-blas products run on OpenBLAS (not the slow
// reference BLAS) and give the right numbers.

#include <boost/test/unit_test.hpp>
#include <string>
#include <xtensor-blas/xlinalg.hpp>
#include <xtensor/xtensor.hpp>

extern "C" char* openblas_get_config(void);  // only OpenBLAS defines it: linking proves the vendor

BOOST_AUTO_TEST_SUITE(blas)

BOOST_AUTO_TEST_CASE(linked_blas_is_openblas) {
  const std::string config = openblas_get_config();
  BOOST_TEST(config.find("OpenBLAS") != std::string::npos, config);
}

BOOST_AUTO_TEST_CASE(dot_multiplies_non_square_matrices) {
  const xt::xtensor<double, 2> x = {{1, 2, 3}, {4, 5, 6}};       // 2x3
  const xt::xtensor<double, 2> w = {{1, -1}, {0, 2}, {0.5, 0}};  // 3x2
  const xt::xtensor<double, 2> y = xt::linalg::dot(x, w);        // 2x2
  const xt::xtensor<double, 2> expected = {{2.5, 3}, {7, 6}};
  BOOST_TEST(y == expected);
}

BOOST_AUTO_TEST_SUITE_END()
