// Every op of the scalar engine: forward value against the math library and gradient against
// central finite differences, at several points of its domain.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "autograd/value.hpp"
#include "finite_difference.hpp"

namespace bdata = boost::unit_test::data;
using autograd::Value;

namespace {

// A binary expression evaluated twice: on Values (engine) and on doubles (reference).
struct BinaryCase {
  std::string name;
  std::function<Value(const Value&, const Value&)> on_values;
  std::function<double(double, double)> on_doubles;
  double a, b;
};

std::ostream& operator<<(std::ostream& out, const BinaryCase& c) {
  return out << c.name << " at (" << c.a << ", " << c.b << ")";
}

struct UnaryCase {
  std::string name;
  std::function<Value(const Value&)> on_values;
  std::function<double(double)> on_doubles;
  double x;
};

std::ostream& operator<<(std::ostream& out, const UnaryCase& c) { return out << c.name << " at " << c.x; }

std::vector<BinaryCase> binary_cases() {
  const std::vector<std::pair<double, double>> points = {{1.5, -2.25}, {-0.75, 0.5}, {3.0, 7.0}, {-4.0, -0.3}};
  std::vector<BinaryCase> cases;
  for (auto [a, b] : points) {
    cases.push_back({"a+b", [](auto& x, auto& y) { return x + y; }, [](double x, double y) { return x + y; }, a, b});
    cases.push_back({"a-b", [](auto& x, auto& y) { return x - y; }, [](double x, double y) { return x - y; }, a, b});
    cases.push_back({"a*b", [](auto& x, auto& y) { return x * y; }, [](double x, double y) { return x * y; }, a, b});
    cases.push_back({"a/b", [](auto& x, auto& y) { return x / y; }, [](double x, double y) { return x / y; }, a, b});
    // Mixed with constants, both sides: the constant is a leaf, the gradient flows to the Value.
    cases.push_back({"2.5*a-b/3", [](auto& x, auto& y) { return 2.5 * x - y / 3.0; },
                     [](double x, double y) { return 2.5 * x - y / 3.0; }, a, b});
    cases.push_back({"(1-a)/(b+4)", [](auto& x, auto& y) { return (1.0 - x) / (y + 4.0); },
                     [](double x, double y) { return (1.0 - x) / (y + 4.0); }, a, b});
    cases.push_back(
        {"a*a*b", [](auto& x, auto& y) { return x * x * y; }, [](double x, double y) { return x * x * y; }, a, b});
  }
  return cases;
}

std::vector<UnaryCase> unary_cases() {
  std::vector<UnaryCase> cases;
  auto add = [&](const std::string& name, const std::function<Value(const Value&)>& v,
                 const std::function<double(double)>& d, const std::vector<double>& xs) {
    for (double x : xs) cases.push_back({name, v, d, x});
  };
  const std::vector<double> anywhere = {-2.5, -0.4, 0.0, 0.3, 1.7};
  const std::vector<double> positive = {0.05, 0.6, 1.0, 3.2, 40.0};
  add(
      "-x", [](auto& x) { return -x; }, [](double x) { return -x; }, anywhere);
  add(
      "exp", [](auto& x) { return exp(x); }, [](double x) { return std::exp(x); }, anywhere);
  add(
      "log", [](auto& x) { return log(x); }, [](double x) { return std::log(x); }, positive);
  add(
      "tanh", [](auto& x) { return tanh(x); }, [](double x) { return std::tanh(x); }, anywhere);
  add(
      "sigmoid", [](auto& x) { return sigmoid(x); }, [](double x) { return 1 / (1 + std::exp(-x)); },
      {-30.0, -2.5, -0.4, 0.0, 0.3, 1.7, 30.0});
  // relu away from its kink at 0.
  add(
      "relu", [](auto& x) { return relu(x); }, [](double x) { return x > 0 ? x : 0.0; }, {-2.5, -0.4, 0.3, 1.7});
  add(
      "pow 2", [](auto& x) { return pow(x, 2.0); }, [](double x) { return x * x; }, anywhere);
  add(
      "pow 3", [](auto& x) { return pow(x, 3.0); }, [](double x) { return x * x * x; }, anywhere);
  add(
      "pow -1", [](auto& x) { return pow(x, -1.0); }, [](double x) { return 1 / x; }, {-2.5, -0.4, 0.3, 1.7});
  add(
      "pow -2", [](auto& x) { return pow(x, -2.0); }, [](double x) { return 1 / (x * x); }, {-2.5, -0.4, 0.3, 1.7});
  add(
      "pow 0.5", [](auto& x) { return pow(x, 0.5); }, [](double x) { return std::sqrt(x); }, positive);
  add(
      "pow -1.5", [](auto& x) { return pow(x, -1.5); }, [](double x) { return std::pow(x, -1.5); }, positive);
  add(
      "pow 1/3", [](auto& x) { return pow(x, 1.0 / 3.0); }, [](double x) { return std::cbrt(x); }, positive);
  add(
      "pow 0", [](auto& x) { return pow(x, 0.0); }, [](double) { return 1.0; }, anywhere);
  // Compositions: the chain rule through several ops.
  add(
      "tanh(x^2-1)*exp(-x)", [](auto& x) { return tanh(pow(x, 2.0) - 1.0) * exp(-x); },
      [](double x) { return std::tanh(x * x - 1) * std::exp(-x); }, anywhere);
  add(
      "log(1+sigmoid(x))/x", [](auto& x) { return log(1.0 + sigmoid(x)) / x; },
      [](double x) { return std::log(1 + 1 / (1 + std::exp(-x))) / x; }, {-2.5, -0.4, 0.3, 1.7});
  return cases;
}

constexpr double value_tolerance = 1e-12;
constexpr double gradient_tolerance = 1e-7;

}  // namespace

