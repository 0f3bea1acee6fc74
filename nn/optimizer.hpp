#pragma once
// Optimizers: the update rule applied to every parameter after backward(). They hold handles to
// the model's own parameters (no copies), and any state (velocity, moments) per element.
//
// A training step in the canonical order:
//   optimizer.zero_grad();  loss = ...;  loss.backward();  optimizer.step();
// With set_update_in_backward(true), backward() may apply part of the update itself (plain SGD
// on the tensor engine: see SGD), and step() applies the rest.

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nn/engine.hpp"

namespace nn {

template <class M>
class Optimizer {
 public:
  using Scalar = typename Engine<M>::Scalar;

  Optimizer(std::vector<M> parameters, double initial_rate)
      : learning_rate(initial_rate), parameters_(std::move(parameters)) {}
  virtual ~Optimizer() = default;

  // Applies one update from the parameters' current gradients. Returns whether every parameter
  // is finite afterwards, checked within the update's own pass over it: false after a NaN or
  // infinite gradient, or a step that overflowed.
  virtual bool step() = 0;
  // Clears every parameter's gradient before the next backward(): zeros on the scalar engine;
  // on the tensor engine the gradient is dropped (its buffer kept), and backward() writes it
  // afresh -- an empty gradient counts as zeros everywhere in nn. With update_in_backward on,
  // it also arms the next backward() to apply what it can of the update, at the learning rate
  // of this moment.
  void zero_grad() {
    for (const M& p : parameters_) p.zero_grad();
    if (update_in_backward_) arm_backward();
  }

  // Lets each backward() after zero_grad() apply what it can of the update, instead of leaving
  // gradients for step() to read back: plain SGD folds the step of a weight matrix into the
  // product that computes its gradient (Tensor::fold_descent_into_backward), and keeps no
  // gradient for it. For loops that run one backward() per zero_grad() and step(), read no
  // gradient in between and set learning_rate before zero_grad(), such as nn::train_batches;
  // off by default. Turning it off disarms a backward() already armed.
  void set_update_in_backward(bool on) {
    update_in_backward_ = on;
    if (on) return;
    for (const M& p : parameters_) Engine<M>::fold_descent_into_backward(p, Scalar(0));
  }
  bool update_in_backward() const { return update_in_backward_; }

  double learning_rate;  // may be changed between steps (a schedule), before zero_grad()

  // The optimizer's own state, for checkpoints: per parameter k, named slots of parameters[k]'s
  // shape (e.g. "velocity"), and the number of steps taken.
  struct State {
    std::vector<std::vector<std::pair<std::string, std::vector<double>>>> slots;  // [k] -> (name, values)
    long steps = 0;
  };
  virtual State state() const = 0;
  // Restores what state() gave. Throws std::invalid_argument if the slots do not match.
  virtual void restore(const State& state) = 0;

 protected:
  // Arms the next backward() with the part of the update it can apply (nothing by default).
  virtual void arm_backward() {}

  // One zero-filled state vector per parameter, e.g. a velocity.
  std::vector<std::vector<Scalar>> zero_state() const {
    std::vector<std::vector<Scalar>> state;
    for (const M& p : parameters_) state.emplace_back(p.size(), Scalar(0));
    return state;
  }
  // Copies saved values into `slot` (one vector per parameter), checking names and sizes.
  void restore_slot(const State& state, std::size_t index, const std::string& name,
                    std::vector<std::vector<Scalar>>& slot) const {
    if (state.slots.size() != parameters_.size()) {
      throw std::invalid_argument("optimizer state has " + std::to_string(state.slots.size()) +
                                  " parameters, the model " + std::to_string(parameters_.size()));
    }
    for (std::size_t k = 0; k < parameters_.size(); ++k) {
      const auto& saved = state.slots[k];
      if (index >= saved.size() || saved[index].first != name || saved[index].second.size() != slot[k].size()) {
        throw std::invalid_argument("optimizer state lacks a matching '" + name + "' for parameter " +
                                    std::to_string(k));
      }
      for (std::size_t i = 0; i < slot[k].size(); ++i) slot[k][i] = static_cast<Scalar>(saved[index].second[i]);
    }
  }
  // One (name, values) entry per parameter from `slot`, appended to `state`.
  void save_slot(const std::string& name, const std::vector<std::vector<Scalar>>& slot, State& state) const {
    state.slots.resize(parameters_.size());
    for (std::size_t k = 0; k < parameters_.size(); ++k) {
      state.slots[k].emplace_back(name, std::vector<double>(slot[k].begin(), slot[k].end()));
    }
  }

  std::vector<M> parameters_;

