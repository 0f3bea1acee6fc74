// Products with a matrix split around its background (a batch of digits): the split holds every
// other entry, the products equal the definition for each shape's edge cases, the engine takes
// them for constant batches only, and the gradients and the folded descent step they give
// equal the whole-matrix (gemm) path's.

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <vector>
#include <xtensor/xtensor.hpp>

#include "nn/random.hpp"
#include "tensor/kernels.hpp"
#include "tensor/tensor.hpp"
#include "tensor/threads.hpp"

namespace {

template <class T>
using Array = xt::xtensor<T, 2>;

using tensor::BackgroundSplit;
using tensor::kernels::background_product;
using tensor::kernels::background_transposed_product;
using tensor::kernels::split_around_background;

// rows x cols, each entry `background` except a fraction `foreground` of them, at random places,
// which are drawn from [-1, 3); entry (0, 0) is on the background (so a single entry is too).
template <class T>
Array<T> digits_like(std::size_t rows, std::size_t cols, T background, double foreground, std::uint64_t seed) {
  nn::Rng rng(seed);
  Array<T> a = Array<T>::from_shape({rows, cols});
  for (T& v : a) v = rng.uniform(0, 1) < foreground ? static_cast<T>(rng.uniform(-1, 3)) : background;
  a(0, 0) = background;
  return a;
}

template <class T>
Array<T> uniform(std::size_t rows, std::size_t cols, std::uint64_t seed) {
  nn::Rng rng(seed);
  Array<T> a = Array<T>::from_shape({rows, cols});
  for (T& v : a) v = static_cast<T>(rng.uniform(-1, 1));
  return a;
}

// alpha * op(a) @ b + beta * c by the definition, in double, and for each element the size of
// what a split product sums: an entry x of a is taken as background + (x - background), so the
// rounding error scales with (|x - background| + |background|) |b|, summed.
struct Reference {
  Array<double> value;
  Array<double> size;
};
template <class T>
Reference reference(bool transpose_a, double alpha, const Array<T>& a, const Array<T>& b, double beta,
                    const Array<T>& c, double background) {
  const std::size_t m = c.shape()[0], n = c.shape()[1], k = b.shape()[0];
  Reference r{Array<double>::from_shape({m, n}), Array<double>::from_shape({m, n})};
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      double sum = 0, size = 0;
      for (std::size_t p = 0; p < k; ++p) {
        const double x = double(transpose_a ? a(p, i) : a(i, p));
        sum += x * double(b(p, j));
        size += (std::abs(x - background) + std::abs(background)) * std::abs(double(b(p, j)));
      }
      const double kept = beta == 0 ? 0.0 : beta * double(c(i, j));
      r.value(i, j) = alpha * sum + kept;
      r.size(i, j) = std::abs(alpha) * size + std::abs(kept);
    }
  }
  return r;
}

// The worst error of `c` against the reference, in units of each element's term sizes.
template <class T>
double relative_error(const Array<T>& c, const Reference& r) {
  double worst = 0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    worst = std::max(worst, std::abs(double(c.data()[i]) - r.value.data()[i]) / (r.size.data()[i] + 1e-300));
  }
  return worst;
}

// Both split products for an (m x k) matrix on `background` times (k x n), against the
// definition; `epsilon` is the number type's. Returns the worst relative error of the three
// (the product, the transposed one overwriting garbage, and the one adding to c).
template <class T>
double worst_split_product_error(std::size_t m, std::size_t k, std::size_t n, T background) {
  const Array<T> a = digits_like<T>(m, k, background, 0.2, m * 1000 + n);
  const BackgroundSplit<T> split = split_around_background(a, 0.5);
  BOOST_TEST_REQUIRE(!split.empty());
  const Array<T> b = uniform<T>(k, n, 7);
  Array<T> c = Array<T>::from_shape({m, n});
  c.fill(std::numeric_limits<T>::quiet_NaN());
  background_product(split, b, c);
  double worst = relative_error(c, reference(false, 1.0, a, b, 0.0, c, background));

  const Array<T> d = uniform<T>(m, n, 8);
  Array<T> garbage = Array<T>::from_shape({k, n});
  garbage.fill(std::numeric_limits<T>::quiet_NaN());
  const Reference overwritten = reference(true, -0.25, a, d, 0.0, garbage, background);
  background_transposed_product(T(-0.25), split, d, T(0), garbage);
  worst = std::max(worst, relative_error(garbage, overwritten));

  Array<T> accumulated = uniform<T>(k, n, 9);
  const Reference added = reference(true, 0.5, a, d, 1.0, accumulated, background);
  background_transposed_product(T(0.5), split, d, T(1), accumulated);
  return std::max(worst, relative_error(accumulated, added));
}

