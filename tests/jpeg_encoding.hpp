#pragma once
// For tests: pixels encoded as a JPEG in memory, with libjpeg (the project itself only decodes
// JPEGs). A libjpeg failure exits the program -- fine for a test.

#include <cstddef>
#include <cstdint>
#include <cstdio>  // jpeglib.h needs FILE and size_t declared first
#include <cstdlib>
#include <vector>
// clang-format off
#include <jpeglib.h>
// clang-format on

// `pixels`: row-major, one byte per channel -- 1 for JCS_GRAYSCALE, 3 for JCS_RGB, 4 for JCS_CMYK.
inline std::vector<std::uint8_t> encode_jpeg(const std::vector<std::uint8_t>& pixels, std::size_t width,
                                             std::size_t height, int quality, J_COLOR_SPACE space = JCS_GRAYSCALE) {
  const int channels = space == JCS_GRAYSCALE ? 1 : space == JCS_CMYK ? 4 : 3;
  jpeg_compress_struct info{};
  jpeg_error_mgr errors{};
  info.err = jpeg_std_error(&errors);
  jpeg_create_compress(&info);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = static_cast<JDIMENSION>(width);
  info.image_height = static_cast<JDIMENSION>(height);
  info.input_components = channels;
  info.in_color_space = space;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    auto* row = const_cast<JSAMPLE*>(&pixels[info.next_scanline * width * static_cast<std::size_t>(channels)]);
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  std::vector<std::uint8_t> bytes(buffer, buffer + size);
  jpeg_destroy_compress(&info);
  std::free(buffer);
  return bytes;
}
