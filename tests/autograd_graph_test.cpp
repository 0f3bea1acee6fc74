// Graph mechanics of the scalar engine: reuse of a value, accumulation semantics, zero_grad,
// handles and lifetimes, the text and DOT views.

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/graph_text.hpp"
#include "autograd/value.hpp"

using autograd::Op;
using autograd::Value;

BOOST_AUTO_TEST_SUITE(graph)

BOOST_AUTO_TEST_CASE(value_used_twice_gets_both_contributions) {
  Value a(3.0, "a");
  const Value square = a * a;
  square.backward();
  BOOST_TEST(a.grad() == 6.0);  // d(a*a)/da = 2a

  Value b(-1.5, "b");
  const Value twice = b + b;
  twice.backward();
  BOOST_TEST(b.grad() == 2.0);
}

BOOST_AUTO_TEST_CASE(diamond_sums_both_paths) {
  // a feeds d through two paths: d = (2a) * (a + 3), so dd/da = 2(a + 3) + 2a = 4a + 6.
  Value a(1.25, "a");
  const Value left = a * 2.0;
  const Value right = a + 3.0;
  const Value d = left * right;
  d.backward();
  BOOST_TEST(a.grad() == 4 * 1.25 + 6);
  BOOST_TEST(left.grad() == right.data());
  BOOST_TEST(right.grad() == left.data());
}

BOOST_AUTO_TEST_CASE(second_backward_doubles_leaves_and_recomputes_interior_nodes) {
  Value x(0.5, "x");
  const Value h = tanh(x * 3.0);
  const Value y = h * h;
  y.backward();
  const double dx = x.grad(), dh = h.grad();
  y.backward();
  BOOST_TEST(x.grad() == 2 * dx);  // leaves accumulate, as in PyTorch
  BOOST_TEST(h.grad() == dh);      // interior nodes hold this call's derivative only
  BOOST_TEST(y.grad() == 1.0);
}

BOOST_AUTO_TEST_CASE(an_op_used_more_often_than_backward_counts_gets_every_contribution) {
  // backward() counts an op's references down in 16 bits; an op with more waits, with what is
  // below it, for the depth-first finish (autograd/backward.cpp). Both sides must agree.
  for (const int consumers : {65'535, 65'536, 70'000}) {
    Value x(0.25, "x");
    Value total = 0.0;
    double h = 0, weights = 0;
    {
      const Value tanh_2x = tanh(x * 2.0);  // no handle is left at backward(): only consumers
      h = tanh_2x.data();
      for (int i = 0; i < consumers; ++i) {
        const double weight = i % 5 + 1;
        total = total + tanh_2x * weight;
        weights += weight;
      }
    }
    total.backward();
    BOOST_TEST_INFO("consumers: " << consumers);
    BOOST_TEST(x.grad() == weights * (1 - h * h) * 2.0, boost::test_tools::tolerance(1e-14));
  }
}

BOOST_AUTO_TEST_CASE(an_op_also_used_outside_the_graph_passes_on_its_whole_gradient) {
  // h is used in a's graph twice and once by b, which is not in it but holds a reference to h.
  Value x(0.5, "x");
  Value a, b;
  {
    const Value h = tanh(x);
    a = h * 2.0 + h * h;  // da/dh = 2 + 2h
    b = h * 3.0;
  }
  a.backward();
  const double h = std::tanh(0.5);
  BOOST_TEST(x.grad() == (2 + 2 * h) * (1 - h * h), boost::test_tools::tolerance(1e-15));
  BOOST_TEST(b.grad() == 0.0);
}

BOOST_AUTO_TEST_CASE(constants_are_those_of_when_backward_runs) {
  // d(loss)/dw = x + e^c, d/dx = w, d/dc = w e^c; k = e^c needs a gradient only while c does.
  Value w(0.5, "w"), x(2.0, "x"), c(-1.0, "c");
  const Value k = exp(c);
  const Value loss = w * x + k * w;
  c.set_requires_grad(false);  // after the graph was built
  loss.backward();
  BOOST_TEST(w.grad() == 2.0 + std::exp(-1.0));
  BOOST_TEST(x.grad() == 0.5);
  BOOST_TEST(c.grad() == 0.0);
  BOOST_TEST(k.grad() == 0.0);
  BOOST_TEST(!k.requires_grad());
  BOOST_TEST(loss.requires_grad());

  c.set_requires_grad(true);
  x.set_requires_grad(false);
  zero_grad(std::vector<Value>{w, x, c});
  loss.backward();
  BOOST_TEST(w.grad() == 2.0 + std::exp(-1.0));
  BOOST_TEST(x.grad() == 0.0);
  BOOST_TEST(c.grad() == 0.5 * std::exp(-1.0));
  BOOST_TEST(k.grad() == 0.5);
  BOOST_TEST(k.requires_grad());

  // An output made from constants alone has no gradient to compute; nothing is left behind.
  const Value only_constants = exp(x) * x;
  BOOST_CHECK_THROW(only_constants.backward(), std::invalid_argument);
  BOOST_TEST(x.grad() == 0.0);
  BOOST_TEST(only_constants.grad() == 0.0);
  BOOST_TEST(only_constants.input(0).grad() == 0.0);
}

BOOST_AUTO_TEST_CASE(zero_grad_clears_graph_and_parameter_lists) {
  Value w(2.0), b(-1.0), x(4.0);
  const Value y = relu(w * x + b);
  y.backward();
  BOOST_TEST(w.grad() == 4.0);
  zero_grad(std::vector<Value>{w, b});
  BOOST_TEST(w.grad() == 0.0);
  BOOST_TEST(b.grad() == 0.0);
  BOOST_TEST(x.grad() == 2.0);  // not in the list: untouched

  y.backward();
  zero_grad(y);
  for (const autograd::Node* node : topological_order(y)) BOOST_TEST(node->grad == 0.0);
}

BOOST_AUTO_TEST_CASE(topological_order_lists_inputs_first_and_each_node_once) {
  Value a(1.0, "a"), b(2.0, "b");
  const Value c = a * b;
  const Value d = c + a;
  const Value e = d * c;
  const std::vector<autograd::Node*> order = topological_order(e);
  BOOST_TEST_REQUIRE(order.size() == 5u);  // a, b, c, d, e
  BOOST_TEST(order.back() == e.node());
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (int k = 0; k < arity(order[i]->op); ++k) {
      const auto* input = order[i]->inputs[k];
      bool seen_before = false;
      for (std::size_t j = 0; j < i; ++j) seen_before = seen_before || order[j] == input;
      BOOST_TEST(seen_before, "input of node " << i << " listed after it");
    }
  }
}

