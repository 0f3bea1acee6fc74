// One API on both engines: every op, written once as a function template, runs on
// autograd::Matrix, Tensor<double> and Tensor<float> and gives the same loss and gradients --
// the scalar engine and the double tensor engine to 1e-12, float within float's precision -- and
// the scalar engine's gradients agree with central finite differences.

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "autograd/matrix.hpp"
#include "tensor/tensor.hpp"

namespace {

using autograd::Matrix;
using TensorD = tensor::Tensor<double>;
using TensorF = tensor::Tensor<float>;

// The parameter every case differentiates with respect to: 2 x 3, positive (for log and
// fractional powers), no two entries alike.
const std::vector<double> start = {0.3, 1.2, 0.7, 1.9, 0.45, 1.1};

struct Outcome {
  double loss = 0;
  std::vector<double> grad;  // d(loss)/d(w), row-major
};

// loss = sum(y * y) with y = op(w), so that every entry of w gets its own gradient.
template <class M, class Op>
M squared_sum(const Op& op, const M& w) {
  const M y = op(w);
  return sum(y * y);
}

template <class M, class Op>
Outcome run(const Op& op) {
  M w(2, 3, start);
  const M loss = squared_sum(op, w);
  loss.backward();
  Outcome out;
  out.loss = static_cast<double>(loss.item());
  for (std::size_t i = 0; i < w.rows(); ++i) {
    for (std::size_t j = 0; j < w.cols(); ++j) out.grad.push_back(static_cast<double>(w.grad(i, j)));
  }
  return out;
}

// d(loss)/d(w[k]) by central differences on the scalar engine.
template <class Op>
std::vector<double> central_differences(const Op& op) {
  constexpr double h = 1e-6;
  std::vector<double> slopes;
  for (std::size_t k = 0; k < start.size(); ++k) {
    std::vector<double> up = start, down = start;
    up[k] += h;
    down[k] -= h;
    const double f_up = squared_sum(op, Matrix(2, 3, up)).item();
    const double f_down = squared_sum(op, Matrix(2, 3, down)).item();
    slopes.push_back((f_up - f_down) / (2 * h));
  }
  return slopes;
}

// |a - b| <= tolerance * max(1, |a|) for the loss and every gradient entry; the message names
// the case, the pair compared and every entry that is off.
void check_close(const std::string& what, const Outcome& a, const Outcome& b, double tolerance) {
  auto off = [&](double x, double y) { return std::abs(x - y) > tolerance * std::max(1.0, std::abs(x)); };
  std::ostringstream bad;
  if (off(a.loss, b.loss)) bad << " loss " << a.loss << " vs " << b.loss << ";";
  for (std::size_t k = 0; k < a.grad.size(); ++k) {
    if (off(a.grad[k], b.grad[k])) bad << " grad[" << k << "] " << a.grad[k] << " vs " << b.grad[k] << ";";
  }
  BOOST_TEST(bad.str().empty(), what << " differ beyond " << tolerance << ":" << bad.str());
}

template <class Op>
void check_op(const std::string& name, const Op& op) {
  const Outcome scalar = run<Matrix>(op);
  const Outcome tensor_double = run<TensorD>(op);
  const Outcome tensor_float = run<TensorF>(op);
  Outcome differences = scalar;
  differences.grad = central_differences(op);
  check_close(name + ": scalar engine and Tensor<double>", scalar, tensor_double, 1e-12);
  check_close(name + ": scalar engine and Tensor<float>", scalar, tensor_float, 2e-5);
  check_close(name + ": scalar engine and central differences", scalar, differences, 1e-6);
  bool any_gradient = false;
  for (double g : scalar.grad) any_gradient = any_gradient || g != 0.0;
  BOOST_TEST(any_gradient, name << ": every gradient is 0, so the case checks nothing");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(engine_api)

BOOST_AUTO_TEST_CASE(arithmetic_with_matrices_and_numbers_on_either_side) {
  check_op("a + b", [](const auto& w) {
    using M = std::decay_t<decltype(w)>;
    return w + M({{0.5, -1, 2}, {1.5, 0.25, -0.75}});
  });
  check_op("a - b", [](const auto& w) {
    using M = std::decay_t<decltype(w)>;
    return M({{0.5, -1, 2}, {1.5, 0.25, -0.75}}) - w;
  });
  check_op("a * b", [](const auto& w) { return w * w * w; });
  check_op("a / b", [](const auto& w) { return (w + 1.0) / w; });
  check_op("m + 2, 2 + m", [](const auto& w) { return (w + 2.0) * (2.0 + w); });
  check_op("m - 2, 2 - m", [](const auto& w) { return (w - 2.0) * (2.0 - w); });
  check_op("m * 3, 3 * m", [](const auto& w) { return (w * 3.0) + (3.0 * w * w); });
  check_op("m / 4, 4 / m", [](const auto& w) { return (w / 4.0) + (4.0 / w); });
  check_op("-m", [](const auto& w) { return -(w * w) + w; });
}

BOOST_AUTO_TEST_CASE(broadcasting_a_row_a_column_and_a_number) {
  check_op("(2x3) * (1x3) row", [](const auto& w) {
    using M = std::decay_t<decltype(w)>;
    return w * M({{1, -2, 3}});
  });
  check_op("(2x1) column / (2x3)", [](const auto& w) {
    using M = std::decay_t<decltype(w)>;
    return M({{1}, {-2}}) / w;
  });
  check_op("(2x3) - (1x1)", [](const auto& w) {
    using M = std::decay_t<decltype(w)>;
    return w - M({{0.6}});
  });
}

BOOST_AUTO_TEST_CASE(element_functions) {
  check_op("pow(m, 3)", [](const auto& w) { return pow(w, 3.0); });
  check_op("pow(m, 0.5)", [](const auto& w) { return pow(w, 0.5); });
  check_op("pow(m, -1.5)", [](const auto& w) { return pow(w, -1.5); });
  check_op("exp", [](const auto& w) { return exp(w); });
  check_op("log", [](const auto& w) { return log(w); });
  check_op("tanh", [](const auto& w) { return tanh(w - 1.0); });
  check_op("relu", [](const auto& w) { return relu(w - 1.0) * w; });  // both signs, none at 0
  check_op("sigmoid", [](const auto& w) { return sigmoid(w * 2.0 - 2.0); });
}

BOOST_AUTO_TEST_CASE(products_and_transposes) {
  check_op("matmul (2x3) @ (3x2)", [](const auto& w) {
    using M = std::decay_t<decltype(w)>;
    return matmul(w, M({{1, 0.5}, {-1, 2}, {0.25, -0.5}}));
  });
  check_op("matmul (3x2) @ (2x3), transposed operand", [](const auto& w) { return matmul(transpose(w), w); });
  check_op("transpose", [](const auto& w) {
    using M = std::decay_t<decltype(w)>;
    return transpose(w) * M({{1, 2}, {3, 4}, {5, 6}});
  });
}

BOOST_AUTO_TEST_CASE(reductions_rows_and_losses) {
  check_op("sum", [](const auto& w) { return sum(w * w); });
  check_op("mean", [](const auto& w) { return mean(exp(w)); });
  check_op("softmax", [](const auto& w) {
    using M = std::decay_t<decltype(w)>;
    return softmax(w * 2.0) * M({{1, 2, 3}, {-1, 0.5, 4}});
  });
  check_op("log_softmax", [](const auto& w) { return log_softmax(w * 3.0); });
  check_op("cross_entropy", [](const auto& w) { return cross_entropy(w * 2.0, {2, 0}); });
  check_op("mse", [](const auto& w) {
    using M = std::decay_t<decltype(w)>;
    return mse(tanh(w), M({{1, 0, 0}, {0, 1, 0}}));
  });
}

BOOST_AUTO_TEST_CASE(a_function_written_once_runs_on_every_engine) {
  // The API's promise in one line: the same template, three engines, one answer.
  const auto f = [](const auto& w) {
    using M = std::decay_t<decltype(w)>;
    const M x({{1, 2}});
    return sum(tanh(matmul(x, w)) / 2.0 + 1.0);
  };
  check_op("sum(tanh(x @ w) / 2 + 1)", f);
}

BOOST_AUTO_TEST_CASE(members_refuse_what_makes_no_sense_on_every_engine) {
  const auto check = [](auto m) {
    using M = decltype(m);
    BOOST_CHECK_THROW(m.item(), std::invalid_argument);      // 2x3 is not a number
    BOOST_CHECK_THROW(m.backward(), std::invalid_argument);  // nor a loss
    BOOST_CHECK_THROW(m.value(2, 0), std::out_of_range);
    BOOST_CHECK_THROW(m.grad(0, 3), std::out_of_range);
    BOOST_CHECK_THROW(M(2, 2, {1, 2, 3}), std::invalid_argument);
    BOOST_CHECK_THROW(M({{1, 2}, {3}}), std::invalid_argument);
    BOOST_CHECK_THROW(matmul(m, m), std::invalid_argument);  // (2x3) @ (2x3)
    BOOST_CHECK_THROW((m * 2.0).set_requires_grad(false), std::invalid_argument);
    BOOST_TEST(m.shape_string() == "(2x3)");
    BOOST_TEST(m.size() == 6U);
    BOOST_TEST(static_cast<double>(m.value(1, 2)) == static_cast<double>(static_cast<decltype(m.value(1, 2))>(1.1)));
  };
  check(Matrix(2, 3, start));
  check(TensorD(2, 3, start));
  check(TensorF(2, 3, start));
}

BOOST_AUTO_TEST_CASE(constants_get_no_gradient_on_every_engine) {
  const auto check = [](auto w) {
    using M = decltype(w);
    M x({{1, 2, 3}, {4, 5, 6}});
    x.set_requires_grad(false);
    BOOST_TEST(!x.requires_grad());
    const M loss = sum(w * x);
    loss.backward();
    BOOST_TEST(static_cast<double>(w.grad(1, 2)) == 6.0);  // d/dw = x
    BOOST_TEST(static_cast<double>(x.grad(1, 2)) == 0.0);  // a constant's stays 0
    const M only_constants = sum(x * 2.0);
    BOOST_CHECK_THROW(only_constants.backward(), std::invalid_argument);
    w.zero_grad();
    BOOST_TEST(static_cast<double>(w.grad(1, 2)) == 0.0);
  };
  check(Matrix(2, 3, start));
  check(TensorD(2, 3, start));
  check(TensorF(2, 3, start));
}

BOOST_AUTO_TEST_SUITE_END()
