// Trains a 2-5-1 tanh network for a few steps on both engines through an installed backprop
// and checks that the loss falls on each. Exit 0 when it does.

#include <cstdio>
#include <vector>

#include "autograd/matrix.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"
#include "tensor/tensor.hpp"

template <class M>
bool loss_falls(const char* engine) {
  const nn::Architecture architecture{{2, 5, 1}, {nn::Activation::tanh, nn::Activation::identity}};
  nn::MLP<M> net(architecture, 7);
  nn::SGD<M> sgd(net.parameters(), 0.1);
  const M x(4, 2, {0, 0, 0, 1, 1, 0, 1, 1});
  const M y(4, 1, {0, 1, 1, 0});
  double first = 0, last = 0;
  for (int step = 0; step < 200; ++step) {
    sgd.zero_grad();
    const M loss = mse(net(x), y);
    loss.backward();
    sgd.step();
    last = loss.item();
    if (step == 0) first = last;
  }
  std::printf("%s engine: loss %.4f -> %.4f\n", engine, first, last);
  return last < 0.5 * first;
}

int main() {
  const bool scalar = loss_falls<autograd::Matrix>("scalar");
  const bool tensor = loss_falls<tensor::Tensor<float>>("tensor");
  return scalar && tensor ? 0 : 1;
}
