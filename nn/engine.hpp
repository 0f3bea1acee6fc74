#pragma once
// What nn needs from an engine, for the three matrix types it runs on: autograd::Matrix (the
// scalar engine, double), tensor::Tensor<float> and tensor::Tensor<double>. Everything else --
// matmul, +, tanh, relu, sigmoid, softmax, cross_entropy, mse -- has the same name and meaning
// on every engine and is called directly.

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
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

  // A rows x cols leaf from row-major values.
  static Matrix make(std::size_t rows, std::size_t cols, const std::vector<double>& values) {
    return Matrix(rows, cols, values);
  }
  // A rows x cols leaf with element (i, j) = fill(i, j).
  template <class Fill>
  static Matrix build(std::size_t rows, std::size_t cols, const Fill& fill) {
    return build_rows(rows, cols, [&](std::size_t i, double* row) {
      for (std::size_t j = 0; j < cols; ++j) row[j] = fill(i, j);
    });
  }
  // The same, a row at a time: fill_row(i, double* row) writes row i's cols values.
  template <class FillRow>
  static Matrix build_rows(std::size_t rows, std::size_t cols, const FillRow& fill_row) {
    std::vector<double> values(rows * cols);
    for (std::size_t i = 0; i < rows; ++i) fill_row(i, &values[i * cols]);
    return Matrix(rows, cols, values);
  }
  // Marks input data, whose gradient nobody needs. The scalar engine computes every node's
  // gradient all the same (it is the teaching engine: nothing is skipped), so this does nothing.
  static void make_constant(Matrix&) {}
  static std::vector<double> values(const Matrix& m) {
    std::vector<double> out;
    out.reserve(m.size());
    for (const autograd::Value& v : m.values()) out.push_back(v.data());
    return out;
  }
  static std::vector<double> gradients(const Matrix& m) {
    std::vector<double> out;
    out.reserve(m.size());
    for (const autograd::Value& v : m.values()) out.push_back(v.grad());
    return out;
  }
  static void backward(const Matrix& loss) { loss(0, 0).backward(); }
  static bool gradient_is_finite(const Matrix& m) {
    for (const autograd::Value& v : m.values()) {
      if (!std::isfinite(v.grad())) return false;
    }
    return true;
  }
  static bool values_are_finite(const Matrix& m) {
    for (const autograd::Value& v : m.values()) {
      if (!std::isfinite(v.data())) return false;
    }
    return true;
  }
  static double item(const Matrix& m) { return m(0, 0).data(); }
  static void zero_grad(const Matrix& m) { autograd::zero_grad(m.values()); }

  // Calls update(i, data, grad) for every element, in order; `data` is written back.
  template <class Update>
  static void update(Matrix& m, const Update& update) {
    for (std::size_t i = 0; i < m.size(); ++i) {
      const autograd::Value& v = m.values()[i];
      double data = v.data();
      update(i, data, v.grad());
      v.node()->data = data;
    }
  }
  // One SGD step on every element (the rule: tensor::sgd_update in tensor/array_loops.hpp).
  static void sgd_update(Matrix& m, double* velocity, double rate, double momentum, double weight_decay) {
    update(m, [&](std::size_t i, double& p, double g) {
      if (momentum == 0.0) {  // as on the tensor engine: the velocity stays untouched
        p -= rate * (g + weight_decay * p);
        return;
      }
      velocity[i] = momentum * velocity[i] + (g + weight_decay * p);
      p -= rate * velocity[i];
    });
  }
};

template <class T>
struct Engine<tensor::Tensor<T>> {
  using Matrix = tensor::Tensor<T>;
  using Scalar = T;
  static constexpr const char* name = "tensor";

  static Matrix make(std::size_t rows, std::size_t cols, const std::vector<double>& values) {
    if (values.size() != rows * cols) {
      throw std::invalid_argument("Tensor: " + std::to_string(values.size()) + " values for shape (" +
                                  std::to_string(rows) + "x" + std::to_string(cols) + ")");
    }
    typename Matrix::Array data = Matrix::Array::from_shape({rows, cols});
    for (std::size_t i = 0; i < values.size(); ++i) data.data()[i] = static_cast<T>(values[i]);
    return Matrix(std::move(data));
  }
  template <class Fill>
  static Matrix build(std::size_t rows, std::size_t cols, const Fill& fill) {
    return build_rows(rows, cols, [&](std::size_t i, T* row) {
      for (std::size_t j = 0; j < cols; ++j) row[j] = static_cast<T>(fill(i, j));
    });
  }
  // The same, a row at a time: fill_row(i, T* row) writes row i's cols values.
  template <class FillRow>
  static Matrix build_rows(std::size_t rows, std::size_t cols, const FillRow& fill_row) {
    typename Matrix::Array data = Matrix::Array::from_shape({rows, cols});
    for (std::size_t i = 0; i < rows; ++i) fill_row(i, data.data() + i * cols);
    return Matrix(std::move(data));
  }
  // Marks input data, whose gradient nobody needs: backward() skips it (for a first layer, a
  // product as large as its weights' gradient).
  static void make_constant(Matrix& m) { m.set_requires_grad(false); }
  static std::vector<double> values(const Matrix& m) { return {m.data().begin(), m.data().end()}; }
  static std::vector<double> gradients(const Matrix& m) {
    if (m.grad().size() != m.size()) return std::vector<double>(m.size(), 0.0);
    return {m.grad().begin(), m.grad().end()};
  }
  static void backward(const Matrix& loss) { loss.backward(); }
  static bool gradient_is_finite(const Matrix& m) { return tensor::all_finite(m.grad().data(), m.grad().size()); }
  static bool values_are_finite(const Matrix& m) { return tensor::all_finite(m.data().data(), m.data().size()); }
  static double item(const Matrix& m) { return m.data()(0, 0); }
  // Drops the gradient (kept for reuse): the next backward() writes it afresh.
  static void zero_grad(const Matrix& m) { m.clear_grad(); }

  template <class Update>
  static void update(Matrix& m, const Update& update) {
    T* data = m.data().data();
    const bool has_grad = m.grad().size() == m.size();
    const T* grad = m.grad().data();
    for (std::size_t i = 0; i < m.size(); ++i) update(i, data[i], has_grad ? grad[i] : T(0));
  }

  // One SGD step: tensor::sgd_update, vectorised and on TBB. A parameter that backward() never
  // reached has a gradient of zeros.
  static void sgd_update(Matrix& m, T* velocity, T rate, T momentum, T weight_decay) {
    if (m.grad().size() != m.size()) {
      m.grad() = Matrix::Array::from_shape(m.data().shape());
      m.grad().fill(T(0));
    }
    tensor::sgd_update(m.data().data(), m.grad().data(), velocity, m.size(), rate, momentum, weight_decay);
  }
};

}  // namespace nn