// The largest error of worst_split_product_error over every shape and background below, and
// where it was.
struct WorstError {
  double error = 0;
  std::string where;
};

template <class T>
WorstError worst_over_edges() {
  // n: one column, a partial block, exactly a block (64 floats, 32 doubles), blocks and a part;
  // m: one row, a panel of 128 and more; background 0 (pixels in [0, 1]) or MNIST's normalised 0.
  WorstError worst;
  for (const std::size_t m : {1, 7, 128, 130, 256, 300}) {
    for (const std::size_t k : {1, 50}) {
      for (const std::size_t n : {1, 10, 32, 64, 100, 200}) {
        for (const T background : {T(0), T(-0.4242)}) {
          const double error = worst_split_product_error<T>(m, k, n, background);
          const bool worse = std::isnan(error) || (!std::isnan(worst.error) && error > worst.error);
          if (worse) {  // a NaN error is the worst and stays so
            std::ostringstream where;
            where << "(" << m << "x" << k << ") @ (" << k << "x" << n << ") on " << background;
            worst = {error, where.str()};
          }
        }
      }
    }
  }
  return worst;
}

// W's gradient and the product of X @ W, from sum(X @ W * G) for a fixed G, with X constant
// (split) or requiring a gradient (whole, by gemm).
template <class T>
struct LayerResult {
  Array<T> product;
  Array<T> weight_gradient;
  bool split = false;
};
template <class T>
LayerResult<T> layer(const Array<T>& x, const Array<T>& w, const Array<T>& g, bool x_constant) {
  tensor::Tensor<T> X(x), W(w), G(g);
  X.set_requires_grad(!x_constant);
  G.set_requires_grad(false);
  const tensor::Tensor<T> product = matmul(X, W);
  sum(product * G).backward();
  return {product.data(), W.grad(), !product.node()->left_split.empty()};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(split_products)

BOOST_AUTO_TEST_CASE(a_split_holds_each_other_entry_by_panel_and_column) {
  // 130 rows: a first panel of 128 and a second of 2.
  Array<double> a = Array<double>::from_shape({130, 3});
  a.fill(0.5);
  a(1, 2) = 2.0;
  a(5, 2) = -1.0;
  a(129, 0) = 0.25;
  const BackgroundSplit<double> split = split_around_background(a, 0.5);
  BOOST_TEST(split.background == 0.5);
  BOOST_TEST(split.rows == 130u);
  BOOST_TEST(split.cols == 3u);
  BOOST_TEST(split.column_starts == (std::vector<std::uint32_t>{0, 0, 0, 2, 3, 3, 3}),
             boost::test_tools::per_element());
  BOOST_TEST(split.row_of == (std::vector<std::uint32_t>{1, 5, 129}), boost::test_tools::per_element());
  BOOST_TEST(split.values == (std::vector<double>{1.5, -1.5, -0.25}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_matrix_is_split_only_when_every_panel_is_mostly_its_first_entry) {
  BOOST_TEST(split_around_background(digits_like<float>(64, 100, 0.0f, 0.2, 1), 0.5).values.size() > 0u);
  // more than half the entries differ from the first
  BOOST_TEST(split_around_background(digits_like<float>(64, 100, 0.0f, 0.7, 1), 0.5).empty());
  BOOST_TEST(split_around_background(uniform<float>(64, 100, 2), 0.5).empty());
  // a first panel of 128 rows mostly background and a second one dense: 40 % of all entries
  // differ, but one panel is over half
  Array<float> panels = digits_like<float>(256, 100, 0.0f, 0.1, 3);
  const Array<float> dense = digits_like<float>(128, 100, 0.0f, 0.7, 4);
  std::copy(dense.begin(), dense.end(), panels.begin() + 128 * 100);
  BOOST_TEST(split_around_background(panels, 0.5).empty());
  // a first entry that is not finite is no background
  Array<float> a = digits_like<float>(8, 8, 0.0f, 0.1, 3);
  a(0, 0) = std::numeric_limits<float>::quiet_NaN();
  BOOST_TEST(split_around_background(a, 0.5).empty());
  a(0, 0) = std::numeric_limits<float>::infinity();
  BOOST_TEST(split_around_background(a, 0.5).empty());
}

BOOST_AUTO_TEST_CASE(split_products_equal_the_definition_at_every_block_and_panel_edge) {
  const WorstError in_double = worst_over_edges<double>(), in_float = worst_over_edges<float>();
  BOOST_TEST(in_double.error <= 1e-14, in_double.where << ": " << in_double.error);
  BOOST_TEST(in_float.error <= 2e-6, in_float.where << ": " << in_float.error);
}

BOOST_AUTO_TEST_CASE(a_nan_among_the_entries_reaches_its_row_of_the_product) {
  Array<float> a = digits_like<float>(4, 20, 0.0f, 0.2, 4);
  a(2, 7) = std::numeric_limits<float>::quiet_NaN();
  const BackgroundSplit<float> split = split_around_background(a, 0.5);
  BOOST_TEST_REQUIRE(!split.empty());
  Array<float> c = Array<float>::from_shape({4, 3});
  background_product(split, uniform<float>(20, 3, 5), c);
  for (std::size_t i = 0; i < 4; ++i) {
    for (std::size_t j = 0; j < 3; ++j) BOOST_TEST(std::isnan(c(i, j)) == (i == 2), "(" << i << ", " << j << ")");
  }
}

BOOST_AUTO_TEST_CASE(split_products_are_not_finite_wherever_gemms_are_not) {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  for (const float background : {0.0f, -0.4242f}) {
    const Array<float> a = digits_like<float>(20, 40, background, 0.2, 16);
    const BackgroundSplit<float> split = split_around_background(a, 0.5);
    BOOST_TEST_REQUIRE(!split.empty());
    Array<float> b = uniform<float>(40, 70, 17), d = uniform<float>(20, 70, 18);
    b(3, 5) = inf;
    b(11, 66) = nan;
    d(4, 1) = -inf;
    Array<float> by_split = Array<float>::from_shape({20, 70}), by_gemm = by_split;
    background_product(split, b, by_split);
    tensor::kernels::gemm(false, false, 1.0f, a, b, 0.0f, by_gemm);
    Array<float> transposed_by_split = Array<float>::from_shape({40, 70}), transposed_by_gemm = transposed_by_split;
    background_transposed_product(1.0f, split, d, 0.0f, transposed_by_split);
    tensor::kernels::gemm(true, false, 1.0f, a, d, 0.0f, transposed_by_gemm);
    std::size_t missed = 0, non_finite = 0;
    for (std::size_t i = 0; i < by_gemm.size(); ++i) {
      non_finite += !std::isfinite(by_gemm.data()[i]);
      missed += !std::isfinite(by_gemm.data()[i]) && std::isfinite(by_split.data()[i]);
    }
    for (std::size_t i = 0; i < transposed_by_gemm.size(); ++i) {
      non_finite += !std::isfinite(transposed_by_gemm.data()[i]);
      missed += !std::isfinite(transposed_by_gemm.data()[i]) && std::isfinite(transposed_by_split.data()[i]);
    }
    BOOST_TEST(non_finite > 0u, "on " << background);
    BOOST_TEST(missed == 0u, "on " << background);
  }
}

BOOST_AUTO_TEST_CASE(split_products_do_not_depend_on_the_number_of_threads) {
  const Array<float> a = digits_like<float>(128, 784, -0.4242f, 0.2, 6);
  const BackgroundSplit<float> split = split_around_background(a, 0.5);
  const Array<float> b = uniform<float>(784, 800, 7), d = uniform<float>(128, 800, 8);
  Array<float> product[2], transposed[2];
  const int threads = tensor::num_threads();
  for (int run = 0; run < 2; ++run) {
    tensor::set_num_threads(run + 1);
    product[run] = Array<float>::from_shape({128, 800});
    background_product(split, b, product[run]);
    transposed[run] = Array<float>::from_shape({784, 800});
    background_transposed_product(-0.1f, split, d, 0.0f, transposed[run]);
  }
  tensor::set_num_threads(threads);
  BOOST_TEST((product[0] == product[1]));
  BOOST_TEST((transposed[0] == transposed[1]));
}

BOOST_AUTO_TEST_CASE(the_engine_splits_a_constant_batch_and_gets_the_gradients_gemm_gets) {
  const Array<double> x = digits_like<double>(64, 784, -0.4242, 0.2, 9);
  const Array<double> w = uniform<double>(784, 30, 10), g = uniform<double>(64, 30, 11);
  const LayerResult<double> split = layer(x, w, g, true);
  const LayerResult<double> whole = layer(x, w, g, false);
  BOOST_TEST(split.split);
  BOOST_TEST(!whole.split);  // an input that wants a gradient is used whole
  BOOST_TEST(xt::allclose(split.product, whole.product, 1e-13, 1e-13));
  BOOST_TEST(xt::allclose(split.weight_gradient, whole.weight_gradient, 1e-13, 1e-13));
  // a constant batch with too few entries on a background is used whole, and so is one times
  // a right operand narrower than a cache line (8 doubles)
  BOOST_TEST(!layer(uniform<double>(64, 784, 12), w, g, true).split);
  BOOST_TEST(!layer(x, uniform<double>(784, 7, 13), uniform<double>(64, 7, 14), true).split);
  BOOST_TEST(layer(x, uniform<double>(784, 8, 13), uniform<double>(64, 8, 14), true).split);
  const Array<float> x_float = digits_like<float>(64, 784, -0.4242f, 0.2, 9);
  BOOST_TEST(!layer(x_float, uniform<float>(784, 15, 13), uniform<float>(64, 15, 14), true).split);
  BOOST_TEST(layer(x_float, uniform<float>(784, 16, 13), uniform<float>(64, 16, 14), true).split);
}

BOOST_AUTO_TEST_CASE(a_descent_step_folded_into_a_split_product_equals_the_gemm_one) {
  const Array<float> x = digits_like<float>(64, 784, -0.4242f, 0.2, 13);
  const Array<float> w = uniform<float>(784, 128, 14), g = uniform<float>(64, 128, 15);
  Array<float> stepped[2];
  for (const bool x_constant : {true, false}) {
    tensor::Tensor<float> X(x), W(w), G(g);
    X.set_requires_grad(!x_constant);
    G.set_requires_grad(false);
    W.zero_grad();
    W.fold_descent_into_backward(0.1f);
    const tensor::Tensor<float> product = matmul(X, W);
    BOOST_TEST(!product.node()->left_split.empty() == x_constant);
    sum(product * G).backward();
    BOOST_TEST(W.node()->descended);
    stepped[x_constant ? 0 : 1] = W.data();
  }
  BOOST_TEST(xt::allclose(stepped[0], stepped[1], 0.0, 1e-5));
  BOOST_TEST(!xt::allclose(stepped[0], w, 0.0, 1e-3));  // the step was taken
}

BOOST_AUTO_TEST_SUITE_END()
