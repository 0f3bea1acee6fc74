#pragma once
// Internal to image reading: stb_image compiled with a per-thread limit on each allocation it
// makes (see stb_image_bounded.cpp). Include <stb_image.h> for the decoding functions.

#include <cstddef>

namespace vision::detail {

// While alive, no single allocation by stb_image on this thread may exceed `bytes`.
class StbAllocationLimit {
 public:
  explicit StbAllocationLimit(std::size_t bytes);
  ~StbAllocationLimit();
  StbAllocationLimit(const StbAllocationLimit&) = delete;
  StbAllocationLimit& operator=(const StbAllocationLimit&) = delete;
};

}  // namespace vision::detail
