// The lecture's section 3.2: one neuron with three inputs learns to add them.
//
//   build/bin/adder_neuron
//
// Y = X @ w + b, X a batch of 5 random triples, the target their sums, mean squared error.
// Gradient descent should find w = (1, 1, 1) and b = 0 -- on both engines, from the same
// starting weights, to the same numbers.

#include <cstdio>

#include "example_arguments.hpp"

#include "layer_examples.hpp"

namespace {

constexpr std::uint64_t seed = 3;
constexpr int steps = 400;

template <class M>
void report(const char* engine) {
  const nn::Dense<M> neuron = lecture::train_adder<M>(seed, steps);
  const M& w = neuron.weight;  // (3x1)
  std::printf("%-26s w = (%.6f, %.6f, %.6f)   b = %+.6f\n", engine, double(w.value(0, 0)), double(w.value(1, 0)),
              double(w.value(2, 0)), double(neuron.bias.value(0, 0)));
}

}  // namespace

int main(int argc, char** argv) {
  const int exit_code = lecture::check_no_arguments(
      argc, argv, "adder_neuron",
      "One neuron with 3 inputs and no activation learns Y = x1 + x2 + x3 on both engines.");
  if (exit_code >= 0) return exit_code;
  std::printf("One neuron, 3 inputs, no activation: Y = X @ w + b, learning Y = x1 + x2 + x3\n");
  std::printf("%d steps of gradient descent (lr 0.1) on batches of 5, seed %d\n\n", steps, static_cast<int>(seed));
  report<autograd::Matrix>("scalar engine (Values):");
  report<tensor::Tensor<double>>("tensor engine (double):");
  std::printf("\nexpected: w = (1, 1, 1), b = 0\n");
  return 0;
}
