#include "autograd/matrix.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <utility>

namespace autograd {
namespace {

[[noreturn]] void fail(const std::string& op, const std::string& what) {
  throw std::invalid_argument(op + ": " + what);
}

template <class F>
Matrix map(const Matrix& x, const F& f) {
  std::vector<Value> out;
  out.reserve(x.size());
  for (const Value& v : x.values()) out.push_back(f(v));
  return Matrix::from_values(x.rows(), x.cols(), std::move(out));
}

// The number operand of a mixed operation: a 1 x 1 constant leaf.
Matrix constant(double number) {
  Matrix m(1, 1, std::vector<double>{number});
  m.set_requires_grad(false);
  return m;
}

Matrix broadcast(const char* op, const char* symbol, const Matrix& a, const Matrix& b,
                 const std::function<Value(const Value&, const Value&)>& f) {
  auto dim = [&](std::size_t m, std::size_t n) {
    if (m == n || n == 1) return m;
    if (m == 1) return n;
    fail(op, a.shape_string() + " " + symbol + " " + b.shape_string() +
                 ": shapes differ and neither is 1 where they differ");
  };
  const std::size_t rows = dim(a.rows(), b.rows()), cols = dim(a.cols(), b.cols());
  std::vector<Value> out;
  out.reserve(rows * cols);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) {
      out.push_back(
          f(a(a.rows() == 1 ? 0 : i, a.cols() == 1 ? 0 : j), b(b.rows() == 1 ? 0 : i, b.cols() == 1 ? 0 : j)));
    }
  }
  return Matrix::from_values(rows, cols, std::move(out));
}

Value sum_of(const std::vector<Value>& values) {
  Value total = values[0];
  for (std::size_t i = 1; i < values.size(); ++i) total = total + values[i];
  return total;
}

// log(sum_j e^x[j]) of row i, as m + log(sum_j e^(x[j] - m)) with m the row's largest value.
Value log_sum_exp(const Matrix& x, std::size_t i) {
  double m = x(i, 0).data();
  for (std::size_t j = 1; j < x.cols(); ++j) m = std::max(m, x(i, j).data());
  Value total = exp(x(i, 0) - m);
  for (std::size_t j = 1; j < x.cols(); ++j) total = total + exp(x(i, j) - m);
  return log(total) + m;
}

}  // namespace

Matrix::Matrix() : Matrix(1, 1, std::vector<double>{0.0}) {}

Matrix::Matrix(std::initializer_list<std::initializer_list<double>> rows) {
  const std::size_t cols = rows.size() == 0 ? 0 : rows.begin()->size();
  std::vector<Value> values;
  for (const auto& row : rows) {
    if (row.size() != cols) fail("Matrix", "rows of different lengths");
    values.insert(values.end(), row.begin(), row.end());
  }
  *this = from_values(rows.size(), cols, std::move(values));
}

Matrix::Matrix(std::size_t rows, std::size_t cols, const std::vector<double>& values)
    : rows_(rows), cols_(cols), values_(values.begin(), values.end()) {
  check_shape();
}

Matrix::Matrix(std::size_t rows, std::size_t cols, std::vector<Value> values, Adopt)
    : rows_(rows), cols_(cols), values_(std::move(values)) {
  check_shape();
}

Matrix Matrix::from_values(std::size_t rows, std::size_t cols, std::vector<Value> values) {
  return Matrix(rows, cols, std::move(values), Adopt{});
}

void Matrix::check_shape() const {
  if (rows_ * cols_ == 0) fail("Matrix", "empty data " + shape_string());
  if (values_.size() != rows_ * cols_) {
    fail("Matrix", std::to_string(values_.size()) + " values for shape " + shape_string());
  }
}

Matrix Matrix::zeros(std::size_t rows, std::size_t cols) {
  return Matrix(rows, cols, std::vector<double>(rows * cols));
}

std::string Matrix::shape_string() const { return "(" + std::to_string(rows_) + "x" + std::to_string(cols_) + ")"; }

const Value& Matrix::at(std::size_t i, std::size_t j) const {
  if (i >= rows_ || j >= cols_) {
    throw std::out_of_range("Matrix: element (" + std::to_string(i) + ", " + std::to_string(j) + ") of " +
                            shape_string());
  }
  return (*this)(i, j);
}

double Matrix::item() const {
  if (size() != 1) fail("item", "only a 1x1 matrix is a number, not " + shape_string());
  return values_[0].data();
}

bool Matrix::requires_grad() const {
  for (const Value& v : values_) {
    if (v.requires_grad()) return true;
  }
  return false;
}

Matrix& Matrix::set_requires_grad(bool requires) {
  for (Value& v : values_) v.set_requires_grad(requires);
  return *this;
}

void Matrix::backward() const {
  if (size() != 1) fail("backward", "the output must be 1x1 (a loss), not " + shape_string());
  values_[0].backward();
}

void Matrix::zero_grad() const { autograd::zero_grad(values_); }

void zero_grad(const std::vector<Matrix>& matrices) {
  for (const Matrix& m : matrices) m.zero_grad();
}

Matrix& Matrix::set_label(const std::string& name) {
  for (std::size_t i = 0; i < rows_; ++i) {
    for (std::size_t j = 0; j < cols_; ++j) {
      (*this)(i, j).set_label(name + "[" + std::to_string(i) + "," + std::to_string(j) + "]");
    }
  }
  return *this;
}

