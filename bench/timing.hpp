#pragma once
// A plain benchmark harness: warm-up runs, then the median of timed runs.

#include <algorithm>
#include <chrono>
#include <vector>

namespace bench {

struct Timing {
  double median_seconds;
  double min_seconds;
  int runs;
};

template <class Work>
Timing time_runs(Work&& work, int warmup_runs, int timed_runs) {
  for (int i = 0; i < warmup_runs; ++i) work();
  std::vector<double> seconds;
  for (int i = 0; i < timed_runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    work();
    const auto stop = std::chrono::steady_clock::now();
    seconds.push_back(std::chrono::duration<double>(stop - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  const std::size_t n = seconds.size();
  const double median = n % 2 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2;
  return {median, seconds.front(), timed_runs};
}

}  // namespace bench
