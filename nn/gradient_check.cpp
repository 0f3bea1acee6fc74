#include "nn/gradient_check.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "nn/engine.hpp"
#include "nn/random.hpp"

namespace nn {
namespace {

using TensorD = tensor::Tensor<double>;
using TensorF = tensor::Tensor<float>;

// The batch every engine sees: the given inputs and classes, or seeded uniform inputs in
// [0, 1) and seeded classes.
struct Batch {
  std::size_t rows = 0, features = 0;
  std::vector<double> x;
  std::vector<std::int32_t> labels;
};

Batch make_batch(const GradientCheckOptions& o) {
  Batch b;
  b.rows = o.batch;
  b.features = o.architecture.sizes.front();
  const std::size_t classes = o.architecture.sizes.back();
  if (!o.inputs.empty()) {
    if (o.inputs.size() != b.rows * b.features || o.labels.size() != b.rows) {
      throw std::invalid_argument(std::to_string(o.inputs.size()) + " inputs and " + std::to_string(o.labels.size()) +
                                  " classes for a batch of " + std::to_string(b.rows) + " with " +
                                  std::to_string(b.features) + " inputs each");
    }
    for (std::int32_t label : o.labels) {
      if (label < 0 || static_cast<std::size_t>(label) >= classes) {
        throw std::invalid_argument("class " + std::to_string(label) + " outside [0, " + std::to_string(classes) + ")");
      }
    }
    b.x = o.inputs;
    b.labels = o.labels;
  } else {
    Rng rng(o.seed + 1000);
    for (std::size_t i = 0; i < b.rows * b.features; ++i) b.x.push_back(rng.uniform());
    for (std::size_t i = 0; i < b.rows; ++i) b.labels.push_back(static_cast<std::int32_t>(rng.below(classes)));
  }
  return b;
}

template <class M>
M loss_of(const MLP<M>& model, const Batch& b, CheckLoss loss) {
  M x(b.rows, b.features, b.x);
  x.set_requires_grad(false);
  if (loss == CheckLoss::cross_entropy) return cross_entropy(model.logits(x), b.labels);
  const std::size_t classes = model.architecture().sizes.back();
  std::vector<double> one_hot(b.rows * classes, 0.0);
  for (std::size_t i = 0; i < b.rows; ++i) one_hot[i * classes + static_cast<std::size_t>(b.labels[i])] = 1.0;
  return mse(model(x), M(b.rows, classes, one_hot));
}

// Compares a with b entry by entry. Relative differences are taken against the larger of the
// two values, but never against less than 1e-3 of the tensor's largest gradient: entries that
// are nearly zero compared with the rest would otherwise turn rounding noise into huge ratios.
void compare(double a, double b, double scale, Difference& d) {
  const double gap = std::abs(a - b);
  d.largest_absolute = std::max(d.largest_absolute, gap);
  const double reference = std::max({std::abs(a), std::abs(b), scale});
  if (reference > 0) d.largest_relative = std::max(d.largest_relative, gap / reference);
}

template <class T>
GradientCheckReport run(const GradientCheckOptions& o) {
  using TensorT = tensor::Tensor<T>;
  const Batch batch = make_batch(o);
  MLP<autograd::Matrix> scalar(o.architecture, o.seed);
  MLP<TensorT> tensor_model(o.architecture, o.seed);
  const autograd::Matrix scalar_loss = loss_of(scalar, batch, o.loss);
  const TensorT tensor_loss = loss_of(tensor_model, batch, o.loss);
  scalar_loss.backward();
  tensor_loss.backward();

  GradientCheckReport report;
  report.scalar_loss = scalar_loss.item();
  report.tensor_loss = tensor_loss.item();
  report.tolerance = o.tolerance > 0 ? o.tolerance : default_tolerance(std::is_same<T, float>::value);

  // Finite differences in double, on a copy of the scalar model's weights.
  MLP<TensorD> reference(o.architecture, o.seed);
  std::vector<TensorD> reference_params = reference.parameters();
  const std::vector<autograd::Matrix> scalar_params = scalar.parameters();
  std::vector<TensorT> tensor_params = tensor_model.parameters();
  const std::vector<std::string> names = scalar.parameter_names();
  Rng pick(o.seed + 2000);

  report.ok = true;
  for (std::size_t k = 0; k < names.size(); ++k) {
    ParameterCheck check;
    check.name = names[k];
    check.rows = scalar_params[k].rows();
    check.cols = scalar_params[k].cols();
    const std::vector<double> gs = gradients_of(scalar_params[k]);
    std::vector<double> gt = gradients_of(tensor_params[k]);
    if (names[k] == o.corrupt_gradient_of) gt[0] += 1.0;
    double scale = 0;
    for (double g : gs) scale = std::max(scale, std::abs(g));
    scale *= 1e-3;
    for (std::size_t i = 0; i < gs.size(); ++i) compare(gs[i], gt[i], scale, check.scalar_vs_tensor);

    // Which entries: all of a small tensor, else a seeded sample.
    std::vector<std::size_t> entries;
    if (gs.size() <= o.difference_samples) {
      for (std::size_t i = 0; i < gs.size(); ++i) entries.push_back(i);
    } else {
      for (std::size_t n = 0; n < o.difference_samples; ++n) entries.push_back(pick.below(gs.size()));
    }
    double* w = reference_params[k].data().data();
    for (std::size_t i : entries) {
      const double original = w[i];
      const double h = 1e-5 * std::max(1.0, std::abs(original));  // balances rounding and truncation
      w[i] = original + h;
      const double up = loss_of(reference, batch, o.loss).item();
      w[i] = original - h;
      const double down = loss_of(reference, batch, o.loss).item();
      w[i] = original;
      const double difference = (up - down) / (2 * h);
      compare(gs[i], difference, scale, check.scalar_vs_differences);
      compare(gt[i], difference, scale, check.tensor_vs_differences);
    }
    check.checked_entries = entries.size();
    check.ok = check.scalar_vs_tensor.within(report.tolerance) &&
               check.scalar_vs_differences.within(report.tolerance) &&
               check.tensor_vs_differences.within(report.tolerance);
    report.ok = report.ok && check.ok;
    report.parameters.push_back(check);
  }
  return report;
}

}  // namespace

double default_tolerance(bool tensor_in_float) { return tensor_in_float ? 2e-3 : 1e-6; }

GradientCheckReport check_gradients(const GradientCheckOptions& options) {
  options.architecture.validate();
  if (options.batch == 0) throw std::invalid_argument("--batch must be at least 1");
  if (options.loss == CheckLoss::cross_entropy && options.architecture.activations.back() != Activation::softmax) {
    throw std::invalid_argument("cross-entropy needs a softmax output layer");
  }
  return options.tensor_in_float ? run<float>(options) : run<double>(options);
}

}  // namespace nn
