// The lecture's section 4.1: a layer of two softmax neurons on five inputs, Y = softmax(X @ W + B),
// trained with cross-entropy on a batch of three examples.
//
//   build/bin/single_layer

#include <cstdio>

#include "example_arguments.hpp"

#include "layer_examples.hpp"

namespace {

constexpr std::uint64_t seed = 4;
constexpr int steps = 200;

template <class M>
void report(const char* engine) {
  const nn::Dense<M> layer = lecture::train_single_layer<M>(seed, steps);
  const lecture::SingleLayerData data = lecture::single_layer_data();
  const auto w = nn::values_of(layer.weight);
  const auto b = nn::values_of(layer.bias);
  const auto p = nn::values_of(layer(M(3, 5, data.x)));
  std::printf("%s\n  W (5x2):\n", engine);
  for (int i = 0; i < 5; ++i) std::printf("    %+9.5f %+9.5f\n", w[2 * i], w[2 * i + 1]);
  std::printf("  B (1x2): %+9.5f %+9.5f\n", b[0], b[1]);
  std::printf("  Y = softmax(X @ W + B) (3x2), each row sums to 1:\n");
  for (int i = 0; i < 3; ++i) {
    std::printf("    %.5f %.5f   sum %.6f   class %d\n", p[2 * i], p[2 * i + 1], p[2 * i] + p[2 * i + 1],
                data.classes[i]);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const int exit_code = lecture::check_no_arguments(
      argc, argv, "single_layer",
      "A layer of 2 softmax neurons on 5 inputs learns 3 labelled examples on both engines.");
  if (exit_code >= 0) return exit_code;
  std::printf("A layer of 2 softmax neurons on 5 inputs, batch of 3 examples, %d steps (lr 0.5)\n\n", steps);
  report<autograd::Matrix>("scalar engine (Values)");
  report<tensor::Tensor<double>>("tensor engine (double)");
  return 0;
}
