#pragma once
// autograd::Matrix -- a rows x cols grid of Values: the scalar engine's matrix. It spells out a
// dense layer exactly as the lecture writes it, every w*x product and every + a node of its own,
// with the API of the tensor engine's tensor::Tensor<T>, so code is written once for both:
//
//   Matrix x({{1, 2}}), w({{0.5}, {-1}});
//   Matrix loss = sum(tanh(matmul(x, w)) / 2.0 + 1.0);
//   loss.backward();             // w.grad(0, 0) == d(loss)/d(w[0,0])
//   double value = loss.item();
//
// Gradient semantics are those of Value (see value.hpp): leaves accumulate across backward()
// calls until zero_grad(); constants (set_requires_grad(false)) get none.
//
// Errors: a shape mismatch or an empty matrix throws std::invalid_argument naming the op and
// the shapes, e.g. "matmul: (1x2) @ (3x1): inner dimensions differ"; an element index outside
// the shape throws std::out_of_range.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "autograd/value.hpp"

namespace autograd {

class Matrix {
 public:
  // A 1 x 1 leaf holding 0.
  Matrix();
  // A leaf from rows of numbers: Matrix({{1, 2}, {3, 4}}).
  Matrix(std::initializer_list<std::initializer_list<double>> rows);
  // rows x cols leaves holding `values` (row-major). Throws std::invalid_argument if the count
  // does not match or the matrix would be empty.
  Matrix(std::size_t rows, std::size_t cols, const std::vector<double>& values);
  // rows x cols existing values (row-major), e.g. the nodes an op made. Throws as above.
  static Matrix from_values(std::size_t rows, std::size_t cols, std::vector<Value> values);
  static Matrix zeros(std::size_t rows, std::size_t cols);

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  std::size_t size() const { return values_.size(); }
  std::string shape_string() const;  // "(3x4)"

  // Element (i, j)'s number and its gradient.
  double value(std::size_t i, std::size_t j) const { return at(i, j).data(); }
  double grad(std::size_t i, std::size_t j) const { return at(i, j).grad(); }
  // The number of a 1 x 1 matrix (a loss). Throws std::invalid_argument for any other shape.
  double item() const;

  // Element (i, j) itself, a graph node to label, inspect or build on.
  const Value& operator()(std::size_t i, std::size_t j) const { return values_[i * cols_ + j]; }
  Value& operator()(std::size_t i, std::size_t j) { return values_[i * cols_ + j]; }
  const std::vector<Value>& values() const { return values_; }

  // Whether backward() computes the gradient of any element.
  bool requires_grad() const;
  // Makes every element a constant (false) or a parameter again (true). Leaves only: throws
  // std::invalid_argument if an element is an op's result.
  Matrix& set_requires_grad(bool requires);

  // Back-propagates from this matrix, which must be 1 x 1 (a loss). Throws
  // std::invalid_argument for any other shape.
  void backward() const;
  // Sets every element's gradient to 0 (what optimizers call between steps).
  void zero_grad() const;

  // Labels every element "<name>[i,j]", e.g. "W1[3,0]", for dumps and the debugger.
  Matrix& set_label(const std::string& name);

 private:
  struct Adopt {};
  Matrix(std::size_t rows, std::size_t cols, std::vector<Value> values, Adopt);
  const Value& at(std::size_t i, std::size_t j) const;  // checks the index
  void check_shape() const;                             // throws unless rows x cols values, not 0
  std::size_t rows_ = 0, cols_ = 0;
  std::vector<Value> values_;
};

// out(i,j) = a(i,0) b(0,j) + a(i,1) b(1,j) + ...: (m x k) @ (k x n) -> (m x n).
Matrix matmul(const Matrix& a, const Matrix& b);
// out(i,j) = a(j,i): the same values, rearranged (no new nodes).
Matrix transpose(const Matrix& a);

// Element-wise, broadcasting dimensions of size 1 as the tensor engine does. A number operand
// becomes a constant leaf, as in micrograd.
Matrix operator+(const Matrix& a, const Matrix& b);
Matrix operator-(const Matrix& a, const Matrix& b);
Matrix operator*(const Matrix& a, const Matrix& b);
Matrix operator/(const Matrix& a, const Matrix& b);
Matrix operator+(const Matrix& a, double b);
Matrix operator+(double a, const Matrix& b);
Matrix operator-(const Matrix& a, double b);
Matrix operator-(double a, const Matrix& b);
Matrix operator*(const Matrix& a, double b);
Matrix operator*(double a, const Matrix& b);
Matrix operator/(const Matrix& a, double b);
Matrix operator/(double a, const Matrix& b);
Matrix operator-(const Matrix& a);

// Element functions. pow's exponent is a constant.
Matrix pow(const Matrix& x, double exponent);
Matrix exp(const Matrix& x);
Matrix log(const Matrix& x);
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

// Sets the gradient of every element of each matrix to 0.
void zero_grad(const std::vector<Matrix>& matrices);

}  // namespace autograd
