#pragma once
// The lecture's examples take no options: --help says what an example does, and anything else
// is refused with exit code 2, as two_neuron refuses what it does not know.

#include <cstdio>
#include <cstring>

namespace lecture {

// Returns -1 when the example should run, else the exit code main should return at once.
inline int check_no_arguments(int argc, char** argv, const char* name, const char* what) {
  if (argc < 2) return -1;
  if (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::printf("usage: %s\n%s\n", name, what);
    return 0;
  }
  std::fprintf(stderr, "%s: unknown argument '%s'\nusage: %s (it takes no options)\n", name, argv[1], name);
  return 2;
}

}  // namespace lecture
