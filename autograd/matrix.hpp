#pragma once
// autograd::Matrix -- a rows x cols grid of Values: the scalar engine's matrix. It spells out a
// dense layer exactly as the lecture writes it, every w*x product and every + a node of its own,
// with the tensor engine's op names, so nn code is written once for both engines.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "autograd/value.hpp"

namespace autograd {

class Matrix {
 public:
  Matrix() = default;
  // rows x cols leaves holding `values` (row-major). Throws std::invalid_argument if the count
  // does not match or the matrix would be empty.
  Matrix(std::size_t rows, std::size_t cols, const std::vector<double>& values);
  Matrix(std::size_t rows, std::size_t cols, std::vector<Value> values);
  static Matrix zeros(std::size_t rows, std::size_t cols);

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return values_.size(); }
  std::string shape_string() const;  // "(3x4)"

  const Value& operator()(std::size_t i, std::size_t j) const { return values_[i * cols_ + j]; }
  Value& operator()(std::size_t i, std::size_t j) { return values_[i * cols_ + j]; }
  const std::vector<Value>& values() const { return values_; }

  // Labels every element "<name>[i,j]", e.g. "W1[3,0]", for dumps and the debugger.
  Matrix& set_label(const std::string& name);

 private:
  std::size_t rows_ = 0, cols_ = 0;
  std::vector<Value> values_;
};

// out(i,j) = a(i,0) b(0,j) + a(i,1) b(1,j) + ...: (m x k) @ (k x n) -> (m x n).
Matrix matmul(const Matrix& a, const Matrix& b);

// Element-wise, broadcasting dimensions of size 1 as the tensor engine does.
Matrix operator+(const Matrix& a, const Matrix& b);
Matrix operator-(const Matrix& a, const Matrix& b);
Matrix operator*(const Matrix& a, const Matrix& b);

Matrix tanh(const Matrix& x);
Matrix relu(const Matrix& x);
Matrix sigmoid(const Matrix& x);

// Row-wise, shifted by each row's largest value (a constant) so that exponentials stay finite.
Matrix softmax(const Matrix& logits);
Matrix log_softmax(const Matrix& logits);

// 1 x 1: the mean over rows of -log softmax(logits)[row, labels[row]].
Matrix cross_entropy(const Matrix& logits, const std::vector<std::int32_t>& labels);
// 1 x 1: the mean over elements of (prediction - target)^2.
Matrix mse(const Matrix& prediction, const Matrix& target);
// 1 x 1
Matrix sum(const Matrix& a);
Matrix mean(const Matrix& a);

}  // namespace autograd
