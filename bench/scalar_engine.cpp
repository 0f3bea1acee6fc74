// Speed of the scalar engine: forward + backward steps on micrograd's demo network and on a
// 784-input network, built node for node as micrograd builds them, so node counts and
// per-step times compare directly.
//
//   build/bin/bench_scalar_engine [--quick] [--only moons|mnist|batch]
//
// One step = zero_grad, forward (building the graph), backward, SGD update, graph teardown.

#include <cstdio>
#include <vector>

#include "autograd/value.hpp"
#include "nn/random.hpp"
#include "timing.hpp"

using autograd::Value;

namespace {

// A fully connected layer of micrograd-style neurons: act = b + w0 x0 + w1 x1 + ...
struct Layer {
  std::vector<std::vector<Value>> weights;  // [neuron][input]
  std::vector<Value> biases;
  bool tanh_activation;

  Layer(int inputs, int neurons, bool tanh, nn::Rng& rng) : tanh_activation(tanh) {
    for (int j = 0; j < neurons; ++j) {
      std::vector<Value> w;
      w.reserve(static_cast<std::size_t>(inputs));
      for (int i = 0; i < inputs; ++i) w.emplace_back(rng.uniform(-1, 1));
      weights.push_back(std::move(w));
      biases.emplace_back(0.0);
    }
  }

  std::vector<Value> operator()(const std::vector<Value>& x) const {
    std::vector<Value> out;
    for (std::size_t j = 0; j < weights.size(); ++j) {
      Value act = biases[j];
      for (std::size_t i = 0; i < x.size(); ++i) act = act + weights[j][i] * x[i];
      out.push_back(tanh_activation ? tanh(act) : act);
    }
    return out;
  }
};

struct Network {
  std::vector<Layer> layers;
  Network(const std::vector<int>& sizes, nn::Rng& rng) {
    for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
      layers.emplace_back(sizes[k], sizes[k + 1], /*tanh=*/k + 2 < sizes.size(), rng);
    }
  }
  std::vector<Value> operator()(std::vector<Value> x) const {
    for (const Layer& layer : layers) x = layer(x);
    return x;
  }
  std::vector<Value> parameters() const {
    std::vector<Value> params;
    for (const Layer& layer : layers) {
      for (std::size_t j = 0; j < layer.weights.size(); ++j) {
        params.insert(params.end(), layer.weights[j].begin(), layer.weights[j].end());
        params.push_back(layer.biases[j]);
      }
    }
    return params;
  }
};

// micrograd's demo loss: mean SVM max-margin loss plus 1e-4 L2 regularisation.
Value svm_loss(const Network& net, const std::vector<std::vector<double>>& points, const std::vector<double>& labels,
               const std::vector<Value>& params) {
  Value data_loss = 0.0;
  for (std::size_t n = 0; n < points.size(); ++n) {
    const std::vector<Value> x(points[n].begin(), points[n].end());
    const Value score = net(x)[0];
    data_loss = data_loss + relu(1.0 + (-labels[n]) * score);
  }
  data_loss = data_loss * (1.0 / static_cast<double>(points.size()));
  Value squares = 0.0;
  for (const Value& p : params) squares = squares + p * p;
  return data_loss + 1e-4 * squares;
}

// Sum of squared errors over the outputs of one input.
Value squared_error(const Network& net, const std::vector<double>& pixels, const std::vector<double>& target) {
  const std::vector<Value> out = net(std::vector<Value>(pixels.begin(), pixels.end()));
  Value total = 0.0;
  for (std::size_t k = 0; k < out.size(); ++k) total = total + pow(out[k] - target[k], 2.0);
  return total;
}

template <class MakeLoss>
std::size_t train_step(const std::vector<Value>& params, MakeLoss&& make_loss) {
  autograd::zero_grad(params);
  const Value loss = make_loss();
  loss.backward();
  for (const Value& p : params) p.node()->data -= 1e-3 * p.grad();
  return 0;
}

