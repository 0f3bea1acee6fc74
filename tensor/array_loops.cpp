#include "tensor/array_loops.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace tensor {

template <class T>
bool all_finite(const T* data, std::size_t count) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  // All exponent bits set: an infinity or a NaN.
  constexpr Bits exponent = static_cast<Bits>(sizeof(T) == 4 ? 0x7f800000ull : 0x7ff0000000000000ull);
  constexpr std::size_t block = 4096;
  for (std::size_t start = 0; start < count; start += block) {
    const std::size_t end = std::min(count, start + block);
    Bits bad = 0;
    for (std::size_t i = start; i < end; ++i) {
      Bits bits;
      std::memcpy(&bits, data + i, sizeof bits);
      bad |= static_cast<Bits>((bits & exponent) == exponent);
    }
    if (bad != 0) return false;
  }
  return true;
}

template bool all_finite<float>(const float*, std::size_t);
template bool all_finite<double>(const double*, std::size_t);

}  // namespace tensor
