#include "tensor/memory.hpp"

#if __has_include(<malloc.h>)
#include <malloc.h>
#endif

namespace tensor {

void keep_freed_arrays_in_process() {
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)  // glibc's mallopt
  constexpr int largest_from_heap = 32 << 20;               // the largest mmap threshold glibc accepts on 64-bit
  constexpr int kept_at_top = 256 << 20;
  mallopt(M_MMAP_THRESHOLD, largest_from_heap);
  mallopt(M_TRIM_THRESHOLD, kept_at_top);
#endif
}

}  // namespace tensor
