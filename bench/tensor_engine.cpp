// Speed of the tensor engine's kernels:
// 1. matmul forward + backward (three products: Y = X@W, dX = dY@W^T, dW = X^T@dY) through the
//    engine, against the same three bare cblas_sgemm calls into preallocated buffers;
// 2. the same with a constant X mostly of one value (a batch of digits), which the engine splits
//    around it, against the two bare products (forward and W's gradient) on the whole of X;
// 3. element-wise tanh forward throughput, engine kernel against a plain std::tanh loop;
// 4. what handing half a loop to a second TBB thread saves, after the calling thread has worked
//    alone for a while: the cost that decides which loops the engine runs in parallel.
//
//   build/bin/bench_tensor_engine [--quick] [--only matmul|background|tanh|handover]

#include <cblas.h>
#include <tbb/parallel_for.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "nn/random.hpp"
#include "tensor/memory.hpp"
#include "tensor/tensor.hpp"
#include "tensor/threads.hpp"
#include "timing.hpp"

using tensor::Tensor;

namespace {

xt::xtensor<float, 2> random_array(std::size_t rows, std::size_t cols, nn::Rng& rng) {
  xt::xtensor<float, 2> a = xt::xtensor<float, 2>::from_shape({rows, cols});
  for (float& v : a) v = static_cast<float>(rng.uniform(-1, 1));
  return a;
}

struct Shape {
  int m, k, n;  // X: (m x k), W: (k x n)
};

// The bare products of a layer, row-major buffers: Y = X @ W, and dW += X^T @ dY.
void sgemm_forward(Shape s, const float* x, const float* w, float* y) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s.m, s.n, s.k, 1, x, s.k, w, s.n, 0, y, s.n);
}
void sgemm_weight_gradient(Shape s, const float* x, const float* dy, float* dw) {
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, s.k, s.n, s.m, 1, x, s.k, dy, s.n, 1, dw, s.n);
}

void bench_matmul(Shape s, int threads, int runs) {
  nn::Rng rng(5);
  tensor::set_num_threads(threads);
  const double flops = 3.0 * 2.0 * s.m * s.k * s.n;

  // Bare BLAS: the three products, buffers allocated once.
  std::vector<float> x(s.m * s.k), w(s.k * s.n), y(s.m * s.n), dy(s.m * s.n), dx(s.m * s.k), dw(s.k * s.n);
  for (float& v : x) v = static_cast<float>(rng.uniform(-1, 1));
  for (float& v : w) v = static_cast<float>(rng.uniform(-1, 1));
  for (float& v : dy) v = static_cast<float>(rng.uniform(-1, 1));
  const bench::Timing bare = bench::time_runs(
      [&] {
        sgemm_forward(s, x.data(), w.data(), y.data());
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s.m, s.k, s.n, 1, dy.data(), s.n, w.data(), s.n, 1,
                    dx.data(), s.k);
        sgemm_weight_gradient(s, x.data(), dy.data(), dw.data());
      },
      3, runs);

  // The engine: Y = X @ W, then backward from sum(Y) (dY = ones), accumulating into X and W.
  Tensor<float> X(random_array(s.m, s.k, rng)), W(random_array(s.k, s.n, rng));
  const bench::Timing engine = bench::time_runs([&] { sum(matmul(X, W)).backward(); }, 3, runs);

  std::printf("%4dx%-4d @ %4dx%-4d %8d %12.1f %12.1f %12.3f %12.3f %8.2f\n", s.m, s.k, s.k, s.n, threads,
              flops / engine.median_seconds * 1e-9, flops / bare.median_seconds * 1e-9, engine.median_seconds * 1e3,
              bare.median_seconds * 1e3, bare.median_seconds / engine.median_seconds);
}

// Y = X @ W and backward, X a constant (a batch of inputs) on a background of -0.42 with a
// fraction `foreground` of other entries at random places, against the two bare cblas_sgemm
// calls the product and W's gradient take on the whole of X. At most half the entries off the
// background, the engine splits X around it (tensor/background_split.hpp).
void bench_background(Shape s, double foreground, int threads, int runs) {
  nn::Rng rng(11);
  tensor::set_num_threads(threads);
  xt::xtensor<float, 2> x = xt::xtensor<float, 2>::from_shape({std::size_t(s.m), std::size_t(s.k)});
  for (float& v : x) v = rng.uniform(0, 1) < foreground ? static_cast<float>(rng.uniform(0, 3)) : -0.42f;
  x(0, 0) = -0.42f;
  std::vector<float> w(s.k * s.n), y(s.m * s.n), dy(s.m * s.n, 1.0f), dw(s.k * s.n);
  for (float& v : w) v = static_cast<float>(rng.uniform(-1, 1));
  const bench::Timing bare = bench::time_runs(
      [&] {
        sgemm_forward(s, x.data(), w.data(), y.data());
        sgemm_weight_gradient(s, x.data(), dy.data(), dw.data());
      },
      3, runs);

  Tensor<float> X(x), W(random_array(s.k, s.n, rng));
  X.set_requires_grad(false);
  const bench::Timing engine = bench::time_runs([&] { sum(matmul(X, W)).backward(); }, 3, runs);
  std::printf("%4dx%-4d @ %4dx%-4d %10.2f %8d %12.3f %12.3f %8.2f\n", s.m, s.k, s.k, s.n, foreground, threads,
              engine.median_seconds * 1e3, bare.median_seconds * 1e3, bare.median_seconds / engine.median_seconds);
}

