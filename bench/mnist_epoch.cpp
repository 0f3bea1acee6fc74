// MNIST training speed on the tensor engine: seconds per epoch (training only, the data already
// in memory), samples per second and the process's peak resident memory, for the workloads the
// comparison with numpy and PyTorch uses (bench/mnist_reference.py):
//   A: 784-128-10 tanh, softmax cross-entropy, SGD lr 0.1, batch 64, pixels in [0, 1]
//   B: 784-800-10 tanh, the same, batch 128
//   C: the default recipe of `mnist train`: 784-256-10 relu, Adam lr 1e-3, batch 64, pixels
//      normalised by MNIST's mean and deviation (its cosine schedule left out: it costs nothing)
// One warm-up epoch, then the median of the timed epochs; the test accuracy after them shows
// that the network learnt.
//
// The sgemm bound is measured inside the timed epochs, so that it sees the same machine as the
// training (on a shared VM a core's speed moves by 15 % within seconds): every few batches a
// probe runs a training step's five products (forward X@W1, H@W2; backward dW2 = H^T@dZ,
// dH = dZ@W2^T, dW1 = X^T@dA) as bare cblas_sgemm calls at their shapes on buffers of its own,
// once to warm them and once timed. An epoch's bound is its probes' median times its batches
// (the last, smaller one counted pro rata); the probes' time is left out of the epoch's. The
// run's bound is the median of its epochs', and its ratio to the bound the median of each
// epoch's own ratio.
//
// With --distort, the training digits are distorted afresh each epoch as `mnist train
// --distort` does (the next epoch's made in the background), and an epoch's time includes any
// wait for its digits.
//
//   build/bin/bench_mnist_epoch --workload A|B|C [--threads N] [--epochs E] [--data DIR]
//                               [--distort none|affine|elastic|affine+elastic] [--bound yes|no]
//
// --bound no leaves the probes out, for profiles of the training alone.
//
// Two machine-readable lines: RESULT engine=backprop workload=A threads=2 epoch_s=...
// samples_per_s=... peak_rss_mb=... accuracy=... kernels=NAME (engine=backprop-distorted with
// distort=KIND for a distorted run), and RESULT engine=sgemm-bound ... epoch_s=... ratio=...
// probes=.... NAME is the processor OpenBLAS chose its kernels for (OPENBLAS_CORETYPE sets it).

#include <cblas.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mnist/batches.hpp"
#include "mnist/dataset.hpp"
#include "mnist/distorted_epochs.hpp"
#include "mnist/evaluation.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "nn/shuffle.hpp"
#include "nn/training.hpp"
#include "tensor/memory.hpp"
#include "tensor/tensor.hpp"
#include "tensor/threads.hpp"
#include "timing.hpp"

// OpenBLAS's own, declared here rather than taken from <cblas.h>, which may be another BLAS's.
extern "C" char* openblas_get_corename(void);

namespace {

using M = tensor::Tensor<float>;

struct Workload {
  std::size_t hidden;
  std::size_t batch;
  nn::Activation activation;
  bool adam;  // else SGD 0.1
  nn::Normalisation normalisation;
};

constexpr const char* usage =
    "usage: bench_mnist_epoch --workload A|B|C [--threads N] [--epochs E] [--data DIR] "
    "[--distort none|affine|elastic|affine+elastic] [--bound yes|no]\n";

[[noreturn]] void usage_error(const char* what) {
  std::fprintf(stderr, "bench_mnist_epoch: %s\n%s", what, usage);
  std::exit(2);
}

// A training step's five products as bare sgemm calls, for a batch of `rows` samples.
class ProductsProbe {
 public:
  ProductsProbe(std::size_t rows, std::size_t hidden)
      : m_(static_cast<int>(rows)),
        h_(static_cast<int>(hidden)),
        x_(rows * in_, 0.5F),
        w1_(in_ * hidden, 0.01F),
        a_(rows * hidden),
        w2_(hidden * out_, 0.01F),
        z_(rows * out_),
        dw2_(hidden * out_),
        dh_(rows * hidden),
        dw1_(in_ * hidden) {}

