// Row-wise ops and the losses: softmax, log_softmax, the fused cross-entropy, and mse. Each row
// is one sample; rows run in parallel and every sum over a row runs in a fixed order.

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/graph_building.hpp"
#include "tensor/kernels.hpp"
#include "tensor/parallel.hpp"

namespace tensor {
namespace {

// Calls body(row_index) for every row, in parallel for large arrays.
template <class Body>
void for_each_row(std::size_t rows, std::size_t cols, const Body& body) {
  detail::parallel_chunks(rows, detail::row_grain(cols), [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) body(i);
  });
}

// A row's log-sum-exp, log(sum_j e^x[j]) = max + log_total, kept as its two parts: adding them
// before subtracting x[j] would round away the small differences that matter (in float,
// log_softmax of (1e4, 1e4) would come out as -0.69336 instead of -0.69315).
template <class T>
struct LogSumExp {
  T max;        // the row's largest value
  T log_total;  // log(sum_j e^(x[j] - max)), in [0, log(cols)]
};

// probabilities[j] = e^(x[j] - max) / sum_j e^(x[j] - max), and the row's log-sum-exp. The sum
// is 1 (the largest element's term) plus the others', and log_total = log1p(others) keeps
// full precision when the others are tiny (cross-entropy of a confident, correct row).
template <class T>
LogSumExp<T> softmax_row(const T* x, T* probabilities, std::size_t cols) {
  const std::size_t largest = static_cast<std::size_t>(std::max_element(x, x + cols) - x);
  const T max = x[largest];
  T others = 0;
  for (std::size_t j = 0; j < cols; ++j) {
    probabilities[j] = j == largest ? T(1) : std::exp(x[j] - max);
    if (j != largest) others += probabilities[j];
  }
  const T total = T(1) + others;
  for (std::size_t j = 0; j < cols; ++j) probabilities[j] /= total;
  return {max, std::log1p(others)};
}

}  // namespace

// The backward rules, each defined below its op.
template <class T>
static void softmax_backward(Node<T>& out);
template <class T>
static void log_softmax_backward(Node<T>& out);
template <class T>
static void cross_entropy_backward(Node<T>& out);
template <class T>
static void mse_backward(Node<T>& out);

template <class T>
Tensor<T> softmax(const Tensor<T>& logits) {
  detail::require_non_empty("softmax", logits);
  const std::size_t rows = logits.rows(), cols = logits.cols();
  xt::xtensor<T, 2> out = xt::xtensor<T, 2>::from_shape({rows, cols});
  for_each_row(rows, cols, [&](std::size_t i) { softmax_row(&logits.data()(i, 0), &out(i, 0), cols); });
  return detail::make_result(Op::softmax, std::move(out), &softmax_backward<T>, logits);
}
// dx = y * (g - sum_j g_j y_j), row by row
template <class T>
static void softmax_backward(Node<T>& out) {
  Node<T>& x = *out.inputs[0];
  const std::size_t rows = out.data.shape()[0], cols = out.data.shape()[1];
  for_each_row(rows, cols, [&](std::size_t i) {
    const T* y = &out.data(i, 0);
    const T* g = &out.grad(i, 0);
    T dot = 0;
    for (std::size_t j = 0; j < cols; ++j) dot += g[j] * y[j];
    T* dx = &x.grad(i, 0);
    for (std::size_t j = 0; j < cols; ++j) dx[j] += y[j] * (g[j] - dot);
  });
}

template <class T>
Tensor<T> log_softmax(const Tensor<T>& logits) {
  detail::require_non_empty("log_softmax", logits);
  const std::size_t rows = logits.rows(), cols = logits.cols();
  xt::xtensor<T, 2> out = xt::xtensor<T, 2>::from_shape({rows, cols});
  for_each_row(rows, cols, [&](std::size_t i) {
    const T* x = &logits.data()(i, 0);
    const LogSumExp<T> lse = softmax_row(x, &out(i, 0), cols);
    for (std::size_t j = 0; j < cols; ++j) out(i, j) = (x[j] - lse.max) - lse.log_total;
  });
  return detail::make_result(Op::log_softmax, std::move(out), &log_softmax_backward<T>, logits);
}
// dx = g - softmax * sum_j g_j, with softmax = e^out
template <class T>
static void log_softmax_backward(Node<T>& out) {
  Node<T>& x = *out.inputs[0];
  const std::size_t rows = out.data.shape()[0], cols = out.data.shape()[1];
  for_each_row(rows, cols, [&](std::size_t i) {
    const T* g = &out.grad(i, 0);
    T g_total = 0;
    for (std::size_t j = 0; j < cols; ++j) g_total += g[j];
    T* dx = &x.grad(i, 0);
    for (std::size_t j = 0; j < cols; ++j) dx[j] += g[j] - std::exp(out.data(i, j)) * g_total;
  });
}