void bench_tanh(std::size_t rows, std::size_t cols, int threads, int runs) {
  nn::Rng rng(9);
  tensor::set_num_threads(threads);
  const Tensor<float> x(random_array(rows, cols, rng));
  const bench::Timing engine = bench::time_runs([&] { tanh(x); }, 3, runs);

  std::vector<float> out(x.size());
  const float* in = x.data().data();
  const bench::Timing plain = bench::time_runs(
      [&] {
        for (std::size_t i = 0; i < out.size(); ++i) out[i] = std::tanh(in[i]);
      },
      3, runs);
  const double count = static_cast<double>(x.size());
  std::printf("%6zux%-6zu %8d %16.0f %16.0f %8.2f\n", rows, cols, threads, count / engine.median_seconds * 1e-6,
              count / plain.median_seconds * 1e-6, plain.median_seconds / engine.median_seconds);
}

// Busy work on the calling thread for `microseconds`.
void work_for(double microseconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                          std::chrono::duration<double, std::micro>(microseconds));
  while (std::chrono::steady_clock::now() < end) {
  }
}

// `alone_us` of work on the calling thread, then `loop_us` more: on the calling thread too, or
// as two TBB tasks of half each. With a long stretch alone the second thread has gone to sleep
// and must be woken; what the split saves is then well under half the loop.
void bench_handover(double alone_us, double loop_us, int runs) {
  const bench::Timing one = bench::time_runs([&] { work_for(alone_us + loop_us); }, 3, runs);
  const bench::Timing two = bench::time_runs(
      [&] {
        work_for(alone_us);
        tbb::parallel_for(0, 2, [&](int) { work_for(loop_us / 2); });
      },
      3, runs);
  std::printf("%10.0f %10.0f %14.1f %14.1f %12.1f %12.1f\n", alone_us, loop_us, one.median_seconds * 1e6,
              two.median_seconds * 1e6, (one.median_seconds - two.median_seconds) * 1e6, loop_us / 2);
}

}  // namespace

int main(int argc, char** argv) {
  tensor::keep_freed_arrays_in_process();  // as the mnist tool does
  const bench::SectionFlags flags =
      bench::parse_section_flags(argc, argv, "bench_tensor_engine [--quick] [--only matmul|background|tanh|handover]",
                                 {"matmul", "background", "tanh", "handover"});
  const int runs = flags.quick ? 5 : 41;
  std::printf("tensor engine, float32, median of %d runs after 3 warm-up runs\n", runs);

  if (flags.wanted("matmul")) {
    std::printf("\nmatmul forward + backward (3 gemms)\n");
    std::printf("%-21s %8s %12s %12s %12s %12s %8s\n", "shape", "threads", "engine GF/s", "bare GF/s", "engine ms",
                "bare ms", "ratio");
    // The layers of MNIST workloads A (784-128-10, batch 64) and B (784-800-10, batch 128).
    for (Shape s : {Shape{64, 784, 128}, Shape{64, 128, 10}, Shape{128, 784, 800}, Shape{128, 800, 10}}) {
      for (int threads : {1, 2}) bench_matmul(s, threads, runs);
    }
  }
  if (flags.wanted("background")) {
    std::printf("\nmatmul forward + backward, constant X on a background (2 gemms bare)\n");
    std::printf("%-21s %10s %8s %12s %12s %8s\n", "shape", "foreground", "threads", "engine ms", "bare ms", "ratio");
    for (Shape s : {Shape{64, 784, 128}, Shape{64, 784, 256}, Shape{128, 784, 800}}) {
      for (double foreground : {0.1, 0.2, 0.3, 0.4, 0.5}) bench_background(s, foreground, 1, runs);
    }
    for (double foreground : {0.2, 0.4}) bench_background(Shape{64, 784, 128}, foreground, 2, runs);
  }
  if (flags.wanted("tanh")) {
    std::printf("\nelement-wise tanh (forward)\n");
    std::printf("%-13s %8s %16s %16s %8s\n", "shape", "threads", "engine Melem/s", "std::tanh Melem/s", "speedup");
    for (int threads : {1, 2}) bench_tanh(128, 800, threads, runs);
    for (int threads : {1, 2}) bench_tanh(1000, 1000, threads, runs);
  }
  if (flags.wanted("handover")) {
    std::printf("\nhanding half a loop to a second thread (TBB, 2 threads), microseconds\n");
    std::printf("%10s %10s %14s %14s %12s %12s\n", "alone", "loop", "one thread", "two threads", "saved", "half loop");
    // TBB starts its second thread on first demand, and on this VM the first loops of a process
    // ran on the caller alone for tens of milliseconds: half a second of loops first.
    tensor::set_num_threads(2);
    for (const bench::Stopwatch warm_up; warm_up.seconds() < 0.5;) {
      tbb::parallel_for(0, 2, [](int) { work_for(500); });
    }
    for (double alone_us : {20.0, 200.0, 2000.0}) {
      for (double loop_us : {50.0, 200.0, 1000.0}) bench_handover(alone_us, loop_us, runs);
    }
  }
  return 0;
}
