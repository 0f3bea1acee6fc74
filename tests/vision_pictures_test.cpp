// Pictures as people bring them: JPEG and BMP decoding (with their bad forms refused before any
// pixel is decoded), and the MNIST-style preparation of a digit drawn at any size, anywhere,
// in either polarity, on clean or noisy paper.

#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "check_refused.hpp"
#include "jpeg_encoding.hpp"
#include "vision/digit_preparation.hpp"
#include "vision/image.hpp"

using Bytes = std::vector<std::uint8_t>;

namespace {

Bytes jpeg_of(const vision::GrayImage& image, int quality) {
  return encode_jpeg(image.pixels, image.width, image.height, quality);
}

// A ring (a "0") of outer radii rx x ry and stroke `thickness`, centred at (cx, cy), in ink
// level `ink` on paper level `paper`, anti-aliased by 4x4 supersampling.
vision::GrayImage ring(std::size_t width, std::size_t height, double cx, double cy, double rx, double ry,
                       double thickness, int paper, int ink) {
  vision::GrayImage image{width, height, std::vector<std::uint8_t>(width * height)};
  for (std::size_t y = 0; y < height; ++y) {
    for (std::size_t x = 0; x < width; ++x) {
      int covered = 0;
      for (int sy = 0; sy < 4; ++sy) {
        for (int sx = 0; sx < 4; ++sx) {
          const double px = static_cast<double>(x) + (sx + 0.5) / 4 - cx,
                       py = static_cast<double>(y) + (sy + 0.5) / 4 - cy;
          const double outer = std::hypot(px / rx, py / ry),
                       inner = std::hypot(px / (rx - thickness), py / (ry - thickness));
          covered += outer <= 1 && inner >= 1;
        }
      }
      image.pixels[y * width + x] = static_cast<std::uint8_t>(std::lround(paper + (ink - paper) * covered / 16.0));
    }
  }
  return image;
}

struct Shape {
  double mass_x = 0, mass_y = 0;                // centre of mass, pixel i spanning [i, i + 1)
  std::size_t height = 0, width = 0, peak = 0;  // extent of non-zero pixels; brightest level
};

Shape shape_of(const vision::PreparedDigit& digit) {
  Shape shape;
  double mass = 0;
  std::size_t top = 28, bottom = 0, left = 28, right = 0;
  for (std::size_t y = 0; y < 28; ++y) {
    for (std::size_t x = 0; x < 28; ++x) {
      const double v = digit.pixels[y * 28 + x];
      if (v == 0) continue;
      mass += v;
      shape.mass_x += v * (x + 0.5);
      shape.mass_y += v * (y + 0.5);
      top = std::min(top, y), bottom = std::max(bottom, y), left = std::min(left, x), right = std::max(right, x);
      shape.peak = std::max<std::size_t>(shape.peak, digit.pixels[y * 28 + x]);
    }
  }
  shape.mass_x /= mass;
  shape.mass_y /= mass;
  shape.height = bottom - top + 1;
  shape.width = right - left + 1;
  return shape;
}

double mean_difference(const vision::PreparedDigit& a, const vision::PreparedDigit& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(a.pixels[i] - b.pixels[i]);
  return sum / static_cast<double>(a.pixels.size());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pictures)

BOOST_AUTO_TEST_CASE(jpeg_decodes_close_to_what_was_encoded) {
  const vision::GrayImage picture = ring(61, 47, 30, 23, 25, 20, 6, 230, 20);
  const vision::GrayImage decoded = vision::decode_gray_image(jpeg_of(picture, 95), "ring.jpg");
  BOOST_TEST(decoded.width == 61u);
  BOOST_TEST(decoded.height == 47u);
  double error = 0;
  for (std::size_t i = 0; i < picture.pixels.size(); ++i) error += std::abs(decoded.pixels[i] - picture.pixels[i]);
  BOOST_TEST(error / static_cast<double>(picture.pixels.size()) < 2.0);  // quality 95: small artefacts only
}

BOOST_AUTO_TEST_CASE(bad_jpegs_are_refused) {
  const Bytes jpeg = jpeg_of(ring(64, 64, 32, 32, 28, 28, 6, 255, 0), 90);
  check_refused([&] { vision::decode_gray_image(Bytes(jpeg.begin(), jpeg.begin() + jpeg.size() / 2), "half.jpg"); },
                {"half.jpg", "corrupt or truncated JPEG", "Premature end of JPEG file"});
  // Cut in the middle of its data and closed with an end-of-image marker: no longer "truncated"
  // to libjpeg, but the data is missing all the same.
  Bytes closed(jpeg.begin(), jpeg.begin() + jpeg.size() / 2);
  closed.push_back(0xFF);
  closed.push_back(0xD9);
  check_refused([&] { vision::decode_gray_image(closed, "closed.jpg"); }, {"closed.jpg", "corrupt or truncated JPEG"});
  Bytes garbage = {0xFF, 0xD8, 0xFF};
  garbage.resize(200, 0x41);
  check_refused([&] { vision::decode_gray_image(garbage, "garbage.jpg"); }, {"garbage.jpg", "corrupt JPEG ("});
  // The frame header (SOF0: FF C0, length, precision, height, width) declaring 60000 x 60000.
  Bytes huge = jpeg;
  for (std::size_t i = 2; i + 9 < huge.size(); ++i) {
    if (huge[i] == 0xFF && huge[i + 1] == 0xC0) {
      huge[i + 5] = 0xEA, huge[i + 6] = 0x60, huge[i + 7] = 0xEA, huge[i + 8] = 0x60;
      break;
    }
  }
  check_refused([&] { vision::decode_gray_image(huge, "huge.jpg"); }, {"huge.jpg", "60000x60000 pixels is too large"});
  // CMYK (print) JPEGs have no grayscale conversion in libjpeg.
  const Bytes cmyk = encode_jpeg(std::vector<std::uint8_t>(8 * 8 * 4, 100), 8, 8, 90, JCS_CMYK);
  check_refused([&] { vision::decode_gray_image(cmyk, "print.jpg"); }, {"print.jpg", "CMYK JPEGs are not supported"});
}

BOOST_AUTO_TEST_CASE(bmp_rows_are_read_in_either_order) {
  // 2 x 2, 24-bit, rows padded to 4 bytes. Bottom-up (positive height): the first row stored is
  // the bottom one. Pixels: top row black, white; bottom row pure blue, pure red (BGR order).
  auto bmp = [](std::int32_t height, const Bytes& rows) {
    Bytes bytes = {'B', 'M'};
    auto u32 = [&](std::uint32_t v) {
      for (int shift : {0, 8, 16, 24}) bytes.push_back(static_cast<std::uint8_t>(v >> shift));
    };
    u32(54 + static_cast<std::uint32_t>(rows.size())), u32(0), u32(54);
    u32(40), u32(2), u32(static_cast<std::uint32_t>(height));
    bytes.insert(bytes.end(), {1, 0, 24, 0});
    for (int i = 0; i < 6; ++i) u32(0);
    bytes.insert(bytes.end(), rows.begin(), rows.end());
    return bytes;
  };
  const Bytes top_row = {0, 0, 0, 255, 255, 255, 0, 0}, bottom_row = {255, 0, 0, 0, 0, 255, 0, 0};
  Bytes bottom_up = bottom_row, top_down = top_row;
  bottom_up.insert(bottom_up.end(), top_row.begin(), top_row.end());
  top_down.insert(top_down.end(), bottom_row.begin(), bottom_row.end());
  for (const Bytes& file : {bmp(2, bottom_up), bmp(-2, top_down)}) {
    const vision::GrayImage image = vision::decode_gray_image(file, "tiny.bmp");
    BOOST_TEST(image.pixels[0] == 0);
    BOOST_TEST(image.pixels[1] == 255);
    BOOST_TEST(image.pixels[2] < image.pixels[3]);  // blue is darker than red in luminance
  }
  Bytes huge = bmp(-2, top_down);
  huge[18] = 0x50, huge[19] = 0xC3;                                    // width 50000
  huge[22] = 0xB0, huge[23] = 0x3C, huge[24] = 0xFF, huge[25] = 0xFF;  // height -50000
  check_refused([&] { vision::decode_gray_image(huge, "huge.bmp"); }, {"huge.bmp", "50000x50000 pixels is too large"});
  // Cut short, the file lacks rows its header promises: refused, not read with rows made up.
  for (const std::size_t cut : {1, 8, 16}) {
    Bytes truncated = bmp(2, bottom_up);
    truncated.resize(truncated.size() - cut);
    check_refused(
        [&] { vision::decode_gray_image(truncated, "cut.bmp"); },
        {"cut.bmp: BMP data is truncated: its header promises 70 bytes, the file has " + std::to_string(70 - cut)});
  }
}

BOOST_AUTO_TEST_CASE(a_digit_anywhere_is_scaled_to_20_and_centred_by_mass) {
  // A tall "0" with a heavy blob on its right, dark on light, off-centre on a 300 x 200
  // picture: lopsided, so centring its box instead of its mass would miss by pixels.
  vision::GrayImage picture = ring(300, 200, 210, 80, 35, 60, 12, 240, 30);
  for (std::size_t y = 60; y < 100; ++y) {
    for (std::size_t x = 225; x < 245; ++x) picture.pixels[y * 300 + x] = 30;
  }
  const vision::PreparedDigit digit = vision::prepare_digit(picture, vision::Invert::automatic, "lopsided");
  BOOST_TEST(digit.inverted);
  const Shape shape = shape_of(digit);
  BOOST_TEST(std::abs(shape.mass_x - 14.5) < 0.1, "centre of mass x " << shape.mass_x);
  BOOST_TEST(std::abs(shape.mass_y - 14.5) < 0.1, "centre of mass y " << shape.mass_y);
  BOOST_TEST(shape.height >= 20u);  // the ink's box fills 20 rows; anti-aliasing may touch one more each side
  BOOST_TEST(shape.height <= 22u);
  BOOST_TEST(std::abs(static_cast<double>(shape.width) - 20.0 * 35 / 60) <= 2.0, "width " << shape.width);
  BOOST_TEST(shape.peak == 255u);
}

BOOST_AUTO_TEST_CASE(dark_ink_on_dim_paper_is_still_inverted) {
  // Paper photographed in poor light sits below mid-gray; it is still the light side.
  const vision::PreparedDigit bright =
      vision::prepare_digit(ring(200, 200, 90, 110, 30, 50, 9, 240, 20), vision::Invert::automatic, "bright");
  const vision::PreparedDigit dim =
      vision::prepare_digit(ring(200, 200, 90, 110, 30, 50, 9, 100, 20), vision::Invert::automatic, "dim");
  BOOST_TEST(dim.inverted);
  BOOST_TEST(mean_difference(bright, dim) < 1.0);
}

BOOST_AUTO_TEST_CASE(long_thin_pictures_are_prepared_in_little_memory) {
  // 1 x 2,000,000 pixels with a stroke down its middle third: one column of 28 rows wide is
  // all the resampling keeps between its passes (not 2,000,000 x 28 floats).
  const std::size_t height = 2000000;
  vision::GrayImage line{1, height, std::vector<std::uint8_t>(height, 0)};
  for (std::size_t y = height / 3; y < 2 * height / 3; ++y) line.pixels[y] = 255;
  const Shape shape = shape_of(vision::prepare_digit(line, vision::Invert::automatic, "line"));
  BOOST_TEST(shape.height >= 20u);
  BOOST_TEST(shape.height <= 22u);
  BOOST_TEST(shape.width <= 2u);
}

BOOST_AUTO_TEST_CASE(size_position_and_polarity_do_not_change_the_result) {
  const vision::PreparedDigit big =
      vision::prepare_digit(ring(300, 200, 210, 80, 35, 60, 12, 240, 30), vision::Invert::automatic, "big");
  const vision::PreparedDigit small =
      vision::prepare_digit(ring(90, 120, 30, 50, 35.0 / 3, 20, 4, 240, 30), vision::Invert::automatic, "small");
  BOOST_TEST(mean_difference(big, small) < 1.5);  // of 255 levels: the resampling differs slightly

  vision::GrayImage light_on_dark = ring(300, 200, 210, 80, 35, 60, 12, 240, 30);
  for (std::uint8_t& v : light_on_dark.pixels) v = static_cast<std::uint8_t>(255 - v);
  const vision::PreparedDigit inverse = vision::prepare_digit(light_on_dark, vision::Invert::automatic, "inverse");
  BOOST_TEST(!inverse.inverted);
  BOOST_TEST(inverse.pixels == big.pixels);  // exactly: the levels mirror, and so does everything after
  BOOST_TEST(vision::prepare_digit(light_on_dark, vision::Invert::no, "inverse").pixels == big.pixels);
}

BOOST_AUTO_TEST_CASE(gray_noisy_paper_becomes_black) {
  vision::GrayImage picture = ring(240, 240, 100, 140, 40, 60, 10, 170, 60);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> noise(-12, 12);
  for (std::uint8_t& v : picture.pixels) v = static_cast<std::uint8_t>(std::clamp(v + noise(rng), 0, 255));
  const vision::PreparedDigit digit = vision::prepare_digit(picture, vision::Invert::automatic, "noisy");
  const vision::PreparedDigit clean =
      vision::prepare_digit(ring(240, 240, 100, 140, 40, 60, 10, 170, 60), vision::Invert::automatic, "clean");
  BOOST_TEST(mean_difference(digit, clean) < 3.0);
  // Far from the ink (the four corners' 4 x 4 blocks) the paper is black.
  for (std::size_t y : {0u, 1u, 2u, 3u, 24u, 25u, 26u, 27u}) {
    for (std::size_t x : {0u, 1u, 2u, 3u, 24u, 25u, 26u, 27u}) BOOST_TEST(digit.pixels[y * 28 + x] == 0);
  }
}

BOOST_AUTO_TEST_CASE(blank_pictures_are_refused) {
  const vision::GrayImage uniform{50, 40, std::vector<std::uint8_t>(2000, 200)};
  check_refused([&] { vision::prepare_digit(uniform, vision::Invert::automatic, "uniform.png"); },
                {"uniform.png", "blank image", "one uniform level"});
  vision::GrayImage noise = uniform;
  std::mt19937 rng(3);
  for (std::uint8_t& v : noise.pixels) v = static_cast<std::uint8_t>(200 + rng() % 12);
  check_refused([&] { vision::prepare_digit(noise, vision::Invert::automatic, "noise.jpg"); },
                {"noise.jpg", "blank image", "contrast"});
}

BOOST_AUTO_TEST_CASE(pictures_taken_as_is_must_be_28x28) {
  vision::GrayImage paper{28, 28, std::vector<std::uint8_t>(784, 250)};
  paper.pixels[14 * 28 + 14] = 10;
  const vision::PreparedDigit digit = vision::digit_as_is(paper, vision::Invert::automatic, "paper.png");
  BOOST_TEST(digit.inverted);
  BOOST_TEST(digit.pixels[14 * 28 + 14] == 245);
  BOOST_TEST(digit.pixels[0] == 5);
  check_refused(
      [&] {
        vision::digit_as_is(vision::GrayImage{27, 28, std::vector<std::uint8_t>(27 * 28)}, vision::Invert::no, "a.png");
      },
      {"a.png", "27x28", "must be 28x28"});
  BOOST_CHECK_THROW(vision::parse_invert("sometimes"), std::invalid_argument);
  BOOST_TEST((vision::parse_invert("yes") == vision::Invert::yes));
}

BOOST_AUTO_TEST_SUITE_END()
