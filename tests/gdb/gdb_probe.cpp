// A small program for the gdb printer test: a few Values and Tensors, then a stop.

#include "autograd/value.hpp"
#include "tensor/tensor.hpp"

// gdb breaks here; `up` reaches main's variables.
__attribute__((noinline)) void stop_here() { asm volatile(""); }

int main() {
  autograd::Value x(2.0, "x"), w(-0.5, "w");
  autograd::Value h = tanh(w * x);
  h.set_label("h");
  h.backward();

  tensor::Tensor<float> X({{1, 2}, {3, 4}, {5, 6}}), W({{1, 2, 3, 4, 5, 6, 7, 8}, {-1, -2, -3, -4, -5, -6, -7, -8}});
  X.set_label("X");
  W.set_label("W");
  tensor::Tensor<float> loss = sum(matmul(X, W));
  loss.backward();
  stop_here();
  return 0;
}
