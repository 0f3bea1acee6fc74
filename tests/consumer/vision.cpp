// backprop::vision: a picture written as PNG and decoded back, every pixel the same.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "vision/image.hpp"
#include "vision/png_file.hpp"

int main() {
  std::vector<std::uint8_t> pixels(6 * 4);
  for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(10 * i);
  const std::string path = "consumer_picture.png";
  vision::write_png(path, 6, 4, 1, pixels);
  const vision::GrayImage picture = vision::read_gray_image(path);
  const bool same = picture.width == 6 && picture.height == 4 && picture.pixels == pixels;
  std::printf("vision: %s round trip %s\n", path.c_str(), same ? "exact" : "DIFFERS");
  std::remove(path.c_str());
  return same ? 0 : 1;
}