 private:
  bool update_in_backward_ = false;
};

// Stochastic gradient descent, with optional momentum (PyTorch's form: v = mu v + g,
// p -= lr v) and L2 weight decay (g += wd p).
//
// With update_in_backward, plain SGD (no momentum, no weight decay) on the tensor engine takes
// each weight matrix's step inside backward(), in the gemm that would have written its
// gradient (alpha = -lr, beta = 1, into the weights): no gradient written, no pass reading it
// back, no zeroing before the product; step() updates the rest (biases) at the same rate and
// reads the folded weights once to check their finiteness. The step equals the unfolded one up
// to rounding: the product rounds lr * gradient and then adds it, where the unfolded pass may
// fuse the two (FMA).
template <class M>
class SGD final : public Optimizer<M> {
 public:
  using Scalar = typename Optimizer<M>::Scalar;

  SGD(std::vector<M> parameters, double initial_rate, double momentum = 0.0, double weight_decay = 0.0)
      : Optimizer<M>(std::move(parameters), initial_rate), momentum_(momentum), weight_decay_(weight_decay) {
    velocity_ = this->zero_state();
  }

  bool step() override {
    // Armed at zero_grad(), the folded weights stepped at that moment's rate: so do the rest.
    const double rate = armed_rate_ != 0.0 ? armed_rate_ : this->learning_rate;
    const auto lr = static_cast<Scalar>(rate), mu = static_cast<Scalar>(momentum_),
               wd = static_cast<Scalar>(weight_decay_);
    bool finite = true;
    for (std::size_t k = 0; k < this->parameters_.size(); ++k) {
      const M& p = this->parameters_[k];
      const bool ok = Engine<M>::descent_folded(p) ? Engine<M>::values_are_finite(p)
                                                   : Engine<M>::sgd_update(p, velocity_[k].data(), lr, mu, wd);
      finite = finite && ok;
      Engine<M>::fold_descent_into_backward(p, Scalar(0));  // an arm no backward() used ends here
    }
    armed_rate_ = 0.0;
    ++steps_;
    return finite;
  }

  typename Optimizer<M>::State state() const override {
    typename Optimizer<M>::State s;
    this->save_slot("velocity", velocity_, s);
    s.steps = steps_;
    return s;
  }
  void restore(const typename Optimizer<M>::State& s) override {
    this->restore_slot(s, 0, "velocity", velocity_);
    steps_ = s.steps;
  }

 private:
  void arm_backward() override {
    if (momentum_ != 0.0 || weight_decay_ != 0.0) return;  // the gradient is needed beyond the step
    armed_rate_ = this->learning_rate;
    for (const M& p : this->parameters_) Engine<M>::fold_descent_into_backward(p, static_cast<Scalar>(armed_rate_));
  }

  double armed_rate_ = 0.0;  // the rate armed at zero_grad(), until step(); 0: none
  long steps_ = 0;
  double momentum_, weight_decay_;
  std::vector<std::vector<Scalar>> velocity_;
};

// Adam (Kingma & Ba): per-element steps from bias-corrected running means of the gradient and
// its square, with optional decoupled weight decay (AdamW: p -= lr wd p).
template <class M>
class Adam final : public Optimizer<M> {
 public:
  using Scalar = typename Optimizer<M>::Scalar;

  explicit Adam(std::vector<M> parameters, double initial_rate = 1e-3, double beta1 = 0.9, double beta2 = 0.999,
                double epsilon = 1e-8, double weight_decay = 0.0)
      : Optimizer<M>(std::move(parameters), initial_rate),
        beta1_(beta1),
        beta2_(beta2),
        epsilon_(epsilon),
        weight_decay_(weight_decay) {
    first_moment_ = this->zero_state();
    second_moment_ = this->zero_state();
  }

  bool step() override {
    ++steps_;
    const tensor::AdamStep<Scalar> constants =
        tensor::adam_step<Scalar>(this->learning_rate, beta1_, beta2_, epsilon_, weight_decay_, steps_);
    bool finite = true;
    for (std::size_t k = 0; k < this->parameters_.size(); ++k) {
      const bool ok =
          Engine<M>::adam_update(this->parameters_[k], first_moment_[k].data(), second_moment_[k].data(), constants);
      finite = finite && ok;
    }
    return finite;
  }

  typename Optimizer<M>::State state() const override {
    typename Optimizer<M>::State s;
    this->save_slot("m", first_moment_, s);
    this->save_slot("v", second_moment_, s);
    s.steps = steps_;
    return s;
  }
  void restore(const typename Optimizer<M>::State& s) override {
    this->restore_slot(s, 0, "m", first_moment_);
    this->restore_slot(s, 1, "v", second_moment_);
    steps_ = s.steps;
  }

 private:
  double beta1_, beta2_, epsilon_, weight_decay_;
  long steps_ = 0;
  std::vector<std::vector<Scalar>> first_moment_, second_moment_;
};

}  // namespace nn
