// Engine agreement: every tensor op, run on random inputs, gives the values and gradients that
// the scalar engine gives computing the same thing element by element (|diff| <= 1e-12).

#include <algorithm>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "autograd/value.hpp"
#include "finite_difference.hpp"
#include "nn/random.hpp"
#include "tensor/tensor.hpp"

namespace bdata = boost::unit_test::data;
using autograd::Value;
using Tensor = tensor::Tensor<double>;
using Array = Tensor::Array;
using Grid = std::vector<std::vector<Value>>;  // the scalar engine's matrix: [row][col]

namespace {

Grid to_grid(const Array& a) {
  Grid g(a.shape()[0]);
  for (std::size_t i = 0; i < a.shape()[0]; ++i) {
    for (std::size_t j = 0; j < a.shape()[1]; ++j) g[i].emplace_back(a(i, j));
  }
  return g;
}

// out[i][j] = f(a[i][j], b[i][j]), with 1-sized dimensions broadcast.
Grid broadcast(const Grid& a, const Grid& b, const std::function<Value(const Value&, const Value&)>& f) {
  const std::size_t rows = std::max(a.size(), b.size()), cols = std::max(a[0].size(), b[0].size());
  Grid out(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) {
      const Value& x = a[a.size() == 1 ? 0 : i][a[0].size() == 1 ? 0 : j];
      const Value& y = b[b.size() == 1 ? 0 : i][b[0].size() == 1 ? 0 : j];
      out[i].push_back(f(x, y));
    }
  }
  return out;
}

Grid map(const Grid& a, const std::function<Value(const Value&)>& f) {
  Grid out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (const Value& v : a[i]) out[i].push_back(f(v));
  }
  return out;
}

Grid matmul(const Grid& a, const Grid& b) {
  Grid out(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = 0; j < b[0].size(); ++j) {
      Value s = a[i][0] * b[0][j];
      for (std::size_t k = 1; k < b.size(); ++k) s = s + a[i][k] * b[k][j];
      out[i].push_back(s);
    }
  }
  return out;
}

Value total(const Grid& a) {
  Value s = 0.0;
  for (const auto& row : a) {
    for (const Value& v : row) s = s + v;
  }
  return s;
}

// Per row: the shift m = max (a constant: softmax does not depend on it) and log sum e^(x - m).
Value log_sum_exp(const std::vector<Value>& row) {
  double m = row[0].data();
  for (const Value& v : row) m = std::max(m, v.data());
  Value s = 0.0;
  for (const Value& v : row) s = s + exp(v - m);
  return log(s) + m;
}

struct AgreementCase {
  std::string name;
  std::function<Tensor(const std::vector<Tensor>&)> on_tensors;
  std::function<Grid(const std::vector<Grid>&)> on_values;
  std::vector<std::array<std::size_t, 2>> shapes;
  bool positive = false;
};

std::ostream& operator<<(std::ostream& out, const AgreementCase& c) { return out << c.name; }