  // Seconds of the five products, run once to warm their buffers and then timed.
  double seconds() {
    products();
    const bench::Stopwatch stopwatch;
    products();
    return stopwatch.seconds();
  }

 private:
  void products() {
    const CBLAS_ORDER major = CblasRowMajor;
    const CBLAS_TRANSPOSE no = CblasNoTrans, yes = CblasTrans;
    cblas_sgemm(major, no, no, m_, h_, in_, 1, x_.data(), in_, w1_.data(), h_, 0, a_.data(), h_);
    cblas_sgemm(major, no, no, m_, out_, h_, 1, a_.data(), h_, w2_.data(), out_, 0, z_.data(), out_);
    cblas_sgemm(major, yes, no, h_, out_, m_, 1, a_.data(), h_, z_.data(), out_, 1, dw2_.data(), out_);
    cblas_sgemm(major, no, yes, m_, h_, out_, 1, z_.data(), out_, w2_.data(), out_, 0, dh_.data(), h_);
    cblas_sgemm(major, yes, no, in_, h_, m_, 1, x_.data(), in_, dh_.data(), h_, 1, dw1_.data(), h_);
  }

  static constexpr int in_ = 784, out_ = 10;
  int m_, h_;
  std::vector<float> x_, w1_, a_, w2_, z_, dw2_, dh_, dw1_;
};

}  // namespace

