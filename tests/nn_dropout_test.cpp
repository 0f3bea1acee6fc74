// Inverted dropout: the mask drops the asked fraction and rescales the rest so the mean is
// kept; the masks come from the seed; the gradient through a fixed mask agrees between the
// scalar and tensor engines and with central differences; evaluation and model files do not
// see it.

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "io/file_io.hpp"
#include "io/model_file.hpp"
#include "nn/training.hpp"

using autograd::Matrix;
using TensorD = tensor::Tensor<double>;
using TensorF = tensor::Tensor<float>;

namespace {

const nn::Architecture architecture = nn::Architecture::classifier(6, {8, 5}, 3, nn::Activation::tanh);

// A 4 x 6 input batch and its labels.
template <class M>
M inputs() {
  return nn::build<M>(4, 6, [](std::size_t i, std::size_t j) { return std::sin(1.0 + 0.7 * i + 0.3 * j); });
}
const std::vector<std::int32_t> labels = {0, 2, 1, 2};

// The training loss with dropout, the masks drawn from seed 11.
template <class M>
M training_loss(const nn::MLP<M>& model) {
  nn::Rng rng(11);
  return cross_entropy(model.training_logits(inputs<M>(), rng), labels);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dropout)

BOOST_AUTO_TEST_CASE(the_mask_drops_the_rate_and_keeps_the_mean) {
  for (double rate : {0.1, 0.3, 0.5, 0.8}) {
    nn::Rng rng(5);
    const std::vector<double> mask = nn::dropout_mask(300, 400, rate, rng);
    std::size_t dropped = 0;
    for (double m : mask) {
      dropped += m == 0.0;
      BOOST_TEST((m == 0.0 || std::abs(m - 1.0 / (1.0 - rate)) < 1e-15), "a mask element is " << m);
    }
    // 120,000 draws: the fraction's standard deviation is at most 0.0015.
    const double fraction = static_cast<double>(dropped) / static_cast<double>(mask.size());
    BOOST_TEST(std::abs(fraction - rate) < 0.008, "rate " << rate << " dropped " << fraction);
    // The expected activation is kept: x times the mask has x's mean.
    const TensorD x = nn::build<TensorD>(300, 400, [](std::size_t i, std::size_t j) { return 1.0 + 0.001 * (i + j); });
    const TensorD y = nn::apply_mask(x, mask);
    const double mean_x = tensor::sum(x).item() / 120000.0, mean_y = tensor::sum(y).item() / 120000.0;
    BOOST_TEST(std::abs(mean_y - mean_x) < 0.03 * mean_x, "rate " << rate << ": mean " << mean_x << " -> " << mean_y);
  }
}

BOOST_AUTO_TEST_CASE(masks_come_from_the_seed) {
  nn::Rng a(3), b(3), c(4);
  const std::vector<double> first = nn::dropout_mask(16, 16, 0.5, a);
  BOOST_TEST(first == nn::dropout_mask(16, 16, 0.5, b));
  BOOST_TEST(first != nn::dropout_mask(16, 16, 0.5, c));
  BOOST_TEST(first != nn::dropout_mask(16, 16, 0.5, a), "the next mask from the same generator is a new one");
  nn::Rng d(3);
  const TensorD x = inputs<TensorD>();
  BOOST_TEST(nn::values_of(nn::dropout(x, 0.0, d)) == nn::values_of(x));
  BOOST_TEST(nn::dropout_mask(16, 16, 0.5, d) == first, "rate 0 drew nothing from the generator");
  nn::Rng e(3);
  BOOST_CHECK_THROW(nn::dropout_mask(2, 2, 1.0, e), std::invalid_argument);
  BOOST_CHECK_THROW(nn::dropout_mask(2, 2, -0.1, e), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(gradients_through_a_fixed_mask_agree_across_engines_and_with_differences) {
  nn::MLP<Matrix> scalar(architecture, 9);
  nn::MLP<TensorD> tensor_double(architecture, 9);
  nn::MLP<TensorF> tensor_float(architecture, 9);
  scalar.set_dropout({0.5, 0.25});
  tensor_double.set_dropout({0.5, 0.25});
  tensor_float.set_dropout({0.5, 0.25});
  const Matrix loss_s = training_loss(scalar);
  const TensorD loss_d = training_loss(tensor_double);
  const TensorF loss_f = training_loss(tensor_float);
  loss_s.backward();
  loss_d.backward();
  loss_f.backward();
  BOOST_TEST(std::abs(loss_s.item() - loss_d.item()) <= 1e-12);
  BOOST_TEST(std::abs(loss_s.item() - static_cast<double>(loss_f.item())) <= 1e-5);
  // Dropout changed the loss: the masks were applied.
  BOOST_TEST(std::abs(loss_s.item() - cross_entropy(scalar.logits(inputs<Matrix>()), labels).item()) > 1e-3);

  const std::vector<Matrix> ps = scalar.parameters();
  const std::vector<TensorD> pd = tensor_double.parameters();
  const std::vector<TensorF> pf = tensor_float.parameters();
  for (std::size_t k = 0; k < ps.size(); ++k) {
    const std::vector<double> gs = nn::gradients_of(ps[k]), gd = nn::gradients_of(pd[k]), gf = nn::gradients_of(pf[k]);
    for (std::size_t i = 0; i < gs.size(); ++i) {
      BOOST_TEST(std::abs(gs[i] - gd[i]) <= 1e-12, "parameter " << k << " element " << i);
      BOOST_TEST(std::abs(gs[i] - gf[i]) <= 2e-5, "parameter " << k << " element " << i);
    }
    // Central differences on the scalar engine, the same masks drawn each time.
    for (std::size_t i = 0; i < gs.size(); ++i) {
      autograd::Node* node = ps[k].values()[i].node();
      const double saved = node->data, h = 1e-6;
      node->data = saved + h;
      const double up = training_loss(scalar).item();
      node->data = saved - h;
      const double down = training_loss(scalar).item();
      node->data = saved;
      BOOST_TEST(std::abs((up - down) / (2 * h) - gs[i]) <= 1e-7, "parameter " << k << " element " << i);
    }
  }
}

BOOST_AUTO_TEST_CASE(evaluation_and_model_files_do_not_see_dropout) {
  nn::MLP<TensorD> plain(architecture, 9);
  nn::MLP<TensorD> with_dropout(architecture, 9);
  with_dropout.set_dropout({0.5, 0.5});
  BOOST_TEST(nn::values_of(plain.logits(inputs<TensorD>())) == nn::values_of(with_dropout.logits(inputs<TensorD>())));
  nn::Rng rng(1);
  BOOST_TEST(nn::values_of(plain.training_logits(inputs<TensorD>(), rng)) ==
             nn::values_of(plain.logits(inputs<TensorD>())));
  BOOST_CHECK_THROW(with_dropout.set_dropout({0.5}), std::invalid_argument);
  BOOST_CHECK_THROW(with_dropout.set_dropout({0.5, 1.0}), std::invalid_argument);
  BOOST_CHECK_NO_THROW(with_dropout.set_dropout({}));

  with_dropout.set_dropout({0.5, 0.5});
  const std::string plain_path = "nn_dropout_test_plain.safetensors",
                    dropout_path = "nn_dropout_test_dropout.safetensors";
  io::save_model(plain_path, plain, nn::Normalisation{});
  io::save_model(dropout_path, with_dropout, nn::Normalisation{});
  BOOST_TEST(io::read_file(plain_path) == io::read_file(dropout_path), "a model file records nothing of dropout");
  std::remove(plain_path.c_str());
  std::remove(dropout_path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