void report(const char* name, std::size_t nodes, const bench::Timing& t, double micrograd_seconds) {
  std::printf("%-34s %10zu %10.3f %10.3f %12.2f", name, nodes, t.median_seconds * 1e3, t.min_seconds * 1e3,
              nodes / t.median_seconds / 1e6);
  if (micrograd_seconds > 0) std::printf(" %12.0fx", micrograd_seconds / t.median_seconds);
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const bench::SectionFlags flags = bench::parse_section_flags(
      argc, argv, "bench_scalar_engine [--quick] [--only moons|mnist|batch]", {"moons", "mnist", "batch"});
  const int runs = flags.quick ? 5 : 31;

  // Python micrograd, garbage collector off (its best case): seconds per step, recorded on the
  // project's first machine (a 2-vCPU AMD EPYC). Machines differ: bench/micrograd_step.py
  // measures it where the benchmark runs (scripts/bench --micrograd DIR).
  constexpr double micrograd_moons_seconds = 0.245;
  constexpr double micrograd_784_seconds = 0.120;

  std::printf("scalar engine, 1 thread, median of %d steps (after 3 warm-up steps)\n", runs);
  std::printf("%-34s %10s %10s %10s %12s %13s\n", "workload", "nodes", "median ms", "min ms", "Mnodes/s",
              "vs micrograd");

  nn::Rng rng(1);
  if (flags.wanted("moons")) {
    const Network net({2, 16, 16, 1}, rng);
    const std::vector<Value> params = net.parameters();
    std::vector<std::vector<double>> points;
    std::vector<double> labels;
    for (int n = 0; n < 100; ++n) {
      points.push_back({rng.uniform(-1.5, 2.5), rng.uniform(-1, 1.5)});
      labels.push_back(rng.uniform() < 0.5 ? -1.0 : 1.0);
    }
    auto make_loss = [&] { return svm_loss(net, points, labels, params); };
    const std::size_t nodes = autograd::topological_order(make_loss()).size();
    const bench::Timing t = bench::time_runs([&] { train_step(params, make_loss); }, 3, runs);
    report("2-16-16-1 tanh, 100 points, SVM", nodes, t, micrograd_moons_seconds);
  }
  const Network mnist_net({784, 16, 10}, rng);
  const std::vector<Value> mnist_params = mnist_net.parameters();
  std::vector<double> target(10, 0.0);
  target[3] = 1.0;
  if (flags.wanted("mnist")) {
    std::vector<double> pixels(784);
    for (double& p : pixels) p = rng.uniform();
    auto make_loss = [&] { return squared_error(mnist_net, pixels, target); };
    const std::size_t nodes = autograd::topological_order(make_loss()).size();
    const bench::Timing t = bench::time_runs([&] { train_step(mnist_params, make_loss); }, 3, runs);
    report("784-16-10 tanh, 1 image, sq. error", nodes, t, micrograd_784_seconds);
  }
  if (flags.wanted("batch")) {
    // The loss summed over 250 images: millions of nodes in one graph.
    std::vector<std::vector<double>> images(250, std::vector<double>(784));
    for (auto& image : images) {
      for (double& p : image) p = rng.uniform();
    }
    auto make_batch_loss = [&] {
      Value total = 0.0;
      for (const auto& image : images) total = total + squared_error(mnist_net, image, target);
      return total;
    };
    const std::size_t batch_nodes = autograd::topological_order(make_batch_loss()).size();
    const bench::Timing tb =
        bench::time_runs([&] { train_step(mnist_params, make_batch_loss); }, 1, flags.quick ? 1 : 5);
    report("784-16-10 tanh, 250 images summed", batch_nodes, tb, 0);
  }
  std::printf(
      "\nmicrograd reference (Python, gc off, recorded on the first machine, an AMD EPYC): 2-16-16-1: %.3f s/step "
      "(65,818 nodes); 784-16-10: %.3f s/step (38,979 nodes); 250 images: RecursionError\n",
      micrograd_moons_seconds, micrograd_784_seconds);
  std::printf("memory: sizeof(Node) = %zu bytes; peak RSS %.0f MiB\n", sizeof(autograd::Node), bench::peak_rss_mib());
  return 0;
}
