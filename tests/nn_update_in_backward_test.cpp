// Plain SGD folded into backward() (Optimizer::set_update_in_backward, Tensor::
// fold_descent_into_backward): the weights end where the unfolded steps take them, every other
// gradient is the same to the bit, only a product's single right operand descends, and a
// parameter made non-finite is caught within the update's own pass.

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <vector>

#include "nn/training.hpp"
#include "tensor/array_loops.hpp"

using autograd::Matrix;
using TensorD = tensor::Tensor<double>;
using TensorF = tensor::Tensor<float>;

namespace {

const nn::Architecture architecture = nn::Architecture::classifier(6, {8, 5}, 3, nn::Activation::tanh);
constexpr std::size_t samples = 40, batch_size = 8;

// Sample s of a small synthetic data set: 6 inputs, one of 3 classes.
template <class M>
nn::LabelledBatch<M> batch_of(std::size_t begin, std::size_t end, double scale = 1.0) {
  nn::LabelledBatch<M> batch;
  batch.inputs = nn::build<M>(end - begin, 6, [&](std::size_t i, std::size_t j) {
    return scale * std::sin(1.0 + 0.37 * static_cast<double>(begin + i) + 0.61 * static_cast<double>(j));
  });
  batch.inputs.set_requires_grad(false);
  for (std::size_t s = begin; s < end; ++s) batch.labels.push_back(static_cast<std::int32_t>(s * 7 % 3));
  return batch;
}

// Whether parameter k is a weight matrix (which plain SGD folds), not a bias.
bool is_weight(const std::vector<std::string>& names, std::size_t k) {
  return names[k].find("weight") != std::string::npos;
}

// Two epochs of nn::train_batches, which folds plain SGD's weight steps into backward(): after
// every batch, each weight matrix of the tensor engine has taken its step there and kept no
// gradient, and each bias has a gradient.
template <class M>
std::vector<std::vector<double>> trained_with_train_batches(double rate) {
  const nn::MLP<M> model(architecture, 3);
  nn::SGD<M> sgd(model.parameters(), rate);
  const std::vector<M> params = model.parameters();
  const std::vector<std::string> names = model.parameter_names();
  std::size_t folded = 0;
  for (int epoch = 0; epoch < 2; ++epoch) {
    nn::train_batches(
        model, sgd, samples, batch_size, 0, [](std::size_t begin, std::size_t end) { return batch_of<M>(begin, end); },
        [&](std::size_t, std::size_t) {
          for (std::size_t k = 0; k < params.size(); ++k) {
            folded += nn::Engine<M>::descent_folded(params[k]);
            if (!std::is_same_v<M, Matrix>) BOOST_TEST(nn::Engine<M>::descent_folded(params[k]) == is_weight(names, k));
          }
          return true;
        });
  }
  // 10 batches, 3 weight matrices each: all folded on the tensor engine, none on the scalar one.
  BOOST_TEST(folded == (std::is_same_v<M, Matrix> ? 0u : 30u));
  std::vector<std::vector<double>> values;
  for (const M& p : model.parameters()) values.push_back(nn::values_of(p));
  return values;
}

// The same steps written out, nothing folded: zero_grad, forward, backward, step.
template <class M>
std::vector<std::vector<double>> trained_step_by_step(double rate) {
  const nn::MLP<M> model(architecture, 3);
  nn::SGD<M> sgd(model.parameters(), rate);
  for (int epoch = 0; epoch < 2; ++epoch) {
    for (std::size_t begin = 0; begin < samples; begin += batch_size) {
      sgd.zero_grad();
      const nn::LabelledBatch<M> batch = batch_of<M>(begin, begin + batch_size);
      cross_entropy(model.logits(batch.inputs), batch.labels).backward();
      sgd.step();
      for (const M& p : model.parameters()) BOOST_TEST(!nn::Engine<M>::descent_folded(p));
    }
  }
  std::vector<std::vector<double>> values;
  for (const M& p : model.parameters()) values.push_back(nn::values_of(p));
  return values;
}

// The largest difference between two sets of parameters, relative to each value's size (at
// least 1).
double largest_relative_difference(const std::vector<std::vector<double>>& a,
                                   const std::vector<std::vector<double>>& b) {
  double largest = 0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    for (std::size_t i = 0; i < a[k].size(); ++i) {
      largest = std::max(largest, std::abs(a[k][i] - b[k][i]) / std::max(1.0, std::abs(b[k][i])));
    }
  }
  return largest;
}

