// stb_image's implementation (from Debian's libstb-dev header), compiled here so that every
// allocation it makes goes through a limit: a small, lying file -- a chunk claiming 500 MB, a
// compressed stream that inflates without end -- cannot make it allocate more than the image
// it declares needs. stb_image treats a refused allocation as an ordinary decoding error.

#include "vision/stb_image_bounded.hpp"

#include <cstdlib>

namespace vision::detail {
namespace {

thread_local std::size_t allocation_limit = 0;  // 0: no decode in progress, no limit

void* bounded_malloc(std::size_t size) {
  return allocation_limit != 0 && size > allocation_limit ? nullptr : std::malloc(size);
}
void* bounded_realloc(void* pointer, std::size_t size) {
  return allocation_limit != 0 && size > allocation_limit ? nullptr : std::realloc(pointer, size);
}

}  // namespace
}  // namespace vision::detail

#define STBI_MALLOC(size) vision::detail::bounded_malloc(size)
#define STBI_REALLOC(pointer, size) vision::detail::bounded_realloc(pointer, size)
#define STBI_FREE(pointer) std::free(pointer)
#define STBI_NO_STDIO  // images come from memory only
// PNG, BMP and binary PGM/PPM. Not JPEG: the fuzzer found memory errors in this stb_image
// version's JPEG decoder (fuzz/regressions/image-jpeg-*), so JPEGs go to libjpeg-turbo
// (jpeg_decoder.cpp); the other formats are attack surface with no use for digits.
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_ONLY_PNM
#define STB_IMAGE_IMPLEMENTATION
#include <stb_image.h>

namespace vision::detail {

StbAllocationLimit::StbAllocationLimit(std::size_t bytes) { allocation_limit = bytes; }
StbAllocationLimit::~StbAllocationLimit() { allocation_limit = 0; }

}  // namespace vision::detail
