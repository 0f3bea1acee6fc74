#pragma once
// Internal: every element-wise op of the tensor engine as a rule -- its forward value and, right
// beside it, its backward rule: what an input's gradient receives from the output's gradient g
// (the chain rule, g times the local derivative), as autograd/ops.cpp writes the scalar engine's.
// The loops that apply a rule to whole arrays follow; ops_elementwise.cpp and ops_fused.cpp use
// them, both compiled for the machine's vector unit.
//
// A one-input rule has forward(x) and grad(g, x, y) with y = forward(x); `vectorised` rules also
// have forward_batch(x) on xsimd batches (xsimd's exp, log, tanh). A two-input rule has
// forward(a, b), grad_a(g, a, b, y) and grad_b(g, a, b, y).

#include <cmath>
#include <cstddef>
#include <xsimd/xsimd.hpp>

#include "tensor/parallel.hpp"
#include "tensor/tensor_node.hpp"

namespace tensor::rules {

// y = -x;  dx = -g
struct Neg {
  static constexpr Op op = Op::neg;
  static constexpr bool vectorised = false;
  template <class T>
  T forward(T x) const {
    return -x;
  }
  template <class T>
  T grad(T g, T, T) const {
    return -g;
  }
};

// y = x^p for a constant p;  dx = g p x^(p-1)  (0 when p = 0, even at x = 0)
template <class T>
struct Pow {
  static constexpr Op op = Op::pow;
  static constexpr bool vectorised = false;
  T exponent;
  T forward(T x) const { return std::pow(x, exponent); }
  T grad(T g, T x, T) const { return exponent == T(0) ? T(0) : exponent * std::pow(x, exponent - T(1)) * g; }
};

// y = e^x;  dx = g e^x = g y
struct Exp {
  static constexpr Op op = Op::exp;
  static constexpr bool vectorised = true;
  template <class T>
  T forward(T x) const {
    return std::exp(x);
  }
  template <class Batch>
  Batch forward_batch(const Batch& x) const {
    return xsimd::exp(x);
  }
  template <class T>
  T grad(T g, T, T y) const {
    return y * g;
  }
};

// y = ln x;  dx = g / x
struct Log {
  static constexpr Op op = Op::log;
  static constexpr bool vectorised = true;
  template <class T>
  T forward(T x) const {
    return std::log(x);
  }
  template <class Batch>
  Batch forward_batch(const Batch& x) const {
    return xsimd::log(x);
  }
  template <class T>
  T grad(T g, T x, T) const {
    return g / x;
  }
};

// y = tanh x;  dx = g (1 - y^2)
struct Tanh {
  static constexpr Op op = Op::tanh;
  static constexpr bool vectorised = true;
  template <class T>
  T forward(T x) const {
    return std::tanh(x);
  }
  template <class Batch>
  Batch forward_batch(const Batch& x) const {
    return xsimd::tanh(x);
  }
  template <class T>
  T grad(T g, T, T y) const {
    return (T(1) - y * y) * g;
  }
};

// y = max(x, 0), NaN staying NaN so that a diverged value is not hidden;  dx = g where y > 0
// (exactly where x > 0), else 0
struct Relu {
  static constexpr Op op = Op::relu;
  static constexpr bool vectorised = false;  // the compiler vectorises the plain loop
  template <class T>
  T forward(T x) const {
    return x > T(0) || std::isnan(x) ? x : T(0);
  }
  template <class T>
  T grad(T g, T, T y) const {
    return y > T(0) ? g : T(0);
  }
};

// y = 1 / (1 + e^-x) = e^x / (1 + e^x), from e = e^-|x| so that nothing overflows and nothing
// cancels (tiny values for large negative x keep their relative precision);  dx = g y (1 - y)
struct Sigmoid {
  static constexpr Op op = Op::sigmoid;
  static constexpr bool vectorised = true;
  template <class T>
  T forward(T x) const {
    const T e = std::exp(-std::abs(x));
    const T r = T(1) / (T(1) + e);
    return x >= T(0) ? r : e * r;
  }
  template <class Batch>
  Batch forward_batch(const Batch& x) const {
    const Batch e = xsimd::exp(-xsimd::abs(x));
    const Batch r = Batch(1) / (Batch(1) + e);
    return xsimd::select(x >= Batch(0), r, e * r);
  }
  template <class T>
  T grad(T g, T, T y) const {
    return y * (T(1) - y) * g;
  }
};

// y = a + b;  da = g, db = g
struct Add {
  static constexpr Op op = Op::add;
  template <class T>
  T forward(T a, T b) const {
    return a + b;
  }
  template <class T>
  T grad_a(T g, T, T, T) const {
    return g;
  }
  template <class T>
  T grad_b(T g, T, T, T) const {
    return g;
  }
};

// y = a - b;  da = g, db = -g
struct Sub {
  static constexpr Op op = Op::sub;
  template <class T>
  T forward(T a, T b) const {
    return a - b;
  }
  template <class T>
  T grad_a(T g, T, T, T) const {
    return g;
  }
  template <class T>
  T grad_b(T g, T, T, T) const {
    return -g;
  }
};

// y = a b;  da = g b, db = g a
struct Mul {
  static constexpr Op op = Op::mul;
  template <class T>
  T forward(T a, T b) const {
    return a * b;
  }
  template <class T>
  T grad_a(T g, T, T b, T) const {
    return b * g;
  }
  template <class T>
  T grad_b(T g, T a, T, T) const {
    return a * g;
  }
};

// y = a / b;  da = g / b, db = -g a / b^2 = -g y / b
struct Div {
  static constexpr Op op = Op::div;
  template <class T>
  T forward(T a, T b) const {
    return a / b;
  }
  template <class T>
  T grad_a(T g, T, T b, T) const {
    return g / b;
  }
  template <class T>
  T grad_b(T g, T, T b, T y) const {
    return -(g * y / b);
  }
};

}  // namespace tensor::rules

namespace tensor::detail {

// y[i] = rule.forward(x[i]) for i in [begin, end): whole SIMD batches through forward_batch
// where the rule has one, then the last few elements one by one.
template <class Rule, class T>
void apply_forward_range(const Rule& rule, const T* x, T* y, std::size_t begin, std::size_t end) {
  std::size_t i = begin;
  if constexpr (Rule::vectorised) {
    using Batch = xsimd::batch<T>;
    for (; i + Batch::size <= end; i += Batch::size)
      rule.forward_batch(Batch::load_unaligned(x + i)).store_unaligned(y + i);
  }
  for (; i < end; ++i) y[i] = rule.forward(x[i]);
}

// The same over [0, count), on TBB above the grain. x and y may be the same array.
template <class Rule, class T>
void apply_forward(const Rule& rule, const T* x, T* y, std::size_t count) {
  // (A function of its own per chunk, with the pointers as plain arguments: as a loop on the
  // lambda's captures it compiled to code measured ~10% slower.)
  parallel_chunks(count, parallel_grain_elements,
                  [&](std::size_t begin, std::size_t end) { apply_forward_range(rule, x, y, begin, end); });
}

// dx[i] += rule.grad(dy[i], x[i], y[i]) for i in [0, count), on TBB above the grain.
template <class Rule, class T>
void apply_backward(const Rule& rule, const T* x, const T* y, const T* dy, T* dx, std::size_t count) {
  parallel_chunks(count, parallel_grain_elements, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) dx[i] += rule.grad(dy[i], x[i], y[i]);
  });
}

}  // namespace tensor::detail
