// The claims the lecture's layer examples print, on both engines.

#include <boost/test/unit_test.hpp>
#include <cmath>

#include "layer_examples.hpp"

using autograd::Matrix;
using TensorD = tensor::Tensor<double>;

namespace {

template <class M>
void check_adder() {
  const nn::Dense<M> neuron = lecture::train_adder<M>(3, 400);
  for (double w : nn::values_of(neuron.weight)) BOOST_TEST(std::abs(w - 1.0) < 0.05, "weight " << w);
  BOOST_TEST(std::abs(nn::values_of(neuron.bias)[0]) < 0.05);
}

template <class M>
std::vector<double> single_layer_probabilities() {
  const nn::Dense<M> layer = lecture::train_single_layer<M>(4, 200);
  return nn::values_of(layer(M(3, 5, lecture::single_layer_data().x)));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(layer_examples)

BOOST_AUTO_TEST_CASE(adder_neuron_learns_weights_one_and_bias_zero) {
  check_adder<Matrix>();
  check_adder<TensorD>();
  // Few steps are not enough: the claim depends on training.
  const auto untrained = nn::values_of(lecture::train_adder<TensorD>(3, 2).weight);
  BOOST_TEST(std::abs(untrained[0] - 1.0) > 0.05);
}

BOOST_AUTO_TEST_CASE(single_layer_probabilities_sum_to_one_and_pick_the_class) {
  const std::vector<double> scalar = single_layer_probabilities<Matrix>();
  const std::vector<double> tensor = single_layer_probabilities<TensorD>();
  const auto classes = lecture::single_layer_data().classes;
  for (std::size_t i = 0; i < 3; ++i) {
    BOOST_TEST(scalar[2 * i] + scalar[2 * i + 1] == 1.0, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(tensor[2 * i] + tensor[2 * i + 1] == 1.0, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(scalar[2 * i + static_cast<std::size_t>(classes[i])] > 0.9);
    for (std::size_t j = 0; j < 2; ++j) BOOST_TEST(std::abs(scalar[2 * i + j] - tensor[2 * i + j]) < 1e-12);
  }
}

BOOST_AUTO_TEST_SUITE_END()
