// Every tensor op's gradient against central finite differences, in double, over several
// shapes (1x1, 1xn, nx1, non-square) and every broadcasting pattern.

#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "finite_difference.hpp"
#include "nn/random.hpp"
#include "tensor/tensor.hpp"

namespace bdata = boost::unit_test::data;
using Tensor = tensor::Tensor<double>;
using Array = Tensor::Array;

namespace {

enum class Domain { any, positive };

struct OpCase {
  std::string name;
  std::function<Tensor(const std::vector<Tensor>&)> f;
  std::vector<std::array<std::size_t, 2>> shapes;  // one per input
  Domain domain = Domain::any;
};

std::ostream& operator<<(std::ostream& out, const OpCase& c) {
  out << c.name << " on";
  for (auto [r, c2] : c.shapes) out << " (" << r << "x" << c2 << ")";
  return out;
}

Array random_array(std::array<std::size_t, 2> shape, Domain domain, nn::Rng& rng) {
  Array a = Array::from_shape(shape);
  for (double& v : a) v = domain == Domain::positive ? rng.uniform(0.5, 2.0) : rng.uniform(-1.5, 1.5);
  return a;
}

// sum(out * weights): a scalar that depends on every output element with a different weight,
// so that a wrong gradient for any element shows.
double weighted_sum(const Array& out, const Array& weights) {
  double total = 0;
  for (std::size_t i = 0; i < out.size(); ++i) total += out.data()[i] * weights.data()[i];
  return total;
}

std::vector<OpCase> op_cases() {
  using S = std::array<std::size_t, 2>;
  const std::vector<S> shapes = {{1, 1}, {1, 5}, {4, 1}, {3, 5}, {5, 3}};
  std::vector<OpCase> cases;
  auto unary = [&](const std::string& name, const std::function<Tensor(const Tensor&)>& f,
                   Domain domain = Domain::any) {
    for (S s : shapes) cases.push_back({name, [f](const std::vector<Tensor>& in) { return f(in[0]); }, {s}, domain});
  };
  unary("neg", [](const Tensor& x) { return -x; });
  unary("exp", [](const Tensor& x) { return exp(x); });
  unary(
      "log", [](const Tensor& x) { return log(x); }, Domain::positive);
  unary("tanh", [](const Tensor& x) { return tanh(x); });
  unary("relu", [](const Tensor& x) { return relu(x); });
  unary("sigmoid", [](const Tensor& x) { return sigmoid(x); });
  unary("pow 2", [](const Tensor& x) { return pow(x, 2.0); });
  unary("pow 3", [](const Tensor& x) { return pow(x, 3.0); });
  unary(
      "pow -1.5", [](const Tensor& x) { return pow(x, -1.5); }, Domain::positive);
  unary(
      "pow 0.5", [](const Tensor& x) { return pow(x, 0.5); }, Domain::positive);
  unary("transpose", [](const Tensor& x) { return transpose(x); });
  unary("sum", [](const Tensor& x) { return sum(x); });
  unary("mean", [](const Tensor& x) { return mean(x); });
  unary("softmax", [](const Tensor& x) { return softmax(x); });
  unary("log_softmax", [](const Tensor& x) { return log_softmax(x); });
  unary("x*2.5-1", [](const Tensor& x) { return x * 2.5 - 1.0; });
  unary("1/(x+3)", [](const Tensor& x) { return 1.0 / (x + 3.0); });

  // Binary ops over every broadcasting pattern: same shape, row, column, scalar, both sides.
  const std::vector<std::pair<S, S>> pairs = {{{3, 5}, {3, 5}}, {{3, 5}, {1, 5}}, {{1, 5}, {3, 5}}, {{3, 5}, {3, 1}},
                                              {{3, 1}, {3, 5}}, {{3, 5}, {1, 1}}, {{1, 1}, {3, 5}}, {{3, 1}, {1, 5}},
                                              {{1, 1}, {1, 1}}, {{1, 4}, {1, 4}}, {{4, 1}, {4, 1}}};
  auto binary = [&](const std::string& name, const std::function<Tensor(const Tensor&, const Tensor&)>& f,
                    Domain domain) {
    for (auto [sa, sb] : pairs) {
      cases.push_back({name, [f](const std::vector<Tensor>& in) { return f(in[0], in[1]); }, {sa, sb}, domain});
    }
  };
  binary(
      "a+b", [](const Tensor& a, const Tensor& b) { return a + b; }, Domain::any);
  binary(
      "a-b", [](const Tensor& a, const Tensor& b) { return a - b; }, Domain::any);
  binary(
      "a*b", [](const Tensor& a, const Tensor& b) { return a * b; }, Domain::any);
  binary(
      "a/b", [](const Tensor& a, const Tensor& b) { return a / b; }, Domain::positive);
  binary(
      "a*a+b", [](const Tensor& a, const Tensor& b) { return a * a + b; }, Domain::any);

  const std::vector<std::pair<S, S>> products = {
      {{1, 1}, {1, 1}}, {{1, 5}, {5, 1}}, {{4, 1}, {1, 3}}, {{3, 5}, {5, 2}}, {{2, 7}, {7, 6}}};
  for (auto [sa, sb] : products) {
    cases.push_back({"matmul", [](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {sa, sb}});
  }
  // A whole layer, the lecture's Y = tanh(X @ W + B), and losses on it.
  cases.push_back({"tanh(X@W+B)",
                   [](const std::vector<Tensor>& in) { return tanh(matmul(in[0], in[1]) + in[2]); },
                   {{4, 3}, {3, 5}, {1, 5}}});
  // The fused layer ops, alone (rows of 1, 5 and 11 elements: vector and scalar paths) and in a
  // layer whose product feeds only them.
  for (S z : {S{1, 1}, S{3, 5}, S{4, 11}}) {
    const S bias{1, z[1]};
    cases.push_back({"bias_tanh", [](const std::vector<Tensor>& in) { return bias_tanh(in[0], in[1]); }, {z, bias}});
    cases.push_back({"bias_relu", [](const std::vector<Tensor>& in) { return bias_relu(in[0], in[1]); }, {z, bias}});
    cases.push_back(
        {"bias_sigmoid", [](const std::vector<Tensor>& in) { return bias_sigmoid(in[0], in[1]); }, {z, bias}});
  }
  cases.push_back({"bias_tanh(X@W, B)",
                   [](const std::vector<Tensor>& in) { return bias_tanh(matmul(in[0], in[1]), in[2]); },
                   {{4, 3}, {3, 5}, {1, 5}}});
  cases.push_back({"bias_relu(Z, B) * Z",
                   [](const std::vector<Tensor>& in) { return bias_relu(in[0], in[1]) * in[0]; },
                   {{3, 5}, {1, 5}}});
  cases.push_back({"mse", [](const std::vector<Tensor>& in) { return mse(in[0], in[1]); }, {{3, 4}, {3, 4}}});
  cases.push_back({"mse 1x1", [](const std::vector<Tensor>& in) { return mse(in[0], in[1]); }, {{1, 1}, {1, 1}}});
  for (S s : std::vector<S>{{1, 1}, {1, 5}, {4, 3}, {6, 10}}) {
    cases.push_back({"cross_entropy",
                     [](const std::vector<Tensor>& in) {
                       std::vector<std::int32_t> labels;
                       for (std::size_t i = 0; i < in[0].rows(); ++i) {
                         labels.push_back(static_cast<std::int32_t>((3 * i + 1) % in[0].cols()));
                       }
                       return cross_entropy(in[0], labels);
                     },
                     {s}});
  }
  return cases;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tensor_ops)

BOOST_DATA_TEST_CASE(gradient_matches_central_differences, bdata::make(op_cases()), c) {
  nn::Rng rng(17);
  std::vector<Array> values;
  for (auto shape : c.shapes) values.push_back(random_array(shape, c.domain, rng));

  std::vector<Tensor> leaves;
  leaves.reserve(values.size());
  for (const Array& v : values) leaves.emplace_back(v);
  const Tensor out = c.f(leaves);
  const Array weights = random_array(out.data().shape(), Domain::any, rng);
  const Tensor loss = sum(out * Tensor(weights));
  loss.backward();

  for (std::size_t k = 0; k < values.size(); ++k) {
    BOOST_TEST_REQUIRE(leaves[k].grad().shape() == values[k].shape());
    for (std::size_t e = 0; e < values[k].size(); ++e) {
      auto loss_at = [&](double x) {
        std::vector<Tensor> shifted;
        for (std::size_t m = 0; m < values.size(); ++m) {
          Array copy = values[m];
          if (m == k) copy.data()[e] = x;
          shifted.emplace_back(copy);
        }
        return weighted_sum(c.f(shifted).data(), weights);
      };
      const double expected = testing::central_difference(loss_at, values[k].data()[e]);
      const double actual = leaves[k].grad().data()[e];
      BOOST_TEST(testing::close(actual, expected, 1e-7),
                 "input " << k << " element " << e << ": backward " << actual << " vs finite difference " << expected);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
