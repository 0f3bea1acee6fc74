#pragma once
// The engines nn runs on -- autograd::Matrix (the scalar engine, double), tensor::Tensor<float>
// and tensor::Tensor<double> -- share one API: the same constructors, members (rows(), item(),
// backward(), zero_grad(), value(i, j), grad(i, j), ...) and free functions (matmul, +, tanh,
// softmax, cross_entropy, ...), which nn calls directly.
//
// Engine<M> holds only what differs between them: the number type, and bulk access to a
// parameter's storage that the training loop and the optimizers run over every element of
// every parameter on every step, where going through value(i, j) one element at a time would
// cost more than the step's products. The free functions below it are written once over the
// common API.

#include <cmath>
#include <cstddef>
#include <vector>

#include "autograd/matrix.hpp"
#include "tensor/array_loops.hpp"
#include "tensor/tensor.hpp"

namespace nn {

template <class M>
struct Engine;

template <>
struct Engine<autograd::Matrix> {
  using Matrix = autograd::Matrix;
  using Scalar = double;
  static constexpr const char* name = "scalar";

  // A rows x cols leaf, a row at a time: fill_row(i, double* row) writes row i's cols values.
  template <class FillRow>
  static Matrix build_rows(std::size_t rows, std::size_t cols, const FillRow& fill_row) {
    std::vector<double> values(rows * cols);
    for (std::size_t i = 0; i < rows; ++i) fill_row(i, &values[i * cols]);
    return Matrix(rows, cols, values);
  }

  static bool values_are_finite(const Matrix& m) {
    for (const autograd::Value& v : m.values()) {
      if (!std::isfinite(v.data())) return false;
    }
    return true;
  }

  // Calls update(i, data, grad) for every element, in order; `data` is written back.
  template <class Update>
  static void update(const Matrix& m, const Update& update) {
    for (std::size_t i = 0; i < m.size(); ++i) {
      autograd::Node* node = m.values()[i].node();
      double data = node->data;
      update(i, data, node->grad);
      node->data = data;
    }
  }
  // One SGD step on every element (the rule: tensor::sgd_update in tensor/array_loops.hpp);
  // whether every updated value is finite, here and in adam_update (a second pass: the scalar
  // engine's parameters are few).
  static bool sgd_update(const Matrix& m, double* velocity, double rate, double momentum, double weight_decay) {
    update(m, [&](std::size_t i, double& p, double g) {
      if (momentum == 0.0) {  // as on the tensor engine: the velocity stays untouched
        p -= rate * (g + weight_decay * p);
        return;
      }
      velocity[i] = momentum * velocity[i] + (g + weight_decay * p);
      p -= rate * velocity[i];
    });
    return values_are_finite(m);
  }
  // One Adam step on every element (the rule: tensor::adam_element in tensor/array_loops.hpp).
  static bool adam_update(const Matrix& m, double* first_moment, double* second_moment,
                          const tensor::AdamStep<double>& step) {
    update(m, [&](std::size_t i, double& p, double g) {
      tensor::adam_element(p, g, first_moment[i], second_moment[i], step);
    });
    return values_are_finite(m);
  }

  // The scalar engine computes every gradient: no step is folded into backward() (see below).
  static void fold_descent_into_backward(const Matrix&, double) {}
  static bool descent_folded(const Matrix&) { return false; }
};

template <class T>
struct Engine<tensor::Tensor<T>> {
  using Matrix = tensor::Tensor<T>;
  using Scalar = T;
  static constexpr const char* name = "tensor";

  // A rows x cols leaf, a row at a time: fill_row(i, T* row) writes row i's cols values.
  template <class FillRow>
  static Matrix build_rows(std::size_t rows, std::size_t cols, const FillRow& fill_row) {
    typename Matrix::Array data = Matrix::Array::from_shape({rows, cols});
    for (std::size_t i = 0; i < rows; ++i) fill_row(i, data.data() + i * cols);
    return Matrix(std::move(data));
  }

  static bool values_are_finite(const Matrix& m) { return tensor::all_finite(m.data().data(), m.data().size()); }

  template <class Update>
  static void update(const Matrix& m, const Update& update) {
    T* data = m.node()->data.data();
    const bool has_grad = m.grad().size() == m.size();
    const T* grad = m.grad().data();
    for (std::size_t i = 0; i < m.size(); ++i) update(i, data[i], has_grad ? grad[i] : T(0));
  }

  // One SGD step: tensor::sgd_update, vectorised and on TBB; whether every updated value is
  // finite. A parameter that backward() never reached has a gradient of zeros, here and in
  // adam_update.
  static bool sgd_update(const Matrix& m, T* velocity, T rate, T momentum, T weight_decay) {
    return tensor::sgd_update(m.node()->data.data(), gradient_or_zeros(m), velocity, m.size(), rate, momentum,
                              weight_decay);
  }
  // One Adam step: tensor::adam_update, vectorised and on TBB.
  static bool adam_update(const Matrix& m, T* first_moment, T* second_moment, const tensor::AdamStep<T>& step) {
    return tensor::adam_update(m.node()->data.data(), gradient_or_zeros(m), first_moment, second_moment, m.size(),
                               step);
  }

  // Plain SGD folded into the next backward(): Tensor::fold_descent_into_backward.
  static void fold_descent_into_backward(const Matrix& m, T rate) { m.fold_descent_into_backward(rate); }
  static bool descent_folded(const Matrix& m) { return m.descent_folded(); }

 private:
  // The gradient's storage; a parameter that backward() never reached gets one of zeros.
  static const T* gradient_or_zeros(const Matrix& m) {
    typename Matrix::Array& grad = m.node()->grad;
    if (grad.size() != m.size()) {
      grad = Matrix::Array::from_shape(m.data().shape());
      grad.fill(T(0));
    }
    return grad.data();
  }
};

// element(i, j) for every element of m, row-major, as doubles.
template <class M, class Element>
std::vector<double> row_major(const M& m, const Element& element) {
  std::vector<double> out;
  out.reserve(m.size());
  for (std::size_t i = 0; i < m.rows(); ++i) {
    for (std::size_t j = 0; j < m.cols(); ++j) out.push_back(static_cast<double>(element(i, j)));
  }
  return out;
}

// Every value of m, row-major.
template <class M>
std::vector<double> values_of(const M& m) {
  return row_major(m, [&](std::size_t i, std::size_t j) { return m.value(i, j); });
}

// Every gradient of m, row-major (zeros where none was computed).
template <class M>
std::vector<double> gradients_of(const M& m) {
  return row_major(m, [&](std::size_t i, std::size_t j) { return m.grad(i, j); });
}

// A rows x cols leaf with element (i, j) = fill(i, j).
template <class M, class Fill>
M build(std::size_t rows, std::size_t cols, const Fill& fill) {
  using Scalar = typename Engine<M>::Scalar;
  return Engine<M>::build_rows(rows, cols, [&](std::size_t i, Scalar* row) {
    for (std::size_t j = 0; j < cols; ++j) row[j] = static_cast<Scalar>(fill(i, j));
  });
}

}  // namespace nn
