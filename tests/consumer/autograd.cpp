// backprop::autograd alone: one neuron's gradient, checked against the chain rule.

#include <cmath>
#include <cstdio>

#include "autograd/value.hpp"

int main() {
  autograd::Value w(0.5, "w"), x(2.0, "x"), b(-0.5, "b");
  const autograd::Value y = tanh(w * x + b);
  y.backward();
  const double expected = (1 - y.data() * y.data()) * x.data();
  std::printf("autograd: dy/dw = %.6f (chain rule %.6f)\n", w.grad(), expected);
  return std::abs(w.grad() - expected) < 1e-12 ? 0 : 1;
}
