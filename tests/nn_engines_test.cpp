// One network, three engines: the same seed gives the same weights, and a training step on real
// MNIST images gives the same loss, gradients and updated weights on the scalar engine and the
// tensor engine in double (1e-12), and nearly the same in float.

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <vector>

#include "mnist/batches.hpp"
#include "mnist/dataset.hpp"
#include "mnist_data.hpp"
#include "nn/training.hpp"

using autograd::Matrix;
using TensorD = tensor::Tensor<double>;
using TensorF = tensor::Tensor<float>;

namespace {

const nn::Architecture architecture = nn::Architecture::classifier(784, {16}, 10, nn::Activation::tanh);

double largest_difference(const std::vector<double>& a, const std::vector<double>& b, double* largest_value = nullptr) {
  double worst = 0, largest = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(a[i] - b[i]));
    largest = std::max(largest, std::abs(a[i]));
  }
  if (largest_value != nullptr) *largest_value = largest;
  return worst;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(engines)

BOOST_AUTO_TEST_CASE(same_seed_gives_the_same_initial_weights) {
  const nn::MLP<Matrix> scalar(architecture, 42);
  const nn::MLP<TensorD> tensor_double(architecture, 42);
  const nn::MLP<TensorF> tensor_float(architecture, 42);
  const nn::MLP<TensorD> other_seed(architecture, 43);
  const auto ps = scalar.parameters();
  const auto pd = tensor_double.parameters();
  const auto pf = tensor_float.parameters();
  for (std::size_t k = 0; k < ps.size(); ++k) {
    const auto s = nn::values_of(ps[k]);
    const auto d = nn::values_of(pd[k]);
    const auto f = nn::values_of(pf[k]);
    BOOST_TEST(s == d, "parameter " << k << " differs between the scalar and double tensor engines");
    for (std::size_t i = 0; i < s.size(); ++i) BOOST_TEST(f[i] == static_cast<double>(static_cast<float>(s[i])));
  }
  BOOST_TEST(nn::values_of(other_seed.parameters()[0]) != nn::values_of(pd[0]));
}

BOOST_AUTO_TEST_CASE(one_training_step_on_real_images_agrees_across_engines) {
  const mnist::Dataset data = mnist::load_mnist(testing::mnist_dir(), mnist::Split::train, 4);
  const std::vector<std::size_t> order = {0, 1, 2, 3};
  const nn::Normalisation normalisation = mnist::mnist_normalisation;

  nn::MLP<Matrix> scalar(architecture, 7);
  nn::MLP<TensorD> tensor_double(architecture, 7);
  nn::MLP<TensorF> tensor_float(architecture, 7);
  const Matrix loss_s =
      cross_entropy(scalar.logits(mnist::input_batch<Matrix>(data, order, 0, 4, normalisation)), data.labels);
  const TensorD loss_d =
      cross_entropy(tensor_double.logits(mnist::input_batch<TensorD>(data, order, 0, 4, normalisation)), data.labels);
  const TensorF loss_f =
      cross_entropy(tensor_float.logits(mnist::input_batch<TensorF>(data, order, 0, 4, normalisation)), data.labels);
  loss_s.backward();
  loss_d.backward();
  loss_f.backward();

  const double ls = loss_s.item();
  BOOST_TEST(std::isfinite(ls));
  BOOST_TEST(std::abs(ls - loss_d.data()(0, 0)) <= 1e-12, "loss " << ls << " vs " << loss_d.data()(0, 0));
  BOOST_TEST(std::abs(ls - loss_f.data()(0, 0)) <= 1e-5 * ls);

  const auto ps = scalar.parameters();
  const auto pd = tensor_double.parameters();
  const auto pf = tensor_float.parameters();
  const auto names = scalar.parameter_names();
  for (std::size_t k = 0; k < ps.size(); ++k) {
    const auto gs = nn::gradients_of(ps[k]);
    double largest = 0;
    const double double_gap = largest_difference(gs, nn::gradients_of(pd[k]), &largest);
    const double float_gap = largest_difference(gs, nn::gradients_of(pf[k]));
    BOOST_TEST(largest > 0.0, names[k] << " has no gradient");
    BOOST_TEST(double_gap <= 1e-12, names[k] << ": scalar vs double tensor gradient differ by " << double_gap);
    BOOST_TEST(float_gap <= 1e-4 * largest, names[k] << ": scalar vs float tensor gradient differ by " << float_gap);
  }

  // The same update on both: the weights still agree after the step.
  nn::SGD<Matrix>(ps, 0.5).step();
  nn::SGD<TensorD>(pd, 0.5).step();
  for (std::size_t k = 0; k < ps.size(); ++k) {
    const double gap = largest_difference(nn::values_of(ps[k]), nn::values_of(pd[k]));
    BOOST_TEST(gap <= 1e-12, names[k] << " after one step differs by " << gap);
  }
}

BOOST_AUTO_TEST_SUITE_END()
