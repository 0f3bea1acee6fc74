// Optimizers against updates computed by hand, two steps each, on both engines.

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <vector>

#include "nn/optimizer.hpp"
#include "nn/random.hpp"
#include "tensor/array_loops.hpp"

using autograd::Matrix;
using TensorD = tensor::Tensor<double>;

namespace {

const std::vector<double> start = {1.0, -2.0};
const std::vector<std::vector<double>> step_gradients = {{0.5, -1.0}, {0.25, 2.0}};

// Sets a parameter's gradient by hand, as backward() would.
void set_gradient(Matrix& p, const std::vector<double>& g) {
  for (std::size_t i = 0; i < g.size(); ++i) p.values()[i].node()->grad = g[i];
}
void set_gradient(TensorD& p, const std::vector<double>& g) {
  p.grad() = TensorD::Array::from_shape({1, g.size()});
  for (std::size_t i = 0; i < g.size(); ++i) p.grad()(0, i) = g[i];
}

// Runs two steps of the optimizer made by `make` and returns the parameter after each.
template <class M, class Make>
std::vector<std::vector<double>> two_steps(const Make& make) {
  M p(1, 2, start);
  auto optimizer = make(std::vector<M>{p});
  std::vector<std::vector<double>> after;
  for (const auto& g : step_gradients) {
    set_gradient(p, g);
    optimizer.step();
    after.push_back(nn::values_of(p));
  }
  return after;
}

template <class Make>
void check_both_engines(const Make& make, const std::vector<std::vector<double>>& expected) {
  const auto scalar = two_steps<Matrix>([&](std::vector<Matrix> p) { return make(std::move(p)); });
  const auto tensor = two_steps<TensorD>([&](std::vector<TensorD> p) { return make(std::move(p)); });
  for (std::size_t step = 0; step < 2; ++step) {
    for (std::size_t i = 0; i < 2; ++i) {
      BOOST_TEST(scalar[step][i] == expected[step][i], boost::test_tools::tolerance(1e-14));
      BOOST_TEST(tensor[step][i] == expected[step][i], boost::test_tools::tolerance(1e-14));
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(optimizers)

BOOST_AUTO_TEST_CASE(sgd_steps_against_the_gradient) {
  // p -= 0.1 g:  (1, -2) -> (0.95, -1.9) -> (0.925, -2.1)
  check_both_engines([](auto params) { return nn::SGD(std::move(params), 0.1); }, {{0.95, -1.9}, {0.925, -2.1}});
}

BOOST_AUTO_TEST_CASE(momentum_carries_velocity) {
  // v1 = g1 = (0.5, -1); p1 = p0 - 0.1 v1 = (0.95, -1.9)
  // v2 = 0.9 v1 + g2 = (0.7, 1.1); p2 = p1 - 0.1 v2 = (0.88, -2.01)
  check_both_engines([](auto params) { return nn::SGD(std::move(params), 0.1, 0.9); }, {{0.95, -1.9}, {0.88, -2.01}});
}

BOOST_AUTO_TEST_CASE(sgd_weight_decay_adds_to_the_gradient) {
  // g' = g + 0.5 p: step 1 (0.5 + 0.5, -1 - 1) = (1, -2) -> p1 = (0.9, -1.8)
  // step 2 (0.25 + 0.45, 2 - 0.9) = (0.7, 1.1) -> p2 = (0.83, -1.91)
  check_both_engines([](auto params) { return nn::SGD(std::move(params), 0.1, 0.0, 0.5); },
                     {{0.9, -1.8}, {0.83, -1.91}});
}

BOOST_AUTO_TEST_CASE(adam_uses_bias_corrected_moments) {
  // Written out for each element: m = 0.9 m + 0.1 g, v = 0.999 v + 0.001 g^2,
  // p -= 0.1 (m / (1 - 0.9^t)) / (sqrt(v / (1 - 0.999^t)) + 1e-8).
  std::vector<std::vector<double>> expected(2, std::vector<double>(2));
  for (std::size_t i = 0; i < 2; ++i) {
    const double g1 = step_gradients[0][i], g2 = step_gradients[1][i];
    const double m1 = 0.1 * g1, v1 = 0.001 * g1 * g1;
    const double p1 = start[i] - 0.1 * (m1 / 0.1) / (std::sqrt(v1 / 0.001) + 1e-8);
    const double m2 = 0.9 * m1 + 0.1 * g2, v2 = 0.999 * v1 + 0.001 * g2 * g2;
    const double p2 = p1 - 0.1 * (m2 / (1 - 0.81)) / (std::sqrt(v2 / (1 - 0.998001)) + 1e-8);
    expected[0][i] = p1;
    expected[1][i] = p2;
  }
  // The first step moves each element by the learning rate, whatever the gradient's size.
  BOOST_TEST(expected[0][0] == 0.9, boost::test_tools::tolerance(1e-7));
  BOOST_TEST(expected[0][1] == -1.9, boost::test_tools::tolerance(1e-7));
  check_both_engines([](auto params) { return nn::Adam(std::move(params), 0.1); }, expected);
}

BOOST_AUTO_TEST_CASE(adamw_decays_the_weights_apart_from_the_moments) {
  // As above, plus the decoupled decay: p -= 0.1 (m / (1 - 0.9^t)) / (sqrt(v / (1 - 0.999^t))
  // + 1e-8) + 0.1 * 0.5 p, with p the value before the step.
  std::vector<std::vector<double>> expected(2, std::vector<double>(2));
  for (std::size_t i = 0; i < 2; ++i) {
    const double g1 = step_gradients[0][i], g2 = step_gradients[1][i];
    const double m1 = 0.1 * g1, v1 = 0.001 * g1 * g1;
    const double p1 = start[i] - 0.1 * (m1 / 0.1) / (std::sqrt(v1 / 0.001) + 1e-8) - 0.05 * start[i];
    const double m2 = 0.9 * m1 + 0.1 * g2, v2 = 0.999 * v1 + 0.001 * g2 * g2;
    const double p2 = p1 - 0.1 * (m2 / (1 - 0.81)) / (std::sqrt(v2 / (1 - 0.998001)) + 1e-8) - 0.05 * p1;
    expected[0][i] = p1;
    expected[1][i] = p2;
  }
  check_both_engines([](auto params) { return nn::Adam(std::move(params), 0.1, 0.9, 0.999, 1e-8, 0.5); }, expected);
}

// The vectorised pass on TBB against the plain loop, element by element, over an array long
// enough for many chunks and a ragged tail, with weight decay on: how many elements of p, m or
// v differ in any bit after three steps.
template <class T>
std::size_t adam_pass_differences_from_the_plain_loop() {
  const std::size_t count = 100003;
  std::vector<T> p(count), g(count), m(count, T(0)), v(count, T(0));
  nn::Rng rng(4);
  for (std::size_t i = 0; i < count; ++i) {
    p[i] = static_cast<T>(rng.uniform(-1, 1));
    g[i] = static_cast<T>(rng.uniform(-1, 1) * (i % 7 == 0 ? 1e-6 : 1.0));
  }
  std::vector<T> p_plain = p, m_plain = m, v_plain = v;
  for (int t = 1; t <= 3; ++t) {
    const auto step = tensor::adam_step<T>(0.01, 0.9, 0.999, 1e-8, 0.05, t);
    tensor::adam_update(p.data(), g.data(), m.data(), v.data(), count, step);
    for (std::size_t i = 0; i < count; ++i) {
      m_plain[i] = step.beta1 * m_plain[i] + (1 - step.beta1) * g[i];
      v_plain[i] = step.beta2 * v_plain[i] + (1 - step.beta2) * g[i] * g[i];
      p_plain[i] -=
          step.step_size * m_plain[i] / (std::sqrt(v_plain[i]) + step.denominator_epsilon) + step.decay * p_plain[i];
    }
  }
  std::size_t differing = 0;
  for (std::size_t i = 0; i < count; ++i) differing += p[i] != p_plain[i] || m[i] != m_plain[i] || v[i] != v_plain[i];
  return differing;
}

BOOST_AUTO_TEST_CASE(the_vectorised_adam_pass_is_the_plain_loop_to_the_bit) {
  BOOST_TEST(adam_pass_differences_from_the_plain_loop<float>() == 0u, "float elements differ");
  BOOST_TEST(adam_pass_differences_from_the_plain_loop<double>() == 0u, "double elements differ");
}

BOOST_AUTO_TEST_CASE(zero_grad_clears_every_parameter) {
  TensorD a(1, 2, start), b(1, 2, start);
  set_gradient(a, {1, 2});
  set_gradient(b, {3, 4});
  nn::SGD<TensorD> sgd({a, b}, 0.1);
  sgd.zero_grad();
  // Dropped (the buffer kept for the next backward): read as zeros, and a step moves nothing.
  BOOST_TEST(a.grad().size() == 0u);
  BOOST_TEST((nn::gradients_of(b) == std::vector<double>{0.0, 0.0}));
  sgd.step();
  BOOST_TEST((nn::values_of(a) == start));
  // The next backward() writes fresh gradients, not added to the old ones: d(sum(a @ W))/da.
  const TensorD w({{1.0}, {-2.0}});
  sum(matmul(a, w)).backward();
  BOOST_TEST((nn::gradients_of(a) == std::vector<double>{1.0, -2.0}));
}

BOOST_AUTO_TEST_SUITE_END()
