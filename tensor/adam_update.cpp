// Adam's update in one vectorised pass (declared in tensor/array_loops.hpp). Its own file for
// its compile options: no contraction into FMAs, so the results are those of the plain loop,
// and no errno from sqrt (v is never negative), so the loop vectorises.

#include "tensor/array_loops.hpp"

#include <atomic>

#include "tensor/parallel.hpp"

namespace tensor {

namespace {

// One chunk; returns whether every updated p is finite. Separate arrays and the constants in
// registers, so the loop vectorises.
template <class T>
bool adam_chunk(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, std::size_t count,
                const AdamStep<T> step) {
  decltype(non_finite_bit(T())) bad = 0;
  for (std::size_t i = 0; i < count; ++i) {
    adam_element(p[i], g[i], m[i], v[i], step);
    bad |= non_finite_bit(p[i]);
  }
  return bad == 0;
}

}  // namespace

template <class T>
bool adam_update(T* p, const T* g, T* m, T* v, std::size_t count, const AdamStep<T>& step) {
  std::atomic<bool> finite = true;
  detail::parallel_chunks(count, detail::parallel_grain_elements, [&](std::size_t begin, std::size_t end) {
    if (!adam_chunk(p + begin, g + begin, m + begin, v + begin, end - begin, step)) {
      finite.store(false, std::memory_order_relaxed);
    }
  });
  return finite.load();
}

template bool adam_update<float>(float*, const float*, float*, float*, std::size_t, const AdamStep<float>&);
template bool adam_update<double>(double*, const double*, double*, double*, std::size_t, const AdamStep<double>&);

}  // namespace tensor
