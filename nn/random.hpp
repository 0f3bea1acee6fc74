#pragma once
// The project's random numbers: one seeded generator whose sequence is the same on every
// platform and compiler, so a seed always gives the same initial weights on both engines.
// (std::uniform_real_distribution is implementation-defined, so it is not used.)

#include <cstdint>
#include <random>
#include <string>

namespace nn {

// splitmix64's finaliser: a 64-bit word whose every bit depends on every bit of z.
inline std::uint64_t mix_bits(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A seed for one part of a run -- a batch's dropout masks, an image's distortion in an epoch
// -- so that part draws the same numbers whatever ran before it, on any number of threads: the
// finaliser over each word in turn. Each use passes a seed salted with its own constant
// (nn::dropout_seed, mnist::distortion_seed), so two uses never share a stream.
inline std::uint64_t derived_seed(std::uint64_t seed, std::uint64_t epoch, std::uint64_t index) {
  return mix_bits(mix_bits(mix_bits(seed + 0x9E3779B97F4A7C15ULL) ^ epoch) ^ (index + 0x632BE59BD9B4E019ULL));
}

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  // One 64-bit draw, every bit uniform.
  std::uint64_t bits() { return engine_(); }

  // Uniform in [0, 1), from the top 53 bits of one 64-bit draw.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  // Uniform in [low, high).
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  // Uniform integer in [0, n), without modulo bias. Requires n > 0.
  std::uint64_t below(std::uint64_t n);

  // The generator's whole state as text, and back: a checkpoint resumes the same sequence.
  // restore throws std::invalid_argument if `state` is not such a text.
  std::string state() const;
  void restore(const std::string& state);

 private:
  std::mt19937_64 engine_;  // its output sequence is fixed by the C++ standard
};

}  // namespace nn