std::vector<AgreementCase> agreement_cases() {
  using T = std::vector<Tensor>;
  using G = std::vector<Grid>;
  std::vector<AgreementCase> cases;
  auto unary = [&](const std::string& name, const std::function<Tensor(const Tensor&)>& ft,
                   const std::function<Value(const Value&)>& fv, bool positive = false) {
    cases.push_back({name,
                     [ft](const T& in) { return ft(in[0]); },
                     [fv](const G& in) { return map(in[0], fv); },
                     {{3, 4}},
                     positive});
  };
  unary(
      "neg", [](auto& x) { return -x; }, [](auto& x) { return -x; });
  unary(
      "exp", [](auto& x) { return exp(x); }, [](auto& x) { return exp(x); });
  unary(
      "log", [](auto& x) { return log(x); }, [](auto& x) { return log(x); }, true);
  unary(
      "tanh", [](auto& x) { return tanh(x); }, [](auto& x) { return tanh(x); });
  unary(
      "relu", [](auto& x) { return relu(x); }, [](auto& x) { return relu(x); });
  unary(
      "sigmoid", [](auto& x) { return sigmoid(x); }, [](auto& x) { return sigmoid(x); });
  unary(
      "pow -1.5", [](auto& x) { return pow(x, -1.5); }, [](auto& x) { return pow(x, -1.5); }, true);
  unary(
      "pow 3", [](auto& x) { return pow(x, 3.0); }, [](auto& x) { return pow(x, 3.0); });

  auto binary = [&](const std::string& name, const std::function<Tensor(const Tensor&, const Tensor&)>& ft,
                    const std::function<Value(const Value&, const Value&)>& fv, std::array<std::size_t, 2> sa,
                    std::array<std::size_t, 2> sb, bool positive = false) {
    cases.push_back({name,
                     [ft](const T& in) { return ft(in[0], in[1]); },
                     [fv](const G& in) { return broadcast(in[0], in[1], fv); },
                     {sa, sb},
                     positive});
  };
  for (auto [sa, sb] : std::vector<std::pair<std::array<std::size_t, 2>, std::array<std::size_t, 2>>>{
           {{3, 4}, {3, 4}}, {{3, 4}, {1, 4}}, {{3, 1}, {3, 4}}, {{1, 1}, {3, 4}}, {{3, 1}, {1, 4}}}) {
    const std::string shapes = " (" + std::to_string(sa[0]) + "x" + std::to_string(sa[1]) + ", " +
                               std::to_string(sb[0]) + "x" + std::to_string(sb[1]) + ")";
    binary(
        "add" + shapes, [](auto& a, auto& b) { return a + b; }, [](auto& a, auto& b) { return a + b; }, sa, sb);
    binary(
        "sub" + shapes, [](auto& a, auto& b) { return a - b; }, [](auto& a, auto& b) { return a - b; }, sa, sb);
    binary(
        "mul" + shapes, [](auto& a, auto& b) { return a * b; }, [](auto& a, auto& b) { return a * b; }, sa, sb);
    binary(
        "div" + shapes, [](auto& a, auto& b) { return a / b; }, [](auto& a, auto& b) { return a / b; }, sa, sb, true);
  }

  cases.push_back({"matmul",
                   [](const T& in) { return matmul(in[0], in[1]); },
                   [](const G& in) { return matmul(in[0], in[1]); },
                   {{4, 6}, {6, 3}}});
  cases.push_back({"transpose",
                   [](const T& in) { return transpose(in[0]); },
                   [](const G& in) {
                     Grid out(in[0][0].size());
                     for (const auto& row : in[0]) {
                       for (std::size_t j = 0; j < row.size(); ++j) out[j].push_back(row[j]);
                     }
                     return out;
                   },
                   {{2, 5}}});
  cases.push_back(
      {"sum", [](const T& in) { return sum(in[0]); }, [](const G& in) { return Grid{{total(in[0])}}; }, {{3, 4}}});
  cases.push_back({"mean",
                   [](const T& in) { return mean(in[0]); },
                   [](const G& in) { return Grid{{total(in[0]) / 12.0}}; },
                   {{3, 4}}});
  cases.push_back({"softmax",
                   [](const T& in) { return softmax(in[0]); },
                   [](const G& in) {
                     Grid out(in[0].size());
                     for (std::size_t i = 0; i < in[0].size(); ++i) {
                       const Value lse = log_sum_exp(in[0][i]);
                       for (const Value& v : in[0][i]) out[i].push_back(exp(v - lse));
                     }
                     return out;
                   },
                   {{3, 5}}});
  cases.push_back({"log_softmax",
                   [](const T& in) { return log_softmax(in[0]); },
                   [](const G& in) {
                     Grid out(in[0].size());
                     for (std::size_t i = 0; i < in[0].size(); ++i) {
                       const Value lse = log_sum_exp(in[0][i]);
                       for (const Value& v : in[0][i]) out[i].push_back(v - lse);
                     }
                     return out;
                   },
                   {{3, 5}}});
  const std::vector<std::int32_t> labels = {2, 0, 4, 1};
  cases.push_back({"cross_entropy",
                   [labels](const T& in) { return cross_entropy(in[0], labels); },
                   [labels](const G& in) {
                     Value s = 0.0;
                     for (std::size_t i = 0; i < in[0].size(); ++i) s = s + log_sum_exp(in[0][i]) - in[0][i][labels[i]];
                     return Grid{{s / 4.0}};
                   },
                   {{4, 5}}});
  cases.push_back({"mse",
                   [](const T& in) { return mse(in[0], in[1]); },
                   [](const G& in) {
                     const Grid d = broadcast(in[0], in[1], [](auto& a, auto& b) { return a - b; });
                     return Grid{{total(map(d, [](auto& e) { return e * e; })) / 12.0}};
                   },
                   {{3, 4}, {3, 4}}});
  cases.push_back({"layer tanh(X@W+B)",
                   [](const T& in) { return tanh(matmul(in[0], in[1]) + in[2]); },
                   [](const G& in) {
                     return map(broadcast(matmul(in[0], in[1]), in[2], [](auto& a, auto& b) { return a + b; }),
                                [](auto& v) { return tanh(v); });
                   },
                   {{5, 4}, {4, 3}, {1, 3}}});
  return cases;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tensor_agreement)

BOOST_DATA_TEST_CASE(tensor_op_equals_scalar_engine, bdata::make(agreement_cases()), c) {
  nn::Rng rng(23);
  std::vector<Array> inputs;
  for (auto shape : c.shapes) {
    Array a = Array::from_shape(shape);
    for (double& v : a) v = c.positive ? rng.uniform(0.5, 2.0) : rng.uniform(-1.5, 1.5);
    inputs.push_back(a);
  }

  std::vector<Tensor> tensors;
  std::vector<Grid> grids;
  for (const Array& a : inputs) {
    tensors.emplace_back(a);
    grids.push_back(to_grid(a));
  }
  const Tensor out = c.on_tensors(tensors);
  const Grid out_values = c.on_values(grids);
  BOOST_TEST_REQUIRE(out.rows() == out_values.size());
  BOOST_TEST_REQUIRE(out.cols() == out_values[0].size());

  // The same weighted sum of the outputs on both engines, then backward on both.
  Array weights = Array::from_shape(out.data().shape());
  for (double& w : weights) w = rng.uniform(-1, 1);
  sum(out * Tensor(weights)).backward();
  Value scalar_loss = 0.0;
  for (std::size_t i = 0; i < out.rows(); ++i) {
    for (std::size_t j = 0; j < out.cols(); ++j) {
      BOOST_TEST(testing::close(out.data()(i, j), out_values[i][j].data(), 1e-12),
                 "value (" << i << "," << j << "): " << out.data()(i, j) << " vs " << out_values[i][j].data());
      scalar_loss = scalar_loss + out_values[i][j] * weights(i, j);
    }
  }
  scalar_loss.backward();

  for (std::size_t k = 0; k < inputs.size(); ++k) {
    for (std::size_t i = 0; i < inputs[k].shape()[0]; ++i) {
      for (std::size_t j = 0; j < inputs[k].shape()[1]; ++j) {
        BOOST_TEST(testing::close(tensors[k].grad()(i, j), grids[k][i][j].grad(), 1e-12),
                   "input " << k << " grad (" << i << "," << j << "): tensor " << tensors[k].grad()(i, j)
                            << " vs scalar " << grids[k][i][j].grad());
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
