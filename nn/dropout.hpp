#pragma once
// Inverted dropout (Srivastava et al. 2014): in training each activation is kept with
// probability 1 - rate and scaled by 1 / (1 - rate), or set to 0, so its expected value is
// unchanged and evaluation uses the network as it is, with no dropout and no rescaling. The
// mask is a constant of the graph: the gradient flows through the kept units, scaled alike.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/engine.hpp"
#include "nn/random.hpp"

namespace nn {

// The seed of the dropout masks of batch `batch` in epoch `epoch` of a run seeded `run_seed`.
inline std::uint64_t dropout_seed(std::uint64_t run_seed, std::uint64_t epoch, std::uint64_t batch) {
  return derived_seed(run_seed ^ 0x64726F706F7574ULL, epoch, batch);  // "dropout"
}

// Throws std::invalid_argument unless `rates` is empty (no dropout) or has one rate in [0, 1)
// per hidden layer.
void validate_dropout(const std::vector<double>& rates, std::size_t hidden_layers);

// A rows x cols mask, row-major: each element 1 / (1 - rate) with probability 1 - rate, else 0.
// rate must be in [0, 1) (std::invalid_argument otherwise). Each 64-bit draw of rng gives four
// elements, one per 16 bits, so the rate is honoured to 1/65536.
std::vector<double> dropout_mask(std::size_t rows, std::size_t cols, double rate, Rng& rng);

// x multiplied element-wise by a mask of x's shape (row-major), such as dropout_mask's: the
// same fixed mask on any engine.
template <class M>
M apply_mask(const M& x, const std::vector<double>& mask) {
  const std::size_t cols = x.cols();
  M constant = build<M>(x.rows(), cols, [&](std::size_t i, std::size_t j) { return mask[i * cols + j]; });
  constant.set_requires_grad(false);
  return x * constant;
}

// x with inverted dropout at `rate`, its mask drawn from rng; x itself when rate is 0.
template <class M>
M dropout(const M& x, double rate, Rng& rng) {
  if (rate == 0.0) return x;
  return apply_mask(x, dropout_mask(x.rows(), x.cols(), rate, rng));
}

}  // namespace nn