// A 4 x 6 batch through a 6-5-3 network written out: (tanh(x W1 + b1)) W2 + b2, with W1 and
// W2 the products' right operands.
struct SmallNetwork {
  TensorD w1 = nn::build<TensorD>(6, 5, [](std::size_t i, std::size_t j) { return 0.3 * std::cos(1.0 + i + 2.0 * j); });
  TensorD b1 = nn::build<TensorD>(1, 5, [](std::size_t, std::size_t j) { return 0.1 * static_cast<double>(j); });
  TensorD w2 = nn::build<TensorD>(5, 3, [](std::size_t i, std::size_t j) { return 0.4 * std::sin(2.0 + i - 1.5 * j); });
  TensorD b2 = nn::build<TensorD>(1, 3, [](std::size_t, std::size_t j) { return -0.2 * static_cast<double>(j); });

  TensorD loss() const {
    const nn::LabelledBatch<TensorD> batch = batch_of<TensorD>(0, 4);
    return cross_entropy(matmul(tanh(matmul(batch.inputs, w1) + b1), w2) + b2, batch.labels);
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(update_in_backward)

BOOST_AUTO_TEST_CASE(train_batches_folds_plain_sgd_and_ends_where_the_unfolded_steps_end) {
  // Ten steps of 8 samples each way. The folded step rounds lr * gradient once, as the
  // unfolded one does; they may differ only where a BLAS kernel fuses that multiply with the
  // add, by an ulp per step.
  const double in_double =
      largest_relative_difference(trained_with_train_batches<TensorD>(0.5), trained_step_by_step<TensorD>(0.5));
  BOOST_TEST(in_double < 1e-14);
  const double in_float =
      largest_relative_difference(trained_with_train_batches<TensorF>(0.5), trained_step_by_step<TensorF>(0.5));
  BOOST_TEST(in_float < 1e-5);
  // And both moved away from the start: the comparison is not of two untrained models.
  const nn::MLP<TensorD> untrained(architecture, 3);
  std::vector<std::vector<double>> start;
  for (const TensorD& p : untrained.parameters()) start.push_back(nn::values_of(p));
  BOOST_TEST(largest_relative_difference(trained_step_by_step<TensorD>(0.5), start) > 1e-2);
  // The scalar engine folds nothing and takes the same steps.
  BOOST_TEST(largest_relative_difference(trained_with_train_batches<Matrix>(0.5), trained_step_by_step<TensorD>(0.5)) <
             1e-12);
}

BOOST_AUTO_TEST_CASE(the_weights_descend_inside_backward_and_the_biases_in_step) {
  const nn::MLP<TensorD> model(architecture, 3);
  nn::SGD<TensorD> sgd(model.parameters(), 0.5);
  sgd.set_update_in_backward(true);
  sgd.zero_grad();
  const nn::LabelledBatch<TensorD> batch = batch_of<TensorD>(0, batch_size);
  const std::vector<TensorD> params = model.parameters();
  const std::vector<std::string> names = model.parameter_names();
  const std::vector<double> first_weights = nn::values_of(params[0]);
  cross_entropy(model.logits(batch.inputs), batch.labels).backward();
  for (std::size_t k = 0; k < params.size(); ++k) {
    BOOST_TEST(params[k].descent_folded() == is_weight(names, k), names[k]);
    BOOST_TEST((params[k].grad().size() == 0) == is_weight(names, k), names[k] << ": a gradient kept or missing");
  }
  BOOST_TEST(nn::values_of(params[0]) != first_weights, "backward() left the weights where they were");
  BOOST_TEST(sgd.step());
  // zero_grad() clears the mark; the next backward() folds only if armed again.
  sgd.set_update_in_backward(false);
  sgd.zero_grad();
  BOOST_TEST(!params[0].descent_folded());
  const std::vector<double> before = nn::values_of(params[0]);
  cross_entropy(model.logits(batch.inputs), batch.labels).backward();
  BOOST_TEST(!params[0].descent_folded());
  BOOST_TEST((nn::values_of(params[0]) == before));
  BOOST_TEST(params[0].grad().size() == params[0].size());
}

BOOST_AUTO_TEST_CASE(a_folded_step_leaves_every_other_gradient_exact) {
  const double rate = 0.25;
  SmallNetwork unfolded, folded;
  unfolded.loss().backward();
  folded.w2.fold_descent_into_backward(rate);  // W2's step is taken inside backward()
  folded.loss().backward();
  // W1, b1 and b2 need W2's old values (W1's and b1's through dH = dZ W2^T): to the bit.
  BOOST_TEST((nn::gradients_of(folded.w1) == nn::gradients_of(unfolded.w1)));
  BOOST_TEST((nn::gradients_of(folded.b1) == nn::gradients_of(unfolded.b1)));
  BOOST_TEST((nn::gradients_of(folded.b2) == nn::gradients_of(unfolded.b2)));
  BOOST_TEST(folded.w2.descent_folded());
  const std::vector<double> start = nn::values_of(unfolded.w2), gradient = nn::gradients_of(unfolded.w2),
                            after = nn::values_of(folded.w2);
  for (std::size_t i = 0; i < start.size(); ++i) {
    BOOST_TEST(after[i] == start[i] - rate * gradient[i], boost::test_tools::tolerance(1e-15));
    BOOST_TEST(gradient[i] != 0.0);
  }
  // Armed for one backward() only.
  folded.w2.zero_grad();
  folded.loss().backward();
  BOOST_TEST(!folded.w2.descent_folded());
  BOOST_TEST((nn::values_of(folded.w2) == after));
}

BOOST_AUTO_TEST_CASE(only_a_single_products_right_operand_descends) {
  const TensorD x({{1.0, 2.0}, {-1.0, 0.5}});
  // Arms a fresh W (after `before`, which may run a backward() of its own), back-propagates
  // loss(W), and checks that W kept its values and got its gradient instead.
  const auto expect_untouched = [](const char* what, const auto& loss, const auto& before) {
    const TensorD w({{0.5, -1.0}, {2.0, 0.25}});
    before(w);
    const std::vector<double> start = nn::values_of(w);
    w.fold_descent_into_backward(0.1);
    loss(w).backward();
    BOOST_TEST(!w.descent_folded(), what);
    BOOST_TEST((nn::values_of(w) == start), what);
    BOOST_TEST(w.grad().size() == w.size(), what);
  };
  const auto nothing = [](const TensorD&) {};
  expect_untouched(
      "two products read W: its gradient sums both",
      [&](const TensorD& w) { return sum(matmul(x, w) + matmul(x * 2.0, w)); }, nothing);
  expect_untouched(
      "W on the left of its product", [&](const TensorD& w) { return sum(matmul(w, x)); }, nothing);
  expect_untouched(
      "W as both operands", [&](const TensorD& w) { return sum(matmul(w, w)); }, nothing);
  expect_untouched(
      "W read by an op that is not a product", [&](const TensorD& w) { return sum(x * w); }, nothing);
  expect_untouched(
      "a gradient kept from an earlier backward() accumulates", [&](const TensorD& w) { return sum(matmul(x, w)); },
      [&](const TensorD& w) { sum(matmul(x, w)).backward(); });
  BOOST_CHECK_THROW((x + x).fold_descent_into_backward(0.1), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(an_arm_ends_with_the_step_and_the_step_keeps_the_armed_rate) {
  const double rate = 0.25;
  SmallNetwork reference, network;
  reference.loss().backward();
  const std::vector<double> w2_gradient = nn::gradients_of(reference.w2), b2_gradient = nn::gradients_of(reference.b2);
  const TensorD unused = nn::build<TensorD>(2, 2, [](std::size_t i, std::size_t j) { return 1.0 + i + j; });
  nn::SGD<TensorD> sgd({network.w1, network.b1, network.w2, network.b2, unused}, rate);
  sgd.set_update_in_backward(true);
  sgd.zero_grad();
  sgd.learning_rate = 100.0;  // too late for this step: the weights were armed at 0.25
  network.loss().backward();
  BOOST_TEST(sgd.step());
  const std::vector<double> w2_start = nn::values_of(reference.w2), b2_start = nn::values_of(reference.b2);
  const std::vector<double> w2 = nn::values_of(network.w2), b2 = nn::values_of(network.b2);
  for (std::size_t i = 0; i < w2.size(); ++i) {
    BOOST_TEST(w2[i] == w2_start[i] - rate * w2_gradient[i], boost::test_tools::tolerance(1e-15));
  }
  for (std::size_t i = 0; i < b2.size(); ++i) {
    BOOST_TEST(b2[i] == b2_start[i] - rate * b2_gradient[i], boost::test_tools::tolerance(1e-15));
  }
  // `unused` was armed but no backward() reached it: the step disarmed it, so a later backward()
  // through it computes its gradient and leaves it where it is.
  const std::vector<double> unused_start = nn::values_of(unused);
  sum(matmul(TensorD({{1.0, 2.0}}), unused)).backward();
  BOOST_TEST(!unused.descent_folded());
  BOOST_TEST((nn::values_of(unused) == unused_start));
  BOOST_TEST((nn::gradients_of(unused) == std::vector<double>{1.0, 1.0, 2.0, 2.0}));
}

BOOST_AUTO_TEST_CASE(a_second_backward_before_the_step_adds_its_gradient_to_the_folded_weight) {
  // Two backward() calls between zero_grad() and step() (gradient accumulation): the first
  // folds W2's step; the second, unarmed, computes W2's gradient, which step() then applies.
  const double rate = 0.25;
  SmallNetwork network;
  const std::vector<double> start = nn::values_of(network.w2);
  nn::SGD<TensorD> sgd({network.w1, network.b1, network.w2, network.b2}, rate);
  sgd.set_update_in_backward(true);
  sgd.zero_grad();
  network.loss().backward();
  const std::vector<double> after_first = nn::values_of(network.w2);
  network.loss().backward();
  BOOST_TEST(!network.w2.descent_folded());
  const std::vector<double> second_gradient = nn::gradients_of(network.w2);
  BOOST_TEST(sgd.step());
  const std::vector<double> end = nn::values_of(network.w2);
  for (std::size_t i = 0; i < end.size(); ++i) {
    BOOST_TEST(after_first[i] != start[i]);
    BOOST_TEST(end[i] == after_first[i] - rate * second_gradient[i], boost::test_tools::tolerance(1e-15));
  }
}

// Many chunks, the bad element in a late one; each pass still updates everything.
template <class T>
void check_update_passes_report_non_finite() {
  const std::size_t count = 100003;
  for (T bad : {std::numeric_limits<T>::quiet_NaN(), std::numeric_limits<T>::infinity()}) {
    std::vector<T> p(count, T(1)), g(count, T(0.5)), velocity(count, T(0)), m(count, T(0)), v(count, T(0));
    BOOST_TEST(tensor::sgd_update(p.data(), g.data(), velocity.data(), count, T(0.1), T(0), T(0)));
    BOOST_TEST(p[count - 1] == T(1) - T(0.1) * T(0.5));
    g[90001] = bad;
    BOOST_TEST(!tensor::sgd_update(p.data(), g.data(), velocity.data(), count, T(0.1), T(0.9), T(0)));
    const auto step = tensor::adam_step<T>(0.01, 0.9, 0.999, 1e-8, 0.0, 1);
    std::vector<T> q(count, T(1));  // finite parameters: only the gradient is bad
    BOOST_TEST(!tensor::adam_update(q.data(), g.data(), m.data(), v.data(), count, step));
    g[90001] = T(0.5);
    std::vector<T> r(count, T(1)), mr(count, T(0)), vr(count, T(0));
    BOOST_TEST(tensor::adam_update(r.data(), g.data(), mr.data(), vr.data(), count, step));
  }
}

BOOST_AUTO_TEST_CASE(the_update_passes_report_a_parameter_made_non_finite) {
  check_update_passes_report_non_finite<float>();
  check_update_passes_report_non_finite<double>();
  // A step that overflows with finite gradients.
  std::vector<float> p(10, 3e38F), g(10, -1.0F);
  BOOST_TEST(!tensor::sgd_update<float>(p.data(), g.data(), nullptr, 10, 1e38F, 0.0F, 0.0F));
  // The scalar engine.
  Matrix w(1, 2, {1.0, 2.0});
  w.values()[1].node()->grad = std::numeric_limits<double>::infinity();
  BOOST_TEST(!nn::SGD<Matrix>({w}, 0.1).step());
}

BOOST_AUTO_TEST_CASE(train_batches_names_the_parameter_a_step_made_non_finite) {
  // Inputs of 1e36 and a rate of 1e4: the loss and every gradient are finite (floats reach
  // 3.4e38), but the SGD steps overflow. Plain SGD folds that step into backward(), momentum
  // takes it in its update pass; Adam, whose steps are about its rate whatever the gradient,
  // gets a rate of 1e39, infinite in float. All three are caught in their update.
  const auto huge_batch = [](std::size_t begin, std::size_t end) { return batch_of<TensorF>(begin, end, 1e36); };
  const auto expect_caught = [&](nn::Optimizer<TensorF>& optimizer, const nn::MLP<TensorF>& model) {
    try {
      nn::train_batches(model, optimizer, samples, batch_size, 0, huge_batch);
      BOOST_ERROR("training went on with a non-finite parameter");
    } catch (const nn::NonFiniteLoss& error) {
      const std::string message = error.what();
      BOOST_TEST(message.find("layers.0.weight is not finite after the update at batch 1 of 5") == 0, message);
    }
  };
  const nn::Architecture relu = nn::Architecture::classifier(6, {8}, 3, nn::Activation::relu);
  {
    const nn::MLP<TensorF> model(relu, 3);
    nn::SGD<TensorF> sgd(model.parameters(), 1e4);
    expect_caught(sgd, model);
    BOOST_TEST(!sgd.update_in_backward(), "train_batches left update_in_backward on");
  }
  {
    const nn::MLP<TensorF> model(relu, 3);
    nn::SGD<TensorF> momentum(model.parameters(), 1e4, 0.9);
    expect_caught(momentum, model);
  }
  {
    const nn::MLP<TensorF> model(relu, 3);
    nn::Adam<TensorF> adam(model.parameters(), 1e39);
    expect_caught(adam, model);
  }
}

BOOST_AUTO_TEST_SUITE_END()
