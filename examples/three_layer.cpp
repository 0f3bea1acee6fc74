// The lecture's section 4.3: 2 inputs, 5 tanh neurons, 1 output neuron:
//   Y1 = tanh(X @ W1 + B1),  Y2 = Y1 @ W2 + B2.
// Prints every shape for a batch, then trains the network on y = sin(2 x1) x2.
//
//   build/bin/three_layer

#include <cstdio>
#include <string>

#include "example_arguments.hpp"

#include "layer_examples.hpp"

namespace {

constexpr std::uint64_t seed = 5;
constexpr std::size_t batch = 4;
constexpr std::size_t samples = 64;
constexpr int steps = 2000;
constexpr double learning_rate = 0.1;

template <class M>
std::string shape(const M& m) {
  return "(" + std::to_string(m.rows()) + "x" + std::to_string(m.cols()) + ")";
}

template <class M>
void report(const char* engine) {
  nn::MLP<M> net(lecture::three_layer_architecture(), seed);
  const nn::Dense<M>& hidden = net.layers()[0];
  const nn::Dense<M>& output = net.layers()[1];
  const lecture::ThreeLayerData data = lecture::three_layer_data(seed, samples);

  const M x(batch, 2, {data.x.begin(), data.x.begin() + 2 * batch});
  const M y1 = hidden(x);
  const M y2 = output(y1);
  std::printf("%s\n  X %s  W1 %s  B1 %s  Y1 %s  W2 %s  B2 %s  Y2 %s\n", engine, shape(x).c_str(),
              shape(hidden.weight).c_str(), shape(hidden.bias).c_str(), shape(y1).c_str(), shape(output.weight).c_str(),
              shape(output.bias).c_str(), shape(y2).c_str());

  const M all_x(samples, 2, data.x);
  const M all_y(samples, 1, data.y);
  nn::SGD<M> sgd(net.parameters(), learning_rate);
  const double before = mse(net(all_x), all_y).item();
  for (int step = 0; step < steps; ++step) {
    sgd.zero_grad();
    const M loss = mse(net(all_x), all_y);
    loss.backward();
    sgd.step();
  }
  const double after = mse(net(all_x), all_y).item();
  std::printf("  y = sin(2 x1) x2 on %zu points: MSE %.6f before, %.6f after %d steps (lr %.1f)\n", samples, before,
              after, steps, learning_rate);
}

}  // namespace

int main(int argc, char** argv) {
  const int exit_code = lecture::check_no_arguments(
      argc, argv, "three_layer", "2 inputs -> 5 tanh neurons -> 1 output learns y = sin(2 x1) x2 on both engines.");
  if (exit_code >= 0) return exit_code;
  std::printf("2 inputs -> 5 tanh neurons -> 1 output, a batch of %zu\n\n", batch);
  report<autograd::Matrix>("scalar engine (Values)");
  report<tensor::Tensor<double>>("tensor engine (double)");
  return 0;
}
