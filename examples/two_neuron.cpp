// The lecture's sections 1-2: neurons in series learn y = x^2 + 3x + 2 from three points.
//
//   build/bin/two_neuron [--dot FILE]
//
// 1. Two linear neurons in series can only make a straight line, so gradient descent stops at
//    the least-squares line y = 5x + 5/3 with MSE 2/9.
// 2. A tanh on the hidden neuron bends the line, and a 1-4-1 tanh network fits the points.
// 3. backward() gives the same first-step gradients as the chain rule worked out by hand.
// 4. --dot FILE writes that step's gradient graph for Graphviz.

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <string>

#include "autograd/graph_text.hpp"
#include "two_neuron_model.hpp"

namespace {

constexpr std::uint64_t seed = 42;  // the same starting weights every run
constexpr double chain_learning_rate = 0.02;
constexpr int chain_steps = 5000;
constexpr double network_learning_rate = 0.05;
constexpr int network_steps = 5000;
constexpr int network_hidden = 4;

void print_fit(const char* title, const lecture::NeuronChain& chain, double loss) {
  std::printf("%s\n", title);
  std::printf("  W1 = %+.6f  B1 = %+.6f  W2 = %+.6f  B2 = %+.6f\n", chain.w1.data(), chain.b1.data(), chain.w2.data(),
              chain.b2.data());
  std::printf("  loss (MSE) = %.10g\n", loss);
}

template <class Model>
void print_fitted_values(const Model& model, const lecture::Samples& samples) {
  for (std::size_t i = 0; i < samples.x.size(); ++i) {
    std::printf("  x = %g: predicted %9.5f, target %g\n", samples.x[i], model.predict(samples.x[i], i).data(),
                samples.y[i]);
  }
}

// Why a file cannot be written at `path` (its folder is missing, not a folder or not writable;
// the path names a folder), or "" when it can.
std::string unwritable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_directory(path, error)) return "it is a folder";
  const fs::path parent = fs::path(path).parent_path();
  const std::string folder = parent.empty() ? "." : parent.string();
  if (!fs::exists(folder, error)) return "folder '" + folder + "' does not exist";
  if (!fs::is_directory(folder, error)) return "'" + folder + "' is not a folder";
  if (::access(folder.c_str(), W_OK) != 0) return "folder '" + folder + "': " + std::strerror(errno);
  return "";
}

int usage_error(const char* message) {
  std::fprintf(stderr, "two_neuron: %s\nusage: two_neuron [--dot FILE]\n", message);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dot_path;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--dot") == 0 && i + 1 < argc) {
      dot_path = argv[++i];
    } else if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::printf("usage: two_neuron [--dot FILE]\n");
      return 0;
    } else {
      return usage_error(std::strcmp(argv[i], "--dot") == 0
                             ? "--dot needs a file name"
                             : (std::string("unknown argument '") + argv[i] + "'").c_str());
    }
  }

  if (!dot_path.empty()) {  // found out now, not after all the output
    const std::string problem = unwritable(dot_path);
    if (!problem.empty()) {
      std::fprintf(stderr, "two_neuron: cannot write '%s': %s\n", dot_path.c_str(), problem.c_str());
      return 2;
    }
  }

  const lecture::Samples samples = lecture::quadratic_samples();
  std::printf("Data: X = {0, 1, 2}, Y_hat = {2, 6, 12}  (y = x^2 + 3x + 2), loss = mean squared error\n\n");

  // Part 3 first in time: the gradients of the very first step, before any update.
  lecture::NeuronChain chain = lecture::NeuronChain::random(seed, /*tanh_hidden=*/false);
  const autograd::Value first_loss = lecture::mse(chain, samples);
  first_loss.backward();
  const lecture::ChainGradients by_backward{chain.w1.grad(), chain.b1.grad(), chain.w2.grad(), chain.b2.grad()};
  const lecture::ChainGradients by_hand = lecture::hand_derived_gradients(chain, samples);
  if (!dot_path.empty()) {
    try {
      autograd::write_dot_file(first_loss, dot_path);
    } catch (const std::exception& error) {
      std::fprintf(stderr, "two_neuron: %s\n", error.what());
      return 1;
    }
  }

  // Part 1: two linear neurons in series.
  const double chain_loss = lecture::train(chain, samples, chain_learning_rate, chain_steps);
  const lecture::Line best = lecture::least_squares_line(samples);
  print_fit("1. Two linear neurons, Y2 = W2*(W1*X + B1) + B2, after gradient descent:", chain, chain_loss);
  const double w1 = chain.w1.data(), b1 = chain.b1.data(), w2 = chain.w2.data(), b2 = chain.b2.data();
  std::printf("  as one line: slope W2*W1 = %.6f, intercept W2*B1 + B2 = %.6f\n", w2 * w1, w2 * b1 + b2);
  std::printf("  least squares: y = %.6f x + %.6f, MSE 2/9 = %.8f -- the chain can do no better\n\n", best.slope,
              best.intercept, 2.0 / 9.0);

  // Part 2: a nonlinearity lets the fit bend.
  lecture::NeuronChain tanh_chain = lecture::NeuronChain::random(seed, /*tanh_hidden=*/true);
  const double tanh_loss = lecture::train(tanh_chain, samples, chain_learning_rate, chain_steps);
  print_fit("2. The same chain with tanh on the hidden neuron, Y2 = W2*tanh(W1*X + B1) + B2:", tanh_chain, tanh_loss);
  print_fitted_values(tanh_chain, samples);
  lecture::TanhNetwork network = lecture::TanhNetwork::random(seed, network_hidden);
  const double network_loss = lecture::train(network, samples, network_learning_rate, network_steps);
  std::printf("   A 1-%d-1 tanh network (linear output): loss (MSE) = %.10g\n", network_hidden, network_loss);
  print_fitted_values(network, samples);

  std::printf("\n3. First step's gradients (seed %llu): backward() beside the chain rule by hand\n",
              static_cast<unsigned long long>(seed));
  std::printf("  dL/dW2 = %+16.10f   by hand mean(2e * Y1)      = %+16.10f\n", by_backward.w2, by_hand.w2);
  std::printf("  dL/dB2 = %+16.10f   by hand mean(2e)           = %+16.10f\n", by_backward.b2, by_hand.b2);
  std::printf("  dL/dW1 = %+16.10f   by hand mean(2e * W2 * X)  = %+16.10f\n", by_backward.w1, by_hand.w1);
  std::printf("  dL/dB1 = %+16.10f   by hand mean(2e * W2)      = %+16.10f\n", by_backward.b1, by_hand.b1);
  std::printf("  where e = Y2 - Y_hat and Y1 = W1*X + B1\n");

  std::printf("\n4. Gradient graph of that step: ");
  if (dot_path.empty()) {
    std::printf("run with --dot FILE to write it (%zu nodes)\n", autograd::topological_order(first_loss).size());
  } else {
    std::printf("written to %s (render: dot -Tsvg %s -o graph.svg)\n", dot_path.c_str(), dot_path.c_str());
  }
  return 0;
}