template <class T>
Tensor<T> cross_entropy(const Tensor<T>& logits, const std::vector<std::int32_t>& labels) {
  detail::require_non_empty("cross_entropy", logits);
  const std::size_t rows = logits.rows(), cols = logits.cols();
  if (labels.size() != rows) {
    detail::fail("cross_entropy", std::to_string(labels.size()) + " labels for " + detail::shape_of(logits) +
                                      " logits: need one per row");
  }
  for (std::size_t i = 0; i < rows; ++i) {
    if (labels[i] < 0 || static_cast<std::size_t>(labels[i]) >= cols) {
      detail::fail("cross_entropy", "label " + std::to_string(labels[i]) + " of row " + std::to_string(i) +
                                        " is outside [0, " + std::to_string(cols) + ")");
    }
  }
  xt::xtensor<T, 2> probabilities = xt::xtensor<T, 2>::from_shape({rows, cols});
  std::vector<T> row_losses(rows);
  for_each_row(rows, cols, [&](std::size_t i) {
    const T* x = &logits.data()(i, 0);
    const LogSumExp<T> lse = softmax_row(x, &probabilities(i, 0), cols);
    row_losses[i] = (lse.max - x[labels[i]]) + lse.log_total;  // -log softmax(x)[label]
  });
  T total = 0;
  for (T loss : row_losses) total += loss;
  xt::xtensor<T, 2> out = {{total / static_cast<T>(rows)}};
  Tensor<T> result = detail::make_result(Op::cross_entropy, std::move(out), &cross_entropy_backward<T>, logits);
  result.node()->saved = std::move(probabilities);
  result.node()->labels = labels;
  return result;
}
// dx = g * (softmax - one_hot(label)) / rows
template <class T>
static void cross_entropy_backward(Node<T>& out) {
  Node<T>& x = *out.inputs[0];
  const std::size_t rows = out.saved.shape()[0], cols = out.saved.shape()[1];
  const T scale = out.grad(0, 0) / static_cast<T>(rows);
  for_each_row(rows, cols, [&](std::size_t i) {
    T* dx = &x.grad(i, 0);
    const T* p = &out.saved(i, 0);
    for (std::size_t j = 0; j < cols; ++j) dx[j] += scale * p[j];
    dx[out.labels[i]] -= scale;
  });
}

template <class T>
Tensor<T> mse(const Tensor<T>& prediction, const Tensor<T>& target) {
  detail::require_non_empty("mse", prediction);
  detail::require_non_empty("mse", target);
  if (prediction.data().shape() != target.data().shape()) {
    detail::fail("mse", "prediction " + detail::shape_of(prediction) + " and target " + detail::shape_of(target) +
                            " differ in shape");
  }
  xt::xtensor<T, 2> error = prediction.data() - target.data();
  error *= error;
  xt::xtensor<T, 2> out = {{kernels::total_sum(error) / static_cast<T>(error.size())}};
  return detail::make_result(Op::mse, std::move(out), &mse_backward<T>, prediction, target);
}
// d/dprediction = 2 (prediction - target) / N = -d/dtarget
template <class T>
static void mse_backward(Node<T>& out) {
  Node<T>& p = *out.inputs[0];
  Node<T>& t = *out.inputs[1];
  const T scale = T(2) * out.grad(0, 0) / static_cast<T>(p.data.size());
  const xt::xtensor<T, 2> difference = p.data - t.data;
  if (p.requires_grad) kernels::accumulate_reduced(difference, scale, p.grad);
  if (t.requires_grad) kernels::accumulate_reduced(difference, -scale, t.grad);
}

template Tensor<float> softmax(const Tensor<float>&);
template Tensor<double> softmax(const Tensor<double>&);
template Tensor<float> log_softmax(const Tensor<float>&);
template Tensor<double> log_softmax(const Tensor<double>&);
template Tensor<float> cross_entropy(const Tensor<float>&, const std::vector<std::int32_t>&);
template Tensor<double> cross_entropy(const Tensor<double>&, const std::vector<std::int32_t>&);
template Tensor<float> mse(const Tensor<float>&, const Tensor<float>&);
template Tensor<double> mse(const Tensor<double>&, const Tensor<double>&);

}  // namespace tensor