int run(int argc, char** argv) {
  std::string workload_name, data_dir = "data/mnist", distort = "none", bound_flag = "yes";
  int threads = 2, epochs = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(usage, stdout);
      return 0;
    }
    if (i + 1 >= argc) usage_error(("missing value after " + flag).c_str());
    const std::string value = argv[++i];
    if (flag == "--workload")
      workload_name = value;
    else if (flag == "--threads")
      threads = std::atoi(value.c_str());
    else if (flag == "--epochs")
      epochs = std::atoi(value.c_str());
    else if (flag == "--data")
      data_dir = value;
    else if (flag == "--distort")
      distort = value;
    else if (flag == "--bound")
      bound_flag = value;
    else
      usage_error(("unknown flag " + flag).c_str());
  }
  if (workload_name != "A" && workload_name != "B" && workload_name != "C") usage_error("--workload must be A, B or C");
  if (threads < 1 || epochs < 1) usage_error("--threads and --epochs must be at least 1");
  if (bound_flag != "yes" && bound_flag != "no") usage_error("--bound must be yes or no");
  const bool measure_bound = bound_flag == "yes";
  const nn::Normalisation pixels_as_they_are{0.0, 1.0};
  const Workload workload = workload_name == "A" ? Workload{128, 64, nn::Activation::tanh, false, pixels_as_they_are}
                            : workload_name == "B"
                                ? Workload{800, 128, nn::Activation::tanh, false, pixels_as_they_are}
                                : Workload{256, 64, nn::Activation::relu, true, mnist::mnist_normalisation};
  vision::Distortion distortion;  // mnist train's defaults
  distortion.affine = distort == "affine" || distort == "affine+elastic";
  distortion.elastic = distort == "elastic" || distort == "affine+elastic";
  if (distort != "none" && !distortion.any()) usage_error("--distort must be none, affine, elastic or affine+elastic");

  tensor::set_num_threads(threads);
  const bench::Stopwatch loading;
  const mnist::Dataset train_set = mnist::load_mnist(data_dir, mnist::Split::train);
  const mnist::Dataset test_set = mnist::load_mnist(data_dir, mnist::Split::test);
  std::printf("MNIST loaded in %.0f ms\n", loading.seconds() * 1e3);
  const nn::MLP<M> model(nn::Architecture::classifier(784, {workload.hidden}, 10, workload.activation), 1);
  std::unique_ptr<nn::Optimizer<M>> optimizer;
  if (workload.adam)
    optimizer = std::make_unique<nn::Adam<M>>(model.parameters(), 1e-3);
  else
    optimizer = std::make_unique<nn::SGD<M>>(model.parameters(), 0.1);
  nn::Rng shuffle_rng(2);
  std::optional<mnist::DistortedEpochs> distorted;
  if (distortion.any()) distorted.emplace(train_set, distortion, 1, epochs + 1);

  const std::size_t batches = (train_set.count + workload.batch - 1) / workload.batch;
  const std::size_t probe_every = std::max<std::size_t>(1, batches / 64);
  ProductsProbe probe(workload.batch, workload.hidden);
  const double steps = static_cast<double>(train_set.count) / static_cast<double>(workload.batch);
  std::vector<double> seconds, bounds, ratios;
  std::size_t probes = 0;
  for (int epoch = 0; epoch <= epochs; ++epoch) {  // epoch 0 warms up
    const std::vector<std::size_t> order = nn::shuffled_indices(train_set.count, shuffle_rng);
    const bench::Stopwatch stopwatch;
    double probing = 0;
    std::vector<double> probe_seconds;
    const mnist::Dataset& epoch_set = distorted ? distorted->epoch(epoch + 1) : train_set;
    const nn::EpochResult result = nn::train_batches(
        model, *optimizer, epoch_set.count, workload.batch, 0,
        [&](std::size_t begin, std::size_t end) {
          return mnist::labelled_batch<M>(epoch_set, order, begin, end, workload.normalisation);
        },
        [&](std::size_t done, std::size_t) {
          if (measure_bound && epoch > 0 && done % probe_every == 0) {
            const bench::Stopwatch probe_stopwatch;
            probe_seconds.push_back(probe.seconds());
            probing += probe_stopwatch.seconds();
          }
          return true;
        });
    const double epoch_seconds = stopwatch.seconds() - probing;
    std::printf("epoch %d%s: %.3f s, mean loss %.4f", epoch, epoch == 0 ? " (warm-up)" : "", epoch_seconds,
                result.mean_loss);
    if (measure_bound && epoch > 0) std::printf(", sgemm bound %.3f s", bench::median(probe_seconds) * steps);
    std::printf("\n");
    if (epoch == 0) continue;
    seconds.push_back(epoch_seconds);
    if (!measure_bound) continue;
    bounds.push_back(bench::median(probe_seconds) * steps);
    ratios.push_back(epoch_seconds / bounds.back());
    probes += probe_seconds.size();
  }
  const double median = bench::median(seconds);
  const double accuracy = mnist::evaluate(model, test_set, workload.normalisation).accuracy;
  std::printf(
      "RESULT engine=%s workload=%s threads=%d epoch_s=%.4f samples_per_s=%.0f peak_rss_mb=%.0f accuracy=%.4f "
      "kernels=%s%s\n",
      distortion.any() ? "backprop-distorted" : "backprop", workload_name.c_str(), threads, median,
      static_cast<double>(train_set.count) / median, bench::peak_rss_mib(), accuracy, openblas_get_corename(),
      distortion.any() ? (" distort=" + distort).c_str() : "");

  if (!measure_bound) return 0;
  const double bound = bench::median(bounds);
  std::printf(
      "RESULT engine=sgemm-bound workload=%s threads=%d epoch_s=%.4f samples_per_s=%.0f ratio=%.4f probes=%zu\n",
      workload_name.c_str(), threads, bound, static_cast<double>(train_set.count) / bound, bench::median(ratios),
      probes);
  return 0;
}

int main(int argc, char** argv) {
  tensor::keep_freed_arrays_in_process();  // as the mnist tool does
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {  // a missing or bad MNIST file, out of memory
    std::fprintf(stderr, "bench_mnist_epoch: %s\n", error.what());
    return 1;
  }
}
