// MNIST training speed on the tensor engine: seconds per epoch (training only, the data already
// in memory), samples per second and the process's peak resident memory, for the two
// workloads the comparison with PyTorch and numpy uses (bench/mnist_reference.py):
//   A: 784-128-10 tanh, softmax cross-entropy, SGD lr 0.1, batch 64, pixels in [0, 1]
//   B: 784-800-10 tanh, the same, batch 128
// One warm-up epoch, then the median of the timed epochs; the test accuracy after them shows
// that the network learnt. Then the sgemm lower bound of an epoch: each of a training step's
// five products (forward X@W1, H@W2; backward dW2 = H^T@dZ, dH = dZ@W2^T, dW1 = X^T@dA) timed
// alone as a bare cblas_sgemm at its shape (median of 50), summed over the epoch's batches.
//
// With --distort, the training digits are distorted afresh each epoch as `mnist train
// --distort` does (the next epoch's made in the background), and an epoch's time includes any
// wait for its digits.
//
//   build/bin/bench_mnist_epoch --workload A|B [--threads N] [--epochs E] [--data DIR]
//                               [--distort none|affine|elastic|affine+elastic]
//
// Two machine-readable lines: RESULT engine=backprop workload=A threads=2 epoch_s=...
// samples_per_s=... peak_rss_mb=... accuracy=... (engine=backprop-distorted with distort=KIND
// for a distorted run), and RESULT engine=sgemm-bound ... epoch_s=...

#include <cblas.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "mnist/dataset.hpp"
#include "mnist/distorted_epochs.hpp"
#include "mnist/evaluation.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "nn/shuffle.hpp"
#include "nn/training.hpp"
#include "tensor/tensor.hpp"
#include "tensor/threads.hpp"
#include "timing.hpp"

namespace {

using M = tensor::Tensor<float>;

struct Workload {
  std::size_t hidden;
  std::size_t batch;
};

[[noreturn]] void usage_error(const char* what) {
  std::fprintf(stderr,
               "bench_mnist_epoch: %s\nusage: bench_mnist_epoch --workload A|B [--threads N] [--epochs E] [--data DIR] "
               "[--distort none|affine|elastic|affine+elastic]\n",
               what);
  std::exit(2);
}

// Seconds of bare sgemm for one batch of `rows` samples: the five products of a step.
double products_seconds(std::size_t rows, std::size_t hidden) {
  const int m = static_cast<int>(rows), h = static_cast<int>(hidden), in = 784, out = 10;
  std::vector<float> x(rows * 784, 0.5F), w1(784 * hidden, 0.01F), a(rows * hidden), w2(hidden * 10, 0.01F),
      z(rows * 10), dw2(hidden * 10), dh(rows * hidden), dw1(784 * hidden);
  const CBLAS_ORDER major = CblasRowMajor;
  const CBLAS_TRANSPOSE no = CblasNoTrans, yes = CblasTrans;
  double total = 0;
  auto time = [&](auto&& product) { total += bench::time_runs(product, 5, 50).median_seconds; };
  time([&] { cblas_sgemm(major, no, no, m, h, in, 1, x.data(), in, w1.data(), h, 0, a.data(), h); });
  time([&] { cblas_sgemm(major, no, no, m, out, h, 1, a.data(), h, w2.data(), out, 0, z.data(), out); });
  time([&] { cblas_sgemm(major, yes, no, h, out, m, 1, a.data(), h, z.data(), out, 1, dw2.data(), out); });
  time([&] { cblas_sgemm(major, no, yes, m, h, out, 1, z.data(), out, w2.data(), out, 0, dh.data(), h); });
  time([&] { cblas_sgemm(major, yes, no, in, h, m, 1, x.data(), in, dh.data(), h, 1, dw1.data(), h); });
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  std::string workload_name, data_dir = "data/mnist", distort = "none";
  int threads = 2, epochs = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
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
    else
      usage_error(("unknown flag " + flag).c_str());
  }
  if (workload_name != "A" && workload_name != "B") usage_error("--workload must be A or B");
  if (threads < 1 || epochs < 1) usage_error("--threads and --epochs must be at least 1");
  const Workload workload = workload_name == "A" ? Workload{128, 64} : Workload{800, 128};
  vision::Distortion distortion;  // mnist train's defaults
  distortion.affine = distort == "affine" || distort == "affine+elastic";
  distortion.elastic = distort == "elastic" || distort == "affine+elastic";
  if (distort != "none" && !distortion.any()) usage_error("--distort must be none, affine, elastic or affine+elastic");

  tensor::set_num_threads(threads);
  const mnist::Dataset train_set = mnist::load_mnist(data_dir, mnist::Split::train);
  const mnist::Dataset test_set = mnist::load_mnist(data_dir, mnist::Split::test);
  const nn::Normalisation pixels_as_they_are{0.0, 1.0};
  const nn::MLP<M> model(nn::Architecture::classifier(784, {workload.hidden}, 10, nn::Activation::tanh), 1);
  nn::SGD<M> optimizer(model.parameters(), 0.1);
  nn::Rng shuffle_rng(2);
  std::optional<mnist::DistortedEpochs> distorted;
  if (distortion.any()) distorted.emplace(train_set, distortion, 1, epochs + 1);

  std::vector<double> seconds;
  for (int epoch = 0; epoch <= epochs; ++epoch) {  // epoch 0 warms up
    const std::vector<std::size_t> order = nn::shuffled_indices(train_set.count, shuffle_rng);
    const bench::Stopwatch stopwatch;
    const mnist::Dataset& epoch_set = distorted ? distorted->epoch(epoch + 1) : train_set;
    const nn::EpochResult result = nn::train_batches(
        model, optimizer, epoch_set.count, workload.batch, 0, [&](std::size_t begin, std::size_t end) {
          return mnist::labelled_batch<M>(epoch_set, order, begin, end, pixels_as_they_are);
        });
    const double epoch_seconds = stopwatch.seconds();
    std::printf("epoch %d%s: %.3f s, mean loss %.4f\n", epoch, epoch == 0 ? " (warm-up)" : "", epoch_seconds,
                result.mean_loss);
    if (epoch > 0) seconds.push_back(epoch_seconds);
  }
  const double median = bench::median(seconds);
  const double accuracy = mnist::evaluate(model, test_set, pixels_as_they_are).accuracy;
  std::printf(
      "RESULT engine=%s workload=%s threads=%d epoch_s=%.4f samples_per_s=%.0f peak_rss_mb=%.0f accuracy=%.4f%s\n",
      distortion.any() ? "backprop-distorted" : "backprop", workload_name.c_str(), threads, median,
      static_cast<double>(train_set.count) / median, bench::peak_rss_mib(), accuracy,
      distortion.any() ? (" distort=" + distort).c_str() : "");

  const std::size_t full_batches = train_set.count / workload.batch, rest = train_set.count % workload.batch;
  const double bound = static_cast<double>(full_batches) * products_seconds(workload.batch, workload.hidden) +
                       (rest > 0 ? products_seconds(rest, workload.hidden) : 0.0);
  std::printf("RESULT engine=sgemm-bound workload=%s threads=%d epoch_s=%.4f samples_per_s=%.0f\n",
              workload_name.c_str(), threads, bound, static_cast<double>(train_set.count) / bound);
  return 0;
}
