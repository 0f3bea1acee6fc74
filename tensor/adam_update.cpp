// Adam's update in one vectorised pass (declared in tensor/array_loops.hpp). Its own file for
// its compile options: no contraction into FMAs, so the results are those of the plain loop,
// and no errno from sqrt (v is never negative), so the loop vectorises.

#include "tensor/array_loops.hpp"
#include "tensor/parallel.hpp"

#include <cmath>

namespace tensor {

namespace {

// One chunk. Separate arrays and constants in registers, so the loop vectorises.
template <class T>
void adam_chunk(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, std::size_t count,
                const AdamStep<T> step) {
  const T b1 = step.beta1, b2 = step.beta2, keep1 = 1 - step.beta1, keep2 = 1 - step.beta2;
  const T rate = step.rate, epsilon = step.epsilon, decay = step.decay;
  const T correction1 = step.correction1, correction2 = step.correction2;
  for (std::size_t i = 0; i < count; ++i) {
    m[i] = b1 * m[i] + keep1 * g[i];
    v[i] = b2 * v[i] + keep2 * g[i] * g[i];
    const T m_hat = m[i] / correction1, v_hat = v[i] / correction2;
    p[i] -= rate * m_hat / (std::sqrt(v_hat) + epsilon) + decay * p[i];
  }
}

}  // namespace

template <class T>
void adam_update(T* p, const T* g, T* m, T* v, std::size_t count, const AdamStep<T>& step) {
  detail::parallel_chunks(count, detail::parallel_grain_elements, [&](std::size_t begin, std::size_t end) {
    adam_chunk(p + begin, g + begin, m + begin, v + begin, end - begin, step);
  });
}

template void adam_update<float>(float*, const float*, float*, float*, std::size_t, const AdamStep<float>&);
template void adam_update<double>(double*, const double*, double*, double*, std::size_t, const AdamStep<double>&);

}  // namespace tensor
