// One function template, three engines: the scalar engine's matrix of Values, and the tensor
// engine in double and in float run the same lines and give the same numbers.
//
//   build/bin/one_api

#include <cstdio>

#include "example_arguments.hpp"

#include "autograd/matrix.hpp"
#include "tensor/tensor.hpp"

namespace {

template <class M>                               // autograd::Matrix, tensor::Tensor<double> or tensor::Tensor<float>
double step(M& w) {                              // w: (2x3)
  M x({{1, 2}});                                 // x: (1x2)
  M loss = sum(tanh(matmul(x, w)) / 2.0 + 1.0);  // 1x1
  loss.backward();                               // w.grad(i, j) == d loss / d w(i, j)
  return loss.item();
}

template <class M>
void report(const char* engine) {
  M w({{0.3, 1.2, 0.7}, {1.9, 0.45, 1.1}});
  const double loss = step(w);
  std::printf("%-24s loss %.12f   dloss/dw row 0: %+.12f %+.12f %+.12f\n", engine, loss, double(w.grad(0, 0)),
              double(w.grad(0, 1)), double(w.grad(0, 2)));
}

}  // namespace

int main(int argc, char** argv) {
  const int exit_code = lecture::check_no_arguments(
      argc, argv, "one_api", "One function template runs on autograd::Matrix, Tensor<double> and Tensor<float>.");
  if (exit_code >= 0) return exit_code;
  report<autograd::Matrix>("autograd::Matrix");
  report<tensor::Tensor<double>>("tensor::Tensor<double>");
  report<tensor::Tensor<float>>("tensor::Tensor<float>");
  return 0;
}
