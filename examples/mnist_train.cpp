// mnist train: the training loop users run, on any engine.

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/matrix.hpp"
#include "mnist_commands.hpp"
#include "nn/file_io.hpp"
#include "nn/input_error.hpp"
#include "nn/training.hpp"
#include "tensor/threads.hpp"

namespace mnist_tool {
namespace {

// MNIST's own pixel statistics (over the training set, pixels in [0, 1]).
constexpr nn::Normalisation mnist_normalisation{0.1307, 0.3081};
// Test images evaluated per epoch by the scalar engine unless --test-limit says otherwise:
// every image is ~200,000 nodes there.
constexpr std::size_t scalar_default_test_limit = 1000;

struct EpochMetrics {
  int epoch;
  double train_loss, test_loss, test_accuracy, seconds, samples_per_second;
};

void write_metrics(const std::string& path, const std::vector<EpochMetrics>& rows) {
  std::ostringstream csv;
  csv << "epoch,train_loss,test_loss,test_accuracy,seconds,samples_per_second\n";
  for (const EpochMetrics& m : rows) {
    csv << m.epoch << ',' << m.train_loss << ',' << m.test_loss << ',' << m.test_accuracy << ',' << m.seconds << ','
        << m.samples_per_second << '\n';
  }
  const std::string text = csv.str();
  nn::write_file_atomically(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

// "[#######.......]  45%" on stderr, rewritten in place; only when stderr is a terminal.
class ProgressBar {
 public:
  ProgressBar() : enabled_(::isatty(STDERR_FILENO) == 1) {}
  void show(int epoch, std::size_t done, std::size_t total) const {
    if (!enabled_ || (done % 20 != 0 && done != total)) return;
    constexpr std::size_t width = 30;
    const std::size_t filled = width * done / total;
    std::fprintf(stderr, "\r  epoch %d [%s%s] %3zu%%", epoch, std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), 100 * done / total);
    if (done == total) std::fprintf(stderr, "\r%*s\r", static_cast<int>(width + 20), "");
    std::fflush(stderr);
  }

 private:
  bool enabled_;
};

template <class M>
std::unique_ptr<nn::Optimizer<M>> make_optimizer(const TrainOptions& o, std::vector<M> params) {
  if (o.optimizer == "adam") {
    return std::make_unique<nn::Adam<M>>(std::move(params), o.learning_rate, 0.9, 0.999, 1e-8, o.weight_decay);
  }
  const double momentum = o.optimizer == "momentum" ? o.momentum : 0.0;
  return std::make_unique<nn::SGD<M>>(std::move(params), o.learning_rate, momentum, o.weight_decay);
}

std::string describe_network(const nn::Architecture& a) {
  std::string text;
  for (std::size_t size : a.sizes) text += (text.empty() ? "" : "-") + std::to_string(size);
  return text + " " + a.activations_text();
}

template <class M>
int run(const TrainOptions& o, const nn::Dataset& train_set, const nn::Dataset& test_set) {
  const nn::Architecture architecture =
      nn::Architecture::classifier(train_set.features(), o.hidden, 10, nn::parse_activation(o.activation));
  const nn::MLP<M> model(architecture, o.seed);
  const std::unique_ptr<nn::Optimizer<M>> optimizer = make_optimizer<M>(o, model.parameters());
  const nn::Normalisation normalisation = o.input_norm == "mnist" ? mnist_normalisation : nn::Normalisation{};
  nn::Rng shuffle_rng(o.seed + 1);  // its own stream: the weights' draws do not shift the order

  std::printf("training %s on %zu images, testing on %zu (%s engine, %s, %d threads)\n",
              describe_network(architecture).c_str(), train_set.count, test_set.count, nn::Engine<M>::name,
              o.dtype.c_str(), tensor::num_threads());
  std::printf("%s lr %g, batch %zu, %d epochs, %s schedule, seed %llu\n", o.optimizer.c_str(), o.learning_rate, o.batch,
              o.epochs, o.schedule.c_str(), static_cast<unsigned long long>(o.seed));
  std::fflush(stdout);

  const std::size_t steps_per_epoch = (train_set.count + o.batch - 1) / o.batch;
  const double total_steps = static_cast<double>(steps_per_epoch) * o.epochs;
  const ProgressBar bar;
  std::vector<EpochMetrics> metrics;
  nn::Evaluation last{};
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    const double steps_before = static_cast<double>(steps_per_epoch) * (epoch - 1);
    // Cosine decay sets each step's rate from how far the whole run has got.
    auto schedule = [&](std::size_t done) {
      if (o.schedule == "cosine") {
        const double progress = (steps_before + static_cast<double>(done)) / total_steps;
        optimizer->learning_rate = o.learning_rate * 0.5 * (1.0 + std::cos(M_PI * progress));
      }
    };
    schedule(0);
    nn::EpochResult result;
    try {
      result = nn::train_epoch(model, *optimizer, train_set, o.batch, shuffle_rng, normalisation,
                               [&](std::size_t done, std::size_t total) {
                                 schedule(done);
                                 bar.show(epoch, done, total);
                               });
    } catch (const nn::NonFiniteLoss& error) {
      std::fprintf(stderr, "mnist: training stopped in epoch %d: %s (try a lower --lr)\n", epoch, error.what());
      return 1;
    }
    last = nn::evaluate(model, test_set, normalisation);
    const double rate = static_cast<double>(train_set.count) / result.seconds;
    std::printf("epoch %3d  loss %.4f  test loss %.4f  test accuracy %.4f  %7.2f s  %8.0f samples/s\n", epoch,
                result.mean_loss, last.mean_loss, last.accuracy, result.seconds, rate);
    std::fflush(stdout);
    metrics.push_back({epoch, result.mean_loss, last.mean_loss, last.accuracy, result.seconds, rate});
    if (!o.metrics_path.empty()) write_metrics(o.metrics_path, metrics);
  }
  if (!o.save_path.empty()) {
    nn::save_model(o.save_path, model, normalisation);
    std::printf("model saved to %s\n", o.save_path.c_str());
  }
  std::printf("test accuracy: %.4f\n", last.accuracy);
  return 0;
}

}  // namespace

int train(const TrainOptions& options) {
  TrainOptions o = options;
  if (o.engine == "scalar" && o.dtype != "float64") {
    throw std::invalid_argument("--dtype " + o.dtype + ": the scalar engine computes in double (float64)");
  }
  if (o.engine == "scalar" && o.test_limit == 0) o.test_limit = scalar_default_test_limit;
  if (!std::isfinite(o.learning_rate)) throw std::invalid_argument("--lr must be a finite number");
  for (std::size_t size : o.hidden) {
    if (size == 0) throw std::invalid_argument("--hidden 0: a layer needs at least one neuron");
  }
  if (o.threads > 0) tensor::set_num_threads(o.threads);

  const nn::Dataset train_set = nn::load_mnist(o.data_dir, nn::Split::train, o.limit);
  const nn::Dataset test_set = nn::load_mnist(o.data_dir, nn::Split::test, o.test_limit);
  if (train_set.count == 0 || test_set.count == 0) throw nn::InputError(o.data_dir + ": a data set has no images");
  if (o.batch > train_set.count) {
    throw std::invalid_argument("--batch " + std::to_string(o.batch) + " is larger than the " +
                                std::to_string(train_set.count) + " training images");
  }
  if (o.engine == "scalar") return run<autograd::Matrix>(o, train_set, test_set);
  if (o.dtype == "float64") return run<tensor::Tensor<double>>(o, train_set, test_set);
  return run<tensor::Tensor<float>>(o, train_set, test_set);
}

}  // namespace mnist_tool