BOOST_AUTO_TEST_SUITE(ops)

BOOST_DATA_TEST_CASE(binary_op_value_and_gradients, bdata::make(binary_cases()), c) {
  Value a(c.a, "a"), b(c.b, "b");
  const Value out = c.on_values(a, b);
  out.backward();
  BOOST_TEST(testing::close(out.data(), c.on_doubles(c.a, c.b), value_tolerance),
             "value " << out.data() << " vs " << c.on_doubles(c.a, c.b));
  const double expected_da = testing::central_difference([&](double x) { return c.on_doubles(x, c.b); }, c.a);
  const double expected_db = testing::central_difference([&](double y) { return c.on_doubles(c.a, y); }, c.b);
  BOOST_TEST(testing::close(a.grad(), expected_da, gradient_tolerance), "d/da " << a.grad() << " vs " << expected_da);
  BOOST_TEST(testing::close(b.grad(), expected_db, gradient_tolerance), "d/db " << b.grad() << " vs " << expected_db);
}

BOOST_DATA_TEST_CASE(unary_op_value_and_gradient, bdata::make(unary_cases()), c) {
  Value x(c.x, "x");
  const Value out = c.on_values(x);
  out.backward();
  BOOST_TEST(testing::close(out.data(), c.on_doubles(c.x), value_tolerance),
             "value " << out.data() << " vs " << c.on_doubles(c.x));
  const double expected = testing::central_difference(c.on_doubles, c.x);
  BOOST_TEST(testing::close(x.grad(), expected, gradient_tolerance), "d/dx " << x.grad() << " vs " << expected);
}

BOOST_AUTO_TEST_CASE(relu_gradient_at_its_kink_is_zero) {
  Value x(0.0);
  const Value y = relu(x);
  y.backward();
  BOOST_TEST(y.data() == 0.0);
  BOOST_TEST(x.grad() == 0.0);
}

BOOST_AUTO_TEST_CASE(sigmoid_does_not_overflow_far_from_zero) {
  Value low(-800.0), high(800.0);
  const Value s_low = sigmoid(low), s_high = sigmoid(high);
  s_low.backward();
  s_high.backward();
  BOOST_TEST(s_low.data() == 0.0);
  BOOST_TEST(s_high.data() == 1.0);
  BOOST_TEST(low.grad() == 0.0);
  BOOST_TEST(high.grad() == 0.0);
}

// The engine follows the C math library on domain errors (documented in value.hpp).
BOOST_AUTO_TEST_CASE(log_of_zero_is_minus_infinity_and_of_negative_is_nan) {
  Value zero(0.0), negative(-1.0);
  const Value log_zero = log(zero), log_negative = log(negative);
  log_zero.backward();
  log_negative.backward();
  BOOST_TEST((std::isinf(log_zero.data()) && log_zero.data() < 0));
  BOOST_TEST(std::isinf(zero.grad()));
  BOOST_TEST(std::isnan(log_negative.data()));
  BOOST_TEST(negative.grad() == -1.0);  // 1/x is still defined at -1; only the value is NaN
}

BOOST_AUTO_TEST_CASE(pow_of_negative_base_to_fractional_power_is_nan) {
  Value base(-8.0);
  const Value root = pow(base, 1.0 / 3.0);
  root.backward();
  BOOST_TEST(std::isnan(root.data()));
  BOOST_TEST(std::isnan(base.grad()));
  // An integer power of a negative base is fine.
  Value b2(-2.0);
  const Value cube = pow(b2, 3.0);
  cube.backward();
  BOOST_TEST(cube.data() == -8.0);
  BOOST_TEST(b2.grad() == 12.0);
}

BOOST_AUTO_TEST_CASE(division_by_zero_is_infinite) {
  Value a(1.0), b(0.0);
  const Value q = a / b;
  q.backward();
  BOOST_TEST(std::isinf(q.data()));
  BOOST_TEST(std::isinf(a.grad()));
}

BOOST_AUTO_TEST_SUITE_END()