BOOST_AUTO_TEST_CASE(output_keeps_its_graph_alive_after_inputs_go_out_of_scope) {
  Value y;
  {
    Value x(2.0, "x");
    Value w(-3.0, "w");
    y = tanh(w * x);
  }
  y.backward();
  const Value product = y.input(0);
  BOOST_TEST(product.op() == Op::mul);
  const Value x = product.input(1);
  BOOST_TEST(x.label() == "x");
  BOOST_TEST(x.grad() == (1 - y.data() * y.data()) * -3.0);
}

BOOST_AUTO_TEST_CASE(copies_share_a_node_and_moves_leave_the_source_empty) {
  Value a(1.0, "a");
  Value copy = a;
  copy.set_data(5.0);
  BOOST_TEST(a.data() == 5.0);
  Value moved = std::move(copy);
  BOOST_TEST(moved.node() == a.node());
  BOOST_TEST(copy.node() == nullptr);  // NOLINT(bugprone-use-after-move): the documented state
  const Value& same = a;
  a = same;  // self-assignment keeps the node
  BOOST_TEST(a.data() == 5.0);
  // Copying an empty (moved-from) handle gives an empty handle.
  Value empty_copy(copy);  // NOLINT(bugprone-use-after-move)
  BOOST_TEST(empty_copy.node() == nullptr);
  Value target(2.0);
  target = copy;  // NOLINT(bugprone-use-after-move)
  BOOST_TEST(target.node() == nullptr);
}

BOOST_AUTO_TEST_CASE(inputs_are_kept_in_operand_order) {
  Value a(7.0, "a"), b(2.0, "b");
  const Value q = a / b;
  BOOST_TEST(q.num_inputs() == 2u);
  BOOST_TEST(q.input(0).label() == "a");
  BOOST_TEST(q.input(1).label() == "b");
  BOOST_TEST(q.data() == 3.5);
  BOOST_TEST(std::string(op_name(q.op())) == "div");
}

BOOST_AUTO_TEST_CASE(dump_lists_every_node_with_op_label_data_and_grad) {
  Value x(0.5, "x");
  Value y = tanh(x * 2.0);
  y.set_label("y");
  y.backward();
  const std::string text = dump_graph(y);
  std::istringstream lines(text);
  std::vector<std::string> rows;
  for (std::string line; std::getline(lines, line);) rows.push_back(line);
  BOOST_TEST_REQUIRE(rows.size() == 4u);  // x, 2, x*2, tanh
  BOOST_TEST(rows[0].find("#0  leaf  x  data=0.5  grad=0.839949") != std::string::npos, rows[0]);
  BOOST_TEST(rows[2].find("#2  mul  data=1  grad=0.419974  <- #0 #1") != std::string::npos, rows[2]);
  BOOST_TEST(rows[3].find("#3  tanh  y  data=0.761594  grad=1  <- #2") != std::string::npos, rows[3]);
}

BOOST_AUTO_TEST_CASE(dot_has_a_record_per_value_naming_its_op_and_an_edge_per_input) {
  Value a(1.0, "a"), b(2.0, "b");
  Value c = a + b;
  c.set_label("c|{x}");  // characters DOT treats specially in records
  c.backward();
  std::ostringstream out;
  write_dot(c, out);
  const std::string dot = out.str();
  // Numbered in topological order: a, b, c.
  BOOST_TEST(dot.rfind("digraph", 0) == 0u);
  BOOST_TEST(dot.find("n0 [label=\"a | data 1 | grad 1\"]") != std::string::npos, dot);
  BOOST_TEST(dot.find("n2 [label=\"c\\|\\{x\\} = add | data 3 | grad 1\"]") != std::string::npos, dot);
  BOOST_TEST(dot.find("n0 -> n2;") != std::string::npos, dot);
  BOOST_TEST(dot.find("n1 -> n2;") != std::string::npos, dot);
}

BOOST_AUTO_TEST_SUITE_END()
