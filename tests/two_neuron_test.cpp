// The lecture's two-neuron example: backward() against the chain rule worked out by hand, and
// gradient descent reaching the least-squares line and no lower.

#include <boost/test/unit_test.hpp>

#include "finite_difference.hpp"
#include "two_neuron_model.hpp"

BOOST_AUTO_TEST_SUITE(two_neuron)

BOOST_AUTO_TEST_CASE(backward_matches_hand_derived_gradients) {
  const lecture::Samples samples = lecture::quadratic_samples();
  for (std::uint64_t seed : {1u, 42u, 2024u}) {
    const lecture::NeuronChain chain = lecture::NeuronChain::random(seed, false);
    lecture::mse(chain, samples).backward();
    const lecture::ChainGradients by_hand = lecture::hand_derived_gradients(chain, samples);
    BOOST_TEST(testing::close(chain.w1.grad(), by_hand.w1, 1e-13), "seed " << seed);
    BOOST_TEST(testing::close(chain.b1.grad(), by_hand.b1, 1e-13), "seed " << seed);
    BOOST_TEST(testing::close(chain.w2.grad(), by_hand.w2, 1e-13), "seed " << seed);
    BOOST_TEST(testing::close(chain.b2.grad(), by_hand.b2, 1e-13), "seed " << seed);
  }
}

BOOST_AUTO_TEST_CASE(least_squares_line_is_5x_plus_five_thirds) {
  const lecture::Line line = lecture::least_squares_line(lecture::quadratic_samples());
  BOOST_TEST(line.slope == 5.0, boost::test_tools::tolerance(1e-14));
  BOOST_TEST(line.intercept == 5.0 / 3.0, boost::test_tools::tolerance(1e-14));
}

BOOST_AUTO_TEST_CASE(linear_chain_converges_to_the_best_line_and_no_lower) {
  const lecture::Samples samples = lecture::quadratic_samples();
  lecture::NeuronChain chain = lecture::NeuronChain::random(42, false);
  const double loss = lecture::train(chain, samples, 0.02, 5000);
  BOOST_TEST(std::abs(loss - 2.0 / 9.0) < 1e-6, "loss " << loss);
  const double slope = chain.w2.data() * chain.w1.data();
  const double intercept = chain.w2.data() * chain.b1.data() + chain.b2.data();
  BOOST_TEST(std::abs(slope - 5.0) < 1e-4, "slope " << slope);
  BOOST_TEST(std::abs(intercept - 5.0 / 3.0) < 1e-4, "intercept " << intercept);
}

BOOST_AUTO_TEST_CASE(tanh_models_fit_below_the_linear_limit) {
  const lecture::Samples samples = lecture::quadratic_samples();
  lecture::NeuronChain chain = lecture::NeuronChain::random(42, true);
  BOOST_TEST(lecture::train(chain, samples, 0.02, 5000) < 0.01);
  lecture::TanhNetwork network = lecture::TanhNetwork::random(42, 4);
  BOOST_TEST(lecture::train(network, samples, 0.05, 5000) < 0.01);
}

BOOST_AUTO_TEST_SUITE_END()
