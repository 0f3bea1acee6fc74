#pragma once
// Internal: the engine's one way of running a loop on TBB.

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <cstddef>

namespace tensor::detail {

// Elements per task below which a loop is not worth a thread: ~64 KiB of floats.
constexpr std::size_t parallel_grain_elements = 16384;

// Calls body(begin, end) over [0, count) in chunks of at most `grain` indices: serially when one
// chunk covers everything, else as TBB tasks. Chunk boundaries depend only on count and grain,
// never on the number of threads, so per-chunk results are the same with 1 or N threads.
template <class Body>
void parallel_chunks(std::size_t count, std::size_t grain, const Body& body) {
  if (count == 0) return;
  if (grain == 0) grain = 1;
  if (count <= grain) {
    body(std::size_t{0}, count);
    return;
  }
  // Isolated: while the calling thread waits for this loop's chunks it runs no other work of
  // the arena, such as a chunk of the next epoch's distorted digits (mnist/distorted_epochs.hpp)
  // that would hold a training step up for milliseconds.
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, count, grain),
        [&](const tbb::blocked_range<std::size_t>& range) { body(range.begin(), range.end()); },
        tbb::simple_partitioner());
  });
}

// Rows per chunk so that a chunk holds about parallel_grain_elements elements.
inline std::size_t row_grain(std::size_t cols) {
  return cols >= parallel_grain_elements ? 1 : parallel_grain_elements / cols;
}

}  // namespace tensor::detail
