// Every op of the scalar engine: its forward value and, right below it, its local backward
// rule. Each `*_backward` adds out.grad times the op's local derivative to its inputs' grads
// (+=, so a node used twice receives both contributions).

#include <cmath>
#include <ostream>

#include "autograd/node_pool.hpp"
#include "autograd/ops.hpp"
#include "autograd/value.hpp"

namespace autograd {
namespace {

Value make_node(Op op, double data, const Value& a) {
  Node* node = detail::allocate_node();
  node->op = op;
  node->data = data;
  node->inputs[0] = a.node();
  detail::retain(a.node());
  return Value::from_node(node);
}

Value make_node(Op op, double data, const Value& a, const Value& b) {
  Node* node = detail::allocate_node();
  node->op = op;
  node->data = data;
  node->inputs[0] = a.node();
  node->inputs[1] = b.node();
  detail::retain(a.node());
  detail::retain(b.node());
  return Value::from_node(node);
}

// Shorthands for the backward rules: `in(out, 0)` is out's first input.
Node& in(Node& out, int index) { return *out.inputs[index]; }

}  // namespace

const char* op_name(Op op) {
  switch (op) {
    case Op::leaf: return "leaf";
    case Op::add: return "add";
    case Op::sub: return "sub";
    case Op::mul: return "mul";
    case Op::div: return "div";
    case Op::neg: return "neg";
    case Op::pow: return "pow";
    case Op::exp: return "exp";
    case Op::log: return "log";
    case Op::tanh: return "tanh";
    case Op::relu: return "relu";
    case Op::sigmoid: return "sigmoid";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, Op op) { return out << op_name(op); }

// out = a + b
Value operator+(const Value& a, const Value& b) { return make_node(Op::add, a.data() + b.data(), a, b); }
static void add_backward(Node& out) {
  in(out, 0).grad += out.grad;
  in(out, 1).grad += out.grad;
}

// out = a - b
Value operator-(const Value& a, const Value& b) { return make_node(Op::sub, a.data() - b.data(), a, b); }
static void sub_backward(Node& out) {
  in(out, 0).grad += out.grad;
  in(out, 1).grad -= out.grad;
}

// out = a * b
Value operator*(const Value& a, const Value& b) { return make_node(Op::mul, a.data() * b.data(), a, b); }
static void mul_backward(Node& out) {
  Node& a = in(out, 0);
  Node& b = in(out, 1);
  a.grad += b.data * out.grad;
  b.grad += a.data * out.grad;
}

// out = a / b;  d/da = 1/b,  d/db = -a/b^2 = -out/b
Value operator/(const Value& a, const Value& b) { return make_node(Op::div, a.data() / b.data(), a, b); }
static void div_backward(Node& out) {
  Node& a = in(out, 0);
  Node& b = in(out, 1);
  a.grad += out.grad / b.data;
  b.grad -= out.grad * out.data / b.data;
}

// out = -a
Value operator-(const Value& a) { return make_node(Op::neg, -a.data(), a); }
static void neg_backward(Node& out) { in(out, 0).grad -= out.grad; }

// out = x^p for a constant p;  d/dx = p x^(p-1)  (0 when p = 0, even at x = 0)
Value pow(const Value& base, double exponent) {
  Value out = make_node(Op::pow, std::pow(base.data(), exponent), base);
  out.node()->exponent = exponent;
  return out;
}
static void pow_backward(Node& out) {
  Node& x = in(out, 0);
  const double p = out.exponent;
  if (p != 0.0) x.grad += p * std::pow(x.data, p - 1.0) * out.grad;
}

// out = e^x;  d/dx = e^x = out
Value exp(const Value& x) { return make_node(Op::exp, std::exp(x.data()), x); }
static void exp_backward(Node& out) { in(out, 0).grad += out.data * out.grad; }

// out = ln x;  d/dx = 1/x
Value log(const Value& x) { return make_node(Op::log, std::log(x.data()), x); }
static void log_backward(Node& out) { in(out, 0).grad += out.grad / in(out, 0).data; }

// out = tanh x;  d/dx = 1 - tanh^2 x = 1 - out^2
Value tanh(const Value& x) { return make_node(Op::tanh, std::tanh(x.data()), x); }
static void tanh_backward(Node& out) { in(out, 0).grad += (1.0 - out.data * out.data) * out.grad; }

// out = max(x, 0), NaN staying NaN so that a diverged value is not hidden;
// d/dx = 1 for x > 0, else 0
Value relu(const Value& x) {
  const double v = x.data();
  return make_node(Op::relu, v > 0.0 || std::isnan(v) ? v : 0.0, x);
}
static void relu_backward(Node& out) {
  if (in(out, 0).data > 0.0) in(out, 0).grad += out.grad;
}

// out = 1 / (1 + e^-x), computed without overflowing e^-x for large negative x;
// d/dx = out (1 - out)
Value sigmoid(const Value& x) {
  const double v = x.data();
  const double s = v >= 0.0 ? 1.0 / (1.0 + std::exp(-v)) : std::exp(v) / (1.0 + std::exp(v));
  return make_node(Op::sigmoid, s, x);
}
static void sigmoid_backward(Node& out) { in(out, 0).grad += out.data * (1.0 - out.data) * out.grad; }

// Compound assignment rebinds the handle to a new node; the old node stays in the graph.
Value& operator+=(Value& a, const Value& b) { return a = a + b; }
Value& operator-=(Value& a, const Value& b) { return a = a - b; }
Value& operator*=(Value& a, const Value& b) { return a = a * b; }
Value& operator/=(Value& a, const Value& b) { return a = a / b; }

void detail::backward_step(Node& out) {
  switch (out.op) {
    case Op::leaf: return;
    case Op::add: add_backward(out); return;
    case Op::sub: sub_backward(out); return;
    case Op::mul: mul_backward(out); return;
    case Op::div: div_backward(out); return;
    case Op::neg: neg_backward(out); return;
    case Op::pow: pow_backward(out); return;
    case Op::exp: exp_backward(out); return;
    case Op::log: log_backward(out); return;
    case Op::tanh: tanh_backward(out); return;
    case Op::relu: relu_backward(out); return;
    case Op::sigmoid: sigmoid_backward(out); return;
  }
}

}  // namespace autograd
