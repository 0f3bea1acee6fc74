#include "tensor/threads.hpp"

#include <tbb/global_control.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

extern "C" void openblas_set_num_threads(int num_threads);

namespace tensor {
namespace {

// The TBB limit lasts as long as this object; replaced on every call.
std::unique_ptr<tbb::global_control>& tbb_limit() {
  static std::unique_ptr<tbb::global_control> limit;
  return limit;
}

}  // namespace

void set_num_threads(int n) {
  if (n < 1) throw std::invalid_argument("set_num_threads: need at least 1 thread, got " + std::to_string(n));
  tbb_limit() =
      std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(n));
  openblas_set_num_threads(n);
}

int num_threads() {
  return static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));
}

}  // namespace tensor