Matrix matmul(const Matrix& a, const Matrix& b) {
  if (a.cols() != b.rows()) fail("matmul", a.shape_string() + " @ " + b.shape_string() + ": inner dimensions differ");
  std::vector<Value> out;
  out.reserve(a.rows() * b.cols());
  for (std::size_t i = 0; i < a.rows(); ++i) {
    for (std::size_t j = 0; j < b.cols(); ++j) {
      Value s = a(i, 0) * b(0, j);
      for (std::size_t k = 1; k < a.cols(); ++k) s = s + a(i, k) * b(k, j);
      out.push_back(std::move(s));
    }
  }
  return Matrix::from_values(a.rows(), b.cols(), std::move(out));
}

Matrix operator+(const Matrix& a, const Matrix& b) {
  return broadcast("add", "+", a, b, [](const Value& x, const Value& y) { return x + y; });
}
Matrix operator-(const Matrix& a, const Matrix& b) {
  return broadcast("sub", "-", a, b, [](const Value& x, const Value& y) { return x - y; });
}
Matrix operator*(const Matrix& a, const Matrix& b) {
  return broadcast("mul", "*", a, b, [](const Value& x, const Value& y) { return x * y; });
}
Matrix operator/(const Matrix& a, const Matrix& b) {
  return broadcast("div", "/", a, b, [](const Value& x, const Value& y) { return x / y; });
}
Matrix operator+(const Matrix& a, double b) { return a + constant(b); }
Matrix operator+(double a, const Matrix& b) { return constant(a) + b; }
Matrix operator-(const Matrix& a, double b) { return a - constant(b); }
Matrix operator-(double a, const Matrix& b) { return constant(a) - b; }
Matrix operator*(const Matrix& a, double b) { return a * constant(b); }
Matrix operator*(double a, const Matrix& b) { return constant(a) * b; }
Matrix operator/(const Matrix& a, double b) { return a / constant(b); }
Matrix operator/(double a, const Matrix& b) { return constant(a) / b; }
Matrix operator-(const Matrix& a) {
  return map(a, [](const Value& x) { return -x; });
}

Matrix transpose(const Matrix& a) {
  std::vector<Value> out;
  out.reserve(a.size());
  for (std::size_t j = 0; j < a.cols(); ++j) {
    for (std::size_t i = 0; i < a.rows(); ++i) out.push_back(a(i, j));
  }
  return Matrix::from_values(a.cols(), a.rows(), std::move(out));
}

Matrix pow(const Matrix& x, double exponent) {
  return map(x, [exponent](const Value& v) { return pow(v, exponent); });
}
Matrix exp(const Matrix& x) {
  return map(x, [](const Value& v) { return exp(v); });
}
Matrix log(const Matrix& x) {
  return map(x, [](const Value& v) { return log(v); });
}
Matrix tanh(const Matrix& x) {
  return map(x, [](const Value& v) { return tanh(v); });
}
Matrix relu(const Matrix& x) {
  return map(x, [](const Value& v) { return relu(v); });
}
Matrix sigmoid(const Matrix& x) {
  return map(x, [](const Value& v) { return sigmoid(v); });
}

Matrix softmax(const Matrix& logits) {
  std::vector<Value> out;
  for (std::size_t i = 0; i < logits.rows(); ++i) {
    const Value lse = log_sum_exp(logits, i);
    for (std::size_t j = 0; j < logits.cols(); ++j) out.push_back(exp(logits(i, j) - lse));
  }
  return Matrix::from_values(logits.rows(), logits.cols(), std::move(out));
}

Matrix log_softmax(const Matrix& logits) {
  std::vector<Value> out;
  for (std::size_t i = 0; i < logits.rows(); ++i) {
    const Value lse = log_sum_exp(logits, i);
    for (std::size_t j = 0; j < logits.cols(); ++j) out.push_back(logits(i, j) - lse);
  }
  return Matrix::from_values(logits.rows(), logits.cols(), std::move(out));
}

Matrix cross_entropy(const Matrix& logits, const std::vector<std::int32_t>& labels) {
  if (labels.size() != logits.rows()) {
    fail("cross_entropy",
         std::to_string(labels.size()) + " labels for " + logits.shape_string() + " logits: need one per row");
  }
  std::vector<Value> row_losses;
  for (std::size_t i = 0; i < logits.rows(); ++i) {
    if (labels[i] < 0 || static_cast<std::size_t>(labels[i]) >= logits.cols()) {
      fail("cross_entropy", "label " + std::to_string(labels[i]) + " of row " + std::to_string(i) + " is outside [0, " +
                                std::to_string(logits.cols()) + ")");
    }
    row_losses.push_back(log_sum_exp(logits, i) - logits(i, static_cast<std::size_t>(labels[i])));
  }
  return Matrix::from_values(1, 1, {sum_of(row_losses) / static_cast<double>(logits.rows())});
}

Matrix mse(const Matrix& prediction, const Matrix& target) {
  if (prediction.rows() != target.rows() || prediction.cols() != target.cols()) {
    fail("mse",
         "prediction " + prediction.shape_string() + " and target " + target.shape_string() + " differ in shape");
  }
  std::vector<Value> squares;
  for (std::size_t i = 0; i < prediction.size(); ++i) {
    const Value error = prediction.values()[i] - target.values()[i];
    squares.push_back(error * error);
  }
  return Matrix::from_values(1, 1, {sum_of(squares) / static_cast<double>(prediction.size())});
}

Matrix sum(const Matrix& a) { return Matrix::from_values(1, 1, {sum_of(a.values())}); }
Matrix mean(const Matrix& a) { return Matrix::from_values(1, 1, {sum_of(a.values()) / static_cast<double>(a.size())}); }

}  // namespace autograd
