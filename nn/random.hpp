#pragma once
// The project's random numbers: one seeded generator whose sequence is the same on every
// platform and compiler, so a seed always gives the same initial weights on both engines.
// (std::uniform_real_distribution is implementation-defined, so it is not used.)

#include <cstdint>
#include <random>
#include <string>

namespace nn {

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

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
