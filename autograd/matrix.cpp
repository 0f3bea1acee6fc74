#include "autograd/matrix.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace autograd {
namespace {

[[noreturn]] void fail(const std::string& op, const std::string& what) {
  throw std::invalid_argument(op + ": " + what);
}

Matrix map(const Matrix& x, Value (*f)(const Value&)) {
  std::vector<Value> out;
  out.reserve(x.size());
  for (const Value& v : x.values()) out.push_back(f(v));
  return Matrix(x.rows(), x.cols(), std::move(out));
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
  return Matrix(rows, cols, std::move(out));
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

Matrix::Matrix(std::size_t rows, std::size_t cols, const std::vector<double>& values)
    : Matrix(rows, cols, std::vector<Value>(values.begin(), values.end())) {}

Matrix::Matrix(std::size_t rows, std::size_t cols, std::vector<Value> values)
    : rows_(rows), cols_(cols), values_(std::move(values)) {
  if (rows * cols == 0) fail("Matrix", "empty data " + shape_string());
  if (values_.size() != rows * cols) {
    fail("Matrix", std::to_string(values_.size()) + " values for shape " + shape_string());
  }
}

Matrix Matrix::zeros(std::size_t rows, std::size_t cols) {
  return Matrix(rows, cols, std::vector<double>(rows * cols));
}

std::string Matrix::shape_string() const { return "(" + std::to_string(rows_) + "x" + std::to_string(cols_) + ")"; }

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
  return Matrix(a.rows(), b.cols(), std::move(out));
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

Matrix tanh(const Matrix& x) { return map(x, &tanh); }
Matrix relu(const Matrix& x) { return map(x, &relu); }
Matrix sigmoid(const Matrix& x) { return map(x, &sigmoid); }

Matrix softmax(const Matrix& logits) {
  std::vector<Value> out;
  for (std::size_t i = 0; i < logits.rows(); ++i) {
    const Value lse = log_sum_exp(logits, i);
    for (std::size_t j = 0; j < logits.cols(); ++j) out.push_back(exp(logits(i, j) - lse));
  }
  return Matrix(logits.rows(), logits.cols(), std::move(out));
}

Matrix log_softmax(const Matrix& logits) {
  std::vector<Value> out;
  for (std::size_t i = 0; i < logits.rows(); ++i) {
    const Value lse = log_sum_exp(logits, i);
    for (std::size_t j = 0; j < logits.cols(); ++j) out.push_back(logits(i, j) - lse);
  }
  return Matrix(logits.rows(), logits.cols(), std::move(out));
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
  return Matrix(1, 1, {sum_of(row_losses) / static_cast<double>(logits.rows())});
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
  return Matrix(1, 1, {sum_of(squares) / static_cast<double>(prediction.size())});
}

Matrix sum(const Matrix& a) { return Matrix(1, 1, {sum_of(a.values())}); }
Matrix mean(const Matrix& a) { return Matrix(1, 1, {sum_of(a.values()) / static_cast<double>(a.size())}); }

}  // namespace autograd
