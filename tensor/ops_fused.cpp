// Fused ops: a layer's bias and activation, f(z + bias), in one op. Forward, row by row, adds the
// bias and applies f while the row is in the L1 cache; backward computes f'(y) * dy once and
// hands it to both operands. The steps are the rules of the two separate ops (add, then
// tanh/relu/sigmoid), so the results are theirs -- but for the last bit where a row's length is
// not a multiple of the vector width, as the activation's vector and scalar paths then split
// the elements differently.

#include "tensor/elementwise.hpp"
#include "tensor/graph_building.hpp"
#include "tensor/kernels.hpp"

namespace tensor {
namespace {

// d(z + bias) = rule.grad(dy, ., y), from y alone (tanh and sigmoid read only y, relu y's sign,
// which is z + bias's); z's gradient gets it whole, the bias's summed over rows. Written
// straight into z's gradient when z is an op's result (a product's, as in every layer) used
// only here: its gradient then starts at zero.
template <class Activation, class T>
void bias_activation_backward(Node<T>& out) {
  Node<T>& z = *out.inputs[0];
  Node<T>& bias = *out.inputs[1];
  const bool z_gets_it_alone = z.requires_grad && z.consumers == 1 && z.op != Op::leaf;  // a leaf's may hold more
  xt::xtensor<T, 2> separate;
  xt::xtensor<T, 2>& d_sum = z_gets_it_alone ? z.grad : separate;
  if (!z_gets_it_alone) {
    separate = xt::xtensor<T, 2>::from_shape(out.data.shape());
    separate.fill(T(0));
  }
  detail::apply_backward(Activation{}, out.data.data(), out.data.data(), out.grad.data(), d_sum.data(),
                         out.data.size());
  if (bias.requires_grad) kernels::accumulate_reduced(d_sum, T(1), bias.grad);
  if (z.requires_grad && !z_gets_it_alone) kernels::accumulate_reduced(d_sum, T(1), z.grad);
}

// f(z + bias): each row gets the bias added and the activation applied while it is in the cache.
template <class Activation, class T>
Tensor<T> bias_activation(Op op, const Tensor<T>& z, const Tensor<T>& bias) {
  detail::require_non_empty(op_name(op), z);
  detail::require_non_empty(op_name(op), bias);
  if (bias.rows() != 1 || bias.cols() != z.cols()) {
    detail::fail(op_name(op), "bias " + detail::shape_of(bias) + " for " + detail::shape_of(z) + ": need a (1x" +
                                  std::to_string(z.cols()) + ") row");
  }
  const std::size_t rows = z.rows(), cols = z.cols();
  xt::xtensor<T, 2> out = xt::xtensor<T, 2>::from_shape({rows, cols});
  detail::parallel_chunks(rows, detail::row_grain(cols), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const T* zi = &z.data()(i, 0);
      const T* b = bias.data().data();
      T* yi = &out(i, 0);
      for (std::size_t j = 0; j < cols; ++j) yi[j] = zi[j] + b[j];
      detail::apply_forward(Activation{}, yi, yi, cols);
    }
  });
  return detail::make_result(op, std::move(out), &bias_activation_backward<Activation, T>, z, bias);
}

}  // namespace

template <class T>
Tensor<T> bias_tanh(const Tensor<T>& z, const Tensor<T>& bias) {
  return bias_activation<rules::Tanh>(Op::bias_tanh, z, bias);
}
template <class T>
Tensor<T> bias_relu(const Tensor<T>& z, const Tensor<T>& bias) {
  return bias_activation<rules::Relu>(Op::bias_relu, z, bias);
}
template <class T>
Tensor<T> bias_sigmoid(const Tensor<T>& z, const Tensor<T>& bias) {
  return bias_activation<rules::Sigmoid>(Op::bias_sigmoid, z, bias);
}

template Tensor<float> bias_tanh(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> bias_tanh(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> bias_relu(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> bias_relu(const Tensor<double>&, const Tensor<double>&);
template Tensor<float> bias_sigmoid(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> bias_sigmoid(const Tensor<double>&, const Tensor<double>&);

}  // namespace tensor
