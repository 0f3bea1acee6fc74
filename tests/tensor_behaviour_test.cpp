// The tensor engine's behaviour beyond single-op gradients: numerical stability, float32
// against float64, thread counts, error messages, accumulation semantics, deep graphs, DOT.

#include <sys/resource.h>

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/value.hpp"
#include "finite_difference.hpp"
#include "nn/random.hpp"
#include "tensor/graph_text.hpp"
#include "tensor/memory.hpp"
#include "tensor/tensor.hpp"
#include "tensor/threads.hpp"

using tensor::Tensor;

namespace {

template <class T>
xt::xtensor<T, 2> random_array(std::size_t rows, std::size_t cols, std::uint64_t seed, double low = -1,
                               double high = 1) {
  nn::Rng rng(seed);
  xt::xtensor<T, 2> a = xt::xtensor<T, 2>::from_shape({rows, cols});
  for (T& v : a) v = static_cast<T>(rng.uniform(low, high));
  return a;
}

template <class T>
bool all_finite(const xt::xtensor<T, 2>& a) {
  for (T v : a) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

// Checks that `call` throws std::invalid_argument whose message is exactly `expected`.
template <class Call>
void check_error_message(const Call& call, const std::string& expected) {
  try {
    call();
    BOOST_ERROR("no exception; expected: " << expected);
  } catch (const std::invalid_argument& error) {
    BOOST_TEST(std::string(error.what()) == expected);
  }
}

// A two-layer network's loss on a batch, the shape of an MNIST step.
template <class T>
struct SmallNetwork {
  Tensor<T> x, w1, b1, w2, b2;
  std::vector<std::int32_t> labels;

  SmallNetwork(std::size_t batch, std::size_t inputs, std::size_t hidden, std::size_t classes)
      : x(random_array<T>(batch, inputs, 1, 0, 1)),
        w1(random_array<T>(inputs, hidden, 2, -0.1, 0.1)),
        b1(random_array<T>(1, hidden, 3, -0.1, 0.1)),
        w2(random_array<T>(hidden, classes, 4, -0.3, 0.3)),
        b2(random_array<T>(1, classes, 5, -0.1, 0.1)) {
    for (std::size_t i = 0; i < batch; ++i) labels.push_back(static_cast<std::int32_t>((7 * i) % classes));
  }
  Tensor<T> loss() const { return cross_entropy(matmul(tanh(matmul(x, w1) + b1), w2) + b2, labels); }
  std::vector<Tensor<T>> parameters() const { return {w1, b1, w2, b2}; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tensor_behaviour)

BOOST_AUTO_TEST_CASE(softmax_and_cross_entropy_stay_finite_for_huge_logits) {
  const Tensor<double> logits({{1000, -1000, 0}, {-1000, -1000, -1000}, {1000, 1000, -1000}});
  const Tensor<double> p = softmax(logits), logp = log_softmax(logits);
  BOOST_TEST(all_finite(p.data()));
  BOOST_TEST(p.data()(0, 0) == 1.0);
  BOOST_TEST(p.data()(1, 2) == 1.0 / 3.0, boost::test_tools::tolerance(1e-15));
  BOOST_TEST(p.data()(2, 1) == 0.5);
  BOOST_TEST(logp.data()(0, 1) == -2000.0);
  const Tensor<double> loss = cross_entropy(logits, {0, 1, 2});  // -(0 + log(1/3) + -2000 - log 2) / 3
  loss.backward();
  BOOST_TEST(loss.data()(0, 0) == (std::log(3.0) + 2000 + std::log(2.0)) / 3, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(all_finite(logits.grad()));

  const Tensor<float> float_logits({{1000, -1000, 0}});
  const Tensor<float> float_loss = cross_entropy(float_logits, {1});
  float_loss.backward();
  BOOST_TEST(float_loss.data()(0, 0) == 2000.0f);
  BOOST_TEST(all_finite(float_logits.grad()));
}

BOOST_AUTO_TEST_CASE(small_results_keep_their_relative_precision) {
  // sigmoid far below 0 is tiny but not 0: e^x / (1 + e^x), not 1/2 (1 + tanh(x/2)).
  const Tensor<float> xf({{-20.0f, -10.0f, 20.0f}});
  const Tensor<float> sf = sigmoid(xf);
  BOOST_TEST(sf.data()(0, 0) == 1.0f / (1.0f + std::exp(20.0f)), boost::test_tools::tolerance(1e-5f));
  BOOST_TEST(sf.data()(0, 1) == 1.0f / (1.0f + std::exp(10.0f)), boost::test_tools::tolerance(1e-5f));
  const Tensor<double> xd({{-40.0, -700.0}});
  BOOST_TEST(sigmoid(xd).data()(0, 0) == 1.0 / (1.0 + std::exp(40.0)), boost::test_tools::tolerance(1e-12));
  BOOST_TEST(sigmoid(xd).data()(0, 1) > 0.0);
  // Log-softmax and cross-entropy of large, close logits, in float.
  const Tensor<float> close({{1e4f, 1e4f}});
  BOOST_TEST(log_softmax(close).data()(0, 0) == -std::log(2.0f), boost::test_tools::tolerance(1e-6f));
  const Tensor<float> apart({{100.0f, 90.0f}});
  BOOST_TEST(cross_entropy(apart, {0}).data()(0, 0) == std::log1p(std::exp(-10.0f)),
             boost::test_tools::tolerance(1e-4f));
}

BOOST_AUTO_TEST_CASE(relu_keeps_nan_visible) {
  const Tensor<double> x({{std::nan(""), -1.0, 2.0}});
  const Tensor<double> y = relu(x);
  BOOST_TEST(std::isnan(y.data()(0, 0)));
  BOOST_TEST(y.data()(0, 1) == 0.0);
  BOOST_TEST(std::isnan(relu(autograd::Value(std::nan(""))).data()));
}

BOOST_AUTO_TEST_CASE(float32_agrees_with_float64) {
  const SmallNetwork<double> d(16, 30, 12, 10);
  const SmallNetwork<float> f(16, 30, 12, 10);
  const Tensor<double> loss_d = d.loss();
  const Tensor<float> loss_f = f.loss();
  loss_d.backward();
  loss_f.backward();
  BOOST_TEST(loss_f.data()(0, 0) == loss_d.data()(0, 0), boost::test_tools::tolerance(1e-5));
  const auto params_d = d.parameters();
  const auto params_f = f.parameters();
  for (std::size_t k = 0; k < params_d.size(); ++k) {
    double largest = 0, worst = 0;
    for (std::size_t i = 0; i < params_d[k].size(); ++i) {
      largest = std::max(largest, std::abs(params_d[k].grad().data()[i]));
      worst = std::max(worst, std::abs(params_d[k].grad().data()[i] - params_f[k].grad().data()[i]));
    }
    BOOST_TEST(worst <= 1e-5 * largest, "parameter " << k << ": largest float/double difference " << worst);
  }
}

// Element-wise and row-wise kernels split work at fixed boundaries and sum in a fixed order, so
// thread count cannot change them: identical bits. BLAS products may order their sums by thread
// count, so they are compared with a relative tolerance of 1e-5 (float).
BOOST_AUTO_TEST_CASE(one_and_two_threads_give_the_same_results) {
  const auto x = random_array<float>(512, 300, 11), b = random_array<float>(1, 300, 12);
  auto run = [&](int threads) {
    tensor::set_num_threads(threads);
    BOOST_TEST(tensor::num_threads() == threads);
    Tensor<float> tx(x), tb(b);
    const Tensor<float> y = softmax(sigmoid(tanh(tx + tb) * tx));
    const Tensor<float> loss = sum(y * y) + mean(exp(tx));
    loss.backward();
    return std::vector<xt::xtensor<float, 2>>{y.data(), tx.grad(), tb.grad(), loss.data()};
  };
  const auto one = run(1), two = run(2);
  for (std::size_t k = 0; k < one.size(); ++k) BOOST_TEST((one[k] == two[k]), "result " << k << " differs");

  auto run_network = [](int threads) {
    tensor::set_num_threads(threads);
    const SmallNetwork<float> net(256, 784, 128, 10);
    const Tensor<float> loss = net.loss();
    loss.backward();
    return std::make_pair(loss.data()(0, 0), xt::xtensor<float, 2>(net.w1.grad()));
  };
  const auto [loss1, grad1] = run_network(1);
  const auto [loss2, grad2] = run_network(2);
  BOOST_TEST(loss1 == loss2, boost::test_tools::tolerance(1e-5f));
  BOOST_TEST(testing::close(xt::amax(xt::abs(grad1 - grad2))(), 0.0, 1e-5 * xt::amax(xt::abs(grad1))()));
  tensor::set_num_threads(2);
  BOOST_CHECK_THROW(tensor::set_num_threads(0), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_both_shapes) {
  const Tensor<float> x = Tensor<float>::zeros(64, 784), w = Tensor<float>::zeros(100, 10);
  check_error_message([&] { matmul(x, w); }, "matmul: (64x784) @ (100x10): inner dimensions differ");
  const Tensor<double> a = Tensor<double>::zeros(3, 4), b = Tensor<double>::zeros(2, 4);
  check_error_message([&] { a + b; }, "add: (3x4) + (2x4): shapes differ and neither is 1 where they differ");
  check_error_message([&] { a / Tensor<double>::zeros(3, 2); },
                      "div: (3x4) / (3x2): shapes differ and neither is 1 where they differ");
  check_error_message([&] { mse(a, b); }, "mse: prediction (3x4) and target (2x4) differ in shape");
  check_error_message([&] { cross_entropy(a, {0, 1}); }, "cross_entropy: 2 labels for (3x4) logits: need one per row");
  check_error_message([&] { cross_entropy(a, {0, 4, 1}); }, "cross_entropy: label 4 of row 1 is outside [0, 4)");
  check_error_message([&] { a.backward(); }, "backward: the output must be 1x1 (a loss), not (3x4)");
  check_error_message([] { Tensor<double>(xt::xtensor<double, 2>::from_shape({0, 3})); }, "Tensor: empty data (0x3)");
  Tensor<double> emptied = Tensor<double>::zeros(2, 2);
  emptied.data() = xt::xtensor<double, 2>::from_shape({2, 0});
  check_error_message([&] { tanh(emptied); }, "tanh: empty operand (2x0)");
}

BOOST_AUTO_TEST_CASE(gradients_accumulate_like_the_scalar_engine) {
  Tensor<double> a({{1.5, -2.0}});
  const Tensor<double> square = sum(a * a);
  square.backward();
  BOOST_TEST(a.grad()(0, 0) == 3.0);
  BOOST_TEST(a.grad()(0, 1) == -4.0);
  square.backward();  // leaves accumulate
  BOOST_TEST(a.grad()(0, 0) == 6.0);
  BOOST_TEST(square.input(0).grad()(0, 1) == 1.0);  // interior: this call's derivative only
  zero_grad(std::vector<Tensor<double>>{a});
  BOOST_TEST(a.grad()(0, 0) == 0.0);
  zero_grad(square);
  BOOST_TEST(square.grad()(0, 0) == 0.0);
}

BOOST_AUTO_TEST_CASE(constants_get_no_gradient_and_change_no_other) {
  // loss = sum(tanh(X @ W + B) * C) with X and C constants: W and B's gradients are those of the
  // same graph with every leaf requiring one, and the constants X and C get none.
  const auto x = random_array<double>(5, 4, 21), w = random_array<double>(4, 3, 22), b = random_array<double>(1, 3, 23),
             c = random_array<double>(5, 3, 24);
  auto loss_of = [](const Tensor<double>& X, const Tensor<double>& W, const Tensor<double>& B,
                    const Tensor<double>& C) { return sum(tanh(matmul(X, W) + B) * C); };
  Tensor<double> X(x), W(w), B(b), C(c);
  loss_of(X, W, B, C).backward();
  Tensor<double> Xc(x), Wc(w), Bc(b), Cc(c);
  Xc.set_requires_grad(false);
  Cc.set_requires_grad(false);
  const Tensor<double> product = matmul(Xc, Wc);
  BOOST_TEST(product.requires_grad());
  BOOST_TEST(!(matmul(Xc, transpose(Xc)) * 2.0).requires_grad());  // constants only: a constant
  loss_of(Xc, Wc, Bc, Cc).backward();
  BOOST_TEST((Wc.grad() == W.grad()));
  BOOST_TEST((Bc.grad() == B.grad()));
  BOOST_TEST(Xc.grad().size() == 0u);
  BOOST_TEST(Cc.grad().size() == 0u);
  BOOST_TEST(X.grad().size() == x.size());

  // Ops on constants only are constants; a loss of constants only cannot be back-propagated.
  const Tensor<double> constant_only = sum(Xc);
  BOOST_TEST(!constant_only.requires_grad());
  check_error_message([&] { constant_only.backward(); },
                      "backward: the loss depends on no tensor that requires a gradient (all are constants)");
  check_error_message([&] { Tensor<double>(product).set_requires_grad(false); },
                      "set_requires_grad: only leaves can be made constants; this tensor is made by matmul and follows "
                      "its operands");
}

BOOST_AUTO_TEST_CASE(cleared_gradients_are_written_afresh_and_kept_ones_accumulate) {
  // W's only consumer is a product, so backward() lets that gemm overwrite W's gradient
  // (beta = 0) when there is nothing to keep -- and add to it (beta = 1) when there is.
  const auto x = random_array<double>(3, 4, 31), w = random_array<double>(4, 2, 32);
  Tensor<double> X(x), W(w);
  X.set_requires_grad(false);
  const Tensor<double> loss = sum(tanh(matmul(X, W)));
  loss.backward();
  const xt::xtensor<double, 2> once = W.grad();
  loss.backward();
  BOOST_TEST((W.grad() == 2.0 * once));  // kept: accumulated
  W.zero_grad();
  BOOST_TEST(W.grad().size() == 0u);
  loss.backward();
  BOOST_TEST((W.grad() == once));  // cleared: written afresh
  // Two consumers (W in two products): zeroed, then both add.
  Tensor<double> W2(w);
  sum(matmul(X, W2) + matmul(X, W2)).backward();
  Tensor<double> W1(w);
  sum(matmul(X, W1)).backward();
  BOOST_TEST((W2.grad() == 2.0 * W1.grad()));
}

BOOST_AUTO_TEST_CASE(fused_bias_activations_equal_the_two_ops) {
  using Fn = Tensor<float> (*)(const Tensor<float>&, const Tensor<float>&);
  using Unary = Tensor<float> (*)(const Tensor<float>&);
  const std::vector<std::pair<Fn, Unary>> pairs = {{&tensor::bias_tanh<float>, &tensor::tanh<float>},
                                                   {&tensor::bias_relu<float>, &tensor::relu<float>},
                                                   {&tensor::bias_sigmoid<float>, &tensor::sigmoid<float>}};
  for (const auto& [fused, activation] : pairs) {
    // 64 x 128: rows a multiple of the vector width, so the very same float operations.
    const auto x = random_array<float>(64, 30, 41), w = random_array<float>(30, 128, 42),
               b = random_array<float>(1, 128, 43), c = random_array<float>(64, 128, 44);
    Tensor<float> X(x), W1(w), B1(b), W2(w), B2(b), C(c);
    X.set_requires_grad(false);
    C.set_requires_grad(false);
    const Tensor<float> one = fused(matmul(X, W1), B1), two = activation(matmul(X, W2) + B2);
    BOOST_TEST((one.data() == two.data()));
    sum(one * C).backward();
    sum(two * C).backward();
    BOOST_TEST((W1.grad() == W2.grad()));
    BOOST_TEST((B1.grad() == B2.grad()));
  }
  check_error_message([] { tensor::bias_tanh(Tensor<double>::zeros(3, 4), Tensor<double>::zeros(3, 4)); },
                      "bias_tanh: bias (3x4) for (3x4): need a (1x4) row");
}

BOOST_AUTO_TEST_CASE(fused_ops_on_leaves_accumulate_like_the_two_ops) {
  // z a leaf: its gradient accumulates across backward() calls, and must not leak into the bias's.
  const auto z = random_array<double>(3, 4, 51), b = random_array<double>(1, 4, 52);
  Tensor<double> Z1(z), B1(b), Z2(z), B2(b);
  const Tensor<double> fused = sum(tensor::bias_tanh(Z1, B1)), unfused = sum(tanh(Z2 + B2));
  for (int call = 0; call < 3; ++call) {
    fused.backward();
    unfused.backward();
  }
  for (std::size_t j = 0; j < 4; ++j) {
    BOOST_TEST(B1.grad()(0, j) == B2.grad()(0, j), boost::test_tools::tolerance(1e-12));
    BOOST_TEST(Z1.grad()(1, j) == Z2.grad()(1, j), boost::test_tools::tolerance(1e-12));
  }
}

BOOST_AUTO_TEST_CASE(leaves_made_constant_after_the_graph_was_built) {
  // backward() follows the leaves as they are when it runs, not as they were when ops ran.
  Tensor<double> w({{0.5, -1.0}}), x({{2.0, 3.0}});
  const Tensor<double> loss = sum(exp(w) * x);
  w.set_requires_grad(false);
  loss.backward();
  BOOST_TEST(w.grad().size() == 0u);
  BOOST_TEST(x.grad()(0, 0) == std::exp(0.5));
  w.set_requires_grad(true);
  x.set_requires_grad(false);
  loss.backward();
  BOOST_TEST(w.grad()(0, 1) == std::exp(-1.0) * 3.0);
}

BOOST_AUTO_TEST_CASE(long_chain_is_sorted_and_freed_without_recursion) {
  // Registered with a 1 MiB stack like the scalar engine's deep-graph tests.
  Tensor<double> x({{0.5, 1.0}});
  {
    Tensor<double> y = x;
    for (int i = 0; i < 200'000; ++i) y = y + x;
    const Tensor<double> loss = sum(y);
    loss.backward();
    BOOST_TEST(x.grad()(0, 0) == 200'001.0);
  }
  BOOST_TEST(x.data()(0, 1) == 1.0);
}

BOOST_AUTO_TEST_CASE(long_chains_with_shared_inputs_are_freed_without_recursion) {
  // Each node uses the previous one twice, directly or through another node: destroying the
  // chain must not recurse through the second reference either.
  {
    Tensor<double> y({{0.5}});
    for (int i = 0; i < 200'000; ++i) y = y + tanh(y) * 0.0;
    BOOST_TEST(y.data()(0, 0) == 0.5);
  }
  {
    Tensor<double> y({{1.0}});
    for (int i = 0; i < 200'000; ++i) y = y * y;
    BOOST_TEST(y.data()(0, 0) == 1.0);
  }
}

BOOST_AUTO_TEST_CASE(dot_shows_ops_labels_and_shapes) {
  Tensor<float> x = Tensor<float>::zeros(64, 784), w = Tensor<float>::zeros(784, 10);
  x.set_label("X");
  w.set_label("W");
  const Tensor<float> y = matmul(x, w);
  std::ostringstream out;
  tensor::write_dot(y, out);
  const std::string dot = out.str();
  BOOST_TEST(dot.find("n0 [label=\"X | (64x784)\"]") != std::string::npos, dot);
  BOOST_TEST(dot.find("n2 [label=\"matmul | (64x10)\"]") != std::string::npos, dot);
  BOOST_TEST(dot.find("n0 -> n2;") != std::string::npos, dot);
  BOOST_TEST(dot.find("n1 -> n2;") != std::string::npos, dot);
}

// After keep_freed_arrays_in_process(), a freed array's memory serves the next one: making a
// 21 MB result again takes no fresh pages. (With glibc's defaults an array this size gets fresh
// pages each time, about 5,100 page faults; the sanitizers' allocators hold freed memory back on
// purpose.)
BOOST_AUTO_TEST_CASE(freed_arrays_are_reused_without_page_faults) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  BOOST_TEST_MESSAGE("skipped under a sanitizer's allocator");
#else
  tensor::keep_freed_arrays_in_process();
  const auto minor_faults = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
  };
  const tensor::Tensor<float> x(xt::xtensor<float, 2>(xt::zeros<float>({2560, 2048})));
  { const tensor::Tensor<float> first = tanh(x); }
  const long before = minor_faults();
  { const tensor::Tensor<float> again = tanh(x); }
  BOOST_TEST(minor_faults() - before < 100);
#endif
}

BOOST_AUTO_TEST_SUITE_END()
