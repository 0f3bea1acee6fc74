// backprop::tensor alone: a product's gradient, checked against its closed form.

#include <cstdio>

#include "tensor/tensor.hpp"

int main() {
  tensor::Tensor<float> x({{1, 2}}), w({{0.5f, -1}, {2, 0.25f}});
  const tensor::Tensor<float> loss = sum(matmul(x, w));
  loss.backward();
  // d(sum(x @ w))/dw(i, j) = x(0, i)
  std::printf("tensor: loss %.3f, dloss/dw = %.1f %.1f / %.1f %.1f\n", static_cast<double>(loss.item()),
              static_cast<double>(w.grad(0, 0)), static_cast<double>(w.grad(0, 1)), static_cast<double>(w.grad(1, 0)),
              static_cast<double>(w.grad(1, 1)));
  return loss.item() == 4.0f && w.grad(0, 1) == 1 && w.grad(1, 0) == 2 ? 0 : 1;
}
