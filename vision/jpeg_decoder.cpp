#include "vision/jpeg_decoder.hpp"

// clang-format off
#include <cstdio>  // jpeglib.h needs FILE and size_t declared first
#include <csetjmp>
#include <jpeglib.h>
#include <jerror.h>
// clang-format on

#include "io/input_error.hpp"

namespace vision::detail {
namespace {

// libjpeg reports errors through a callback that must not return; it jumps back here instead.
// Only the two functions that call setjmp run libjpeg, and they hold no C++ object with a
// destructor, so the jump skips nothing.
struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
  char damage[JMSG_LENGTH_MAX];  // the first warning that image data is missing or corrupt, or ""
};

// Progressive JPEGs may hold any number of scans, each a pass over the whole image: a small
// file could keep the decoder busy for minutes (99 scans of a 4096 x 4096 image take ~0.4 s).
// Encoders write about ten.
constexpr int max_scans = 100;

struct Decoder {
  jpeg_decompress_struct info;
  JpegErrors errors;
  jpeg_progress_mgr progress;
};

[[noreturn]] void jump_on_error(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  (*info->err->format_message)(info, errors->message);
  std::longjmp(errors->jump, 1);
}

// Warnings do not stop libjpeg: it fills missing or undecodable data with gray and goes on. Those
// that mean image data is missing or corrupt are remembered and the file refused afterwards;
// the harmless ones (stray bytes between markers, an unknown JFIF revision) are not.
void note_warning(j_common_ptr info, int level) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  const int code = info->err->msg_code;
  const bool damaged = code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE ||
                       code == JWRN_ARITH_BAD_CODE || code == JWRN_MUST_RESYNC || code == JWRN_NOT_SEQUENTIAL ||
                       code == JWRN_BOGUS_PROGRESSION;
  if (level < 0 && damaged && errors->damage[0] == '\0') (*info->err->format_message)(info, errors->damage);
}

void limit_scans(j_common_ptr info) {
  auto* decoder = reinterpret_cast<Decoder*>(info);  // `info` is the first member
  if (decoder->info.input_scan_number > max_scans) {
    std::snprintf(decoder->errors.message, sizeof decoder->errors.message, "more than %d progressive scans", max_scans);
    std::longjmp(decoder->errors.jump, 1);
  }
}

// Reads the header; false (with the message in decoder.errors) when libjpeg failed.
bool read_header(Decoder& decoder, const std::vector<std::uint8_t>& bytes) {
  if (setjmp(decoder.errors.jump) != 0) return false;
  jpeg_create_decompress(&decoder.info);
  decoder.info.progress = &decoder.progress;
  jpeg_mem_src(&decoder.info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&decoder.info, TRUE);
  return true;
}

// Decodes every row into `pixels` (width x height bytes); false when libjpeg failed.
bool read_pixels(Decoder& decoder, std::uint8_t* pixels) {
  if (setjmp(decoder.errors.jump) != 0) return false;
  decoder.info.out_color_space = JCS_GRAYSCALE;
  jpeg_start_decompress(&decoder.info);
  const std::size_t width = decoder.info.output_width;
  while (decoder.info.output_scanline < decoder.info.output_height) {
    JSAMPROW row = pixels + decoder.info.output_scanline * width;
    jpeg_read_scanlines(&decoder.info, &row, 1);
  }
  jpeg_finish_decompress(&decoder.info);
  return true;
}

// Owns the decoder and releases libjpeg's memory however decoding ends.
struct DecoderGuard {
  Decoder& decoder;
  ~DecoderGuard() { jpeg_destroy_decompress(&decoder.info); }
};

}  // namespace

bool is_jpeg(const std::vector<std::uint8_t>& bytes) {
  return bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

GrayImage decode_jpeg_gray(const std::vector<std::uint8_t>& bytes, const std::string& name, std::size_t max_pixels) {
  Decoder decoder{};
  decoder.info.err = jpeg_std_error(&decoder.errors.manager);
  decoder.errors.manager.error_exit = jump_on_error;
  decoder.errors.manager.emit_message = note_warning;
  decoder.progress.progress_monitor = limit_scans;
  const DecoderGuard guard{decoder};
  auto corrupt = [&] { io::input_error(name, std::string("corrupt JPEG (") + decoder.errors.message + ")"); };

  if (!read_header(decoder, bytes)) corrupt();
  const std::size_t width = decoder.info.image_width, height = decoder.info.image_height;
  if (width == 0 || height == 0 || width * height > max_pixels) {
    io::input_error(name, "image of " + std::to_string(width) + "x" + std::to_string(height) + " pixels is " +
                              (width * height == 0 ? "empty" : "too large"));
  }
  if (decoder.info.jpeg_color_space == JCS_CMYK || decoder.info.jpeg_color_space == JCS_YCCK) {
    io::input_error(name, "CMYK JPEGs are not supported (save it as RGB or grayscale)");
  }
  GrayImage image;
  image.width = width;
  image.height = height;
  image.pixels.resize(width * height);
  if (!read_pixels(decoder, image.pixels.data())) corrupt();
  if (decoder.errors.damage[0] != '\0') {
    io::input_error(name, std::string("corrupt or truncated JPEG (") + decoder.errors.damage + ")");
  }
  return image;
}

}  // namespace vision::detail
