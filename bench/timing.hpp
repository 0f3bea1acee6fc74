#pragma once
// A plain benchmark harness: warm-up runs, then the median of timed runs.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <vector>

namespace bench {

struct Timing {
  double median_seconds;
  double min_seconds;
  int runs;
};

// The middle value (the mean of the two middle ones for an even count); `values` not empty.
inline double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// Seconds since it was made.
class Stopwatch {
 public:
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

template <class Work>
Timing time_runs(Work&& work, int warmup_runs, int timed_runs) {
  for (int i = 0; i < warmup_runs; ++i) work();
  std::vector<double> seconds;
  for (int i = 0; i < timed_runs; ++i) {
    const Stopwatch stopwatch;
    work();
    seconds.push_back(stopwatch.seconds());
  }
  return {median(seconds), *std::min_element(seconds.begin(), seconds.end()), timed_runs};
}

// The process's peak resident memory so far, in MiB.
inline double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// The flags of a benchmark made of sections: --quick (fewer runs) and --only SECTION.
struct SectionFlags {
  bool quick = false;
  std::string only;  // a section's name, or empty for every section
  bool wanted(const char* section) const { return only.empty() || only == section; }
};

// Reads them from the command line: --help prints `usage` and exits with 0; anything else, or a
// section not among `sections`, prints it and exits with 2.
inline SectionFlags parse_section_flags(int argc, char** argv, const char* usage,
                                        std::initializer_list<const char*> sections) {
  SectionFlags flags;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::printf("usage: %s\n", usage);
      std::exit(0);
    } else if (std::strcmp(argv[i], "--quick") == 0) {
      flags.quick = true;
    } else if (std::strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
      flags.only = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s\n", usage);
      std::exit(2);
    }
  }
  const bool known = flags.only.empty() || std::any_of(sections.begin(), sections.end(),
                                                       [&](const char* section) { return flags.only == section; });
  if (!known) {
    std::fprintf(stderr, "unknown section '%s'\nusage: %s\n", flags.only.c_str(), usage);
    std::exit(2);
  }
  return flags;
}

}  // namespace bench
