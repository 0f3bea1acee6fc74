#include "mnist_pictures.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "metrics_gp.hpp"  // generated from scripts/metrics.gp
#include "mnist/distorted_epochs.hpp"
#include "vision/png_file.hpp"

namespace mnist_tool {
namespace {

// A 3x5 pixel font for captions: digits and '>'. Each glyph is five rows of three bits.
constexpr unsigned char glyph_rows[11][5] = {
    {7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1}, {7, 4, 7, 1, 7},
    {7, 4, 7, 5, 7}, {7, 1, 2, 2, 2}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7}, {4, 2, 1, 2, 4},  // '>'
};

struct Canvas {
  std::size_t width, height;
  std::vector<std::uint8_t> rgb;  // width x height x 3

  Canvas(std::size_t w, std::size_t h) : width(w), height(h), rgb(w * h * 3, 255) {}
  void set(std::size_t x, std::size_t y, std::uint8_t r, std::uint8_t g, std::uint8_t b) {
    std::uint8_t* p = &rgb[(y * width + x) * 3];
    p[0] = r;
    p[1] = g;
    p[2] = b;
  }
  // Glyph `index` (0-9 digits, 10 '>') at (x, y), each font pixel `scale` x `scale`.
  void glyph(int index, std::size_t x, std::size_t y, std::size_t scale, std::uint8_t r, std::uint8_t g,
             std::uint8_t b) {
    for (std::size_t row = 0; row < 5; ++row) {
      for (std::size_t col = 0; col < 3; ++col) {
        if (((glyph_rows[index][row] >> (2 - col)) & 1) == 0) continue;
        for (std::size_t dy = 0; dy < scale; ++dy) {
          for (std::size_t dx = 0; dx < scale; ++dx) set(x + col * scale + dx, y + row * scale + dy, r, g, b);
        }
      }
    }
  }
};

// A rows x cols gray picture (0 background, 255 ink) at (x0, y0), drawn as dark ink on white
// as on paper, each pixel zoom x zoom.
void draw_digit(Canvas& canvas, const std::uint8_t* pixels, std::size_t rows, std::size_t cols, std::size_t x0,
                std::size_t y0, std::size_t zoom) {
  for (std::size_t y = 0; y < rows * zoom; ++y) {
    for (std::size_t x = 0; x < cols * zoom; ++x) {
      const auto shade = static_cast<std::uint8_t>(255 - pixels[(y / zoom) * cols + x / zoom]);
      canvas.set(x0 + x, y0 + y, shade, shade, shade);
    }
  }
}

// Runs gnuplot on `program`; throws naming `out` if it fails. The picture is drawn to a
// temporary file and renamed, so `out` is never half-written.
void run_gnuplot(const std::string& program, const std::string& out) {
  FILE* gnuplot = popen("gnuplot", "w");
  if (gnuplot == nullptr) throw std::runtime_error(out + ": cannot start gnuplot");
  std::fputs(program.c_str(), gnuplot);
  if (pclose(gnuplot) != 0) throw std::runtime_error(out + ": gnuplot failed");
  if (std::rename((out + ".tmp").c_str(), out.c_str()) != 0) throw std::runtime_error(out + ": cannot write");
}

// A gnuplot single-quoted string.
std::string quoted(const std::string& text) {
  std::string q = "'";
  for (char c : text) q += c == '\'' ? std::string("''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::size_t write_error_grid(const std::string& path, const mnist::Dataset& data,
                             const std::vector<std::uint8_t>& predictions, std::size_t max_shown) {
  std::vector<std::size_t> wrong;
  for (std::size_t i = 0; i < predictions.size() && wrong.size() < max_shown; ++i) {
    if (predictions[i] != data.labels[i]) wrong.push_back(i);
  }
  constexpr std::size_t columns = 10, zoom = 2, caption = 14, margin = 6;
  const std::size_t cell_w = data.cols * zoom + margin, cell_h = data.rows * zoom + caption + margin;
  const std::size_t rows = std::max<std::size_t>(1, (wrong.size() + columns - 1) / columns);
  Canvas canvas(columns * cell_w + margin, rows * cell_h + margin);
  for (std::size_t n = 0; n < wrong.size(); ++n) {
    const std::size_t sample = wrong[n];
    const std::size_t x0 = margin + (n % columns) * cell_w, y0 = margin + (n / columns) * cell_h;
    draw_digit(canvas, &data.pixels[sample * data.features()], data.rows, data.cols, x0, y0, zoom);
    const std::size_t text_y = y0 + data.rows * zoom + 2;
    canvas.glyph(data.labels[sample], x0 + 10, text_y, 2, 0, 110, 0);  // true digit, green
    canvas.glyph(10, x0 + 20, text_y, 2, 90, 90, 90);                  // '>'
    canvas.glyph(predictions[sample], x0 + 30, text_y, 2, 200, 0, 0);  // predicted, red
  }
  vision::write_png(path, canvas.width, canvas.height, 3, canvas.rgb);
  return wrong.size();
}

void write_distortion_grid(const std::string& path, const mnist::Dataset& originals,
                           const vision::Distortion& distortion, std::uint64_t seed, int copies) {
  std::vector<std::size_t> firsts;  // the first sample of each class present
  for (std::int32_t digit = 0; digit < 10; ++digit) {
    for (std::size_t i = 0; i < originals.count; ++i) {
      if (originals.labels[i] == digit) {
        firsts.push_back(i);
        break;
      }
    }
  }
  constexpr std::size_t zoom = 2, margin = 6, gap = 14;  // a wider gap after the original
  const std::size_t cell_w = originals.cols * zoom + margin, cell_h = originals.rows * zoom + margin;
  Canvas canvas(margin + cell_w * (1 + static_cast<std::size_t>(copies)) + gap, margin + cell_h * firsts.size());
  std::vector<std::uint8_t> copy(originals.features());
  const vision::Distorter distorter(distortion, originals.rows, originals.cols);
  for (std::size_t row = 0; row < firsts.size(); ++row) {
    const std::size_t sample = firsts[row], y0 = margin + row * cell_h;
    const std::uint8_t* original = &originals.pixels[sample * originals.features()];
    draw_digit(canvas, original, originals.rows, originals.cols, margin, y0, zoom);
    for (int epoch = 1; epoch <= copies; ++epoch) {  // the copy that epoch trains on
      distorter.apply(original, copy.data(), mnist::distortion_seed(seed, epoch, sample));
      const std::size_t x0 = margin + gap + cell_w * static_cast<std::size_t>(epoch);
      draw_digit(canvas, copy.data(), originals.rows, originals.cols, x0, y0, zoom);
    }
  }
  vision::write_png(path, canvas.width, canvas.height, 3, canvas.rgb);
}

void write_weight_grid(const std::string& path, const std::vector<double>& weights, std::size_t neurons,
                       std::size_t rows, std::size_t cols) {
  constexpr std::size_t zoom = 2, margin = 4, most_shown = 1024;
  const std::size_t shown = std::min(neurons, most_shown), columns = std::min<std::size_t>(shown, 32);
  const std::size_t cell_w = cols * zoom + margin, cell_h = rows * zoom + margin;
  Canvas canvas(margin + columns * cell_w, margin + ((shown + columns - 1) / columns) * cell_h);
  for (std::size_t neuron = 0; neuron < shown; ++neuron) {
    double largest = 0;
    for (std::size_t input = 0; input < rows * cols; ++input) {
      largest = std::max(largest, std::abs(weights[input * neurons + neuron]));
    }
    const std::size_t x0 = margin + (neuron % columns) * cell_w, y0 = margin + (neuron / columns) * cell_h;
    for (std::size_t y = 0; y < rows * zoom; ++y) {
      for (std::size_t x = 0; x < cols * zoom; ++x) {
        const double w = weights[((y / zoom) * cols + x / zoom) * neurons + neuron];
        const double strength = largest > 0 ? std::min(1.0, std::abs(w) / largest) : 0.0;
        const auto fade = static_cast<std::uint8_t>(std::lround(255.0 * (1.0 - strength)));
        if (w >= 0) {
          canvas.set(x0 + x, y0 + y, 255, fade, fade);
        } else {
          canvas.set(x0 + x, y0 + y, fade, fade, 255);
        }
      }
    }
  }
  vision::write_png(path, canvas.width, canvas.height, 3, canvas.rgb);
}

bool gnuplot_available(const std::string& what) {
  if (std::system("command -v gnuplot > /dev/null 2>&1") == 0) return true;
  std::fprintf(stderr, "mnist: gnuplot is not installed (scripts/install-deps installs it); %s not drawn\n",
               what.c_str());
  return false;
}

void plot_metrics(const std::string& metrics_csv, const std::string& out) {
  const std::string data_path = out + ".csv.tmp";
  std::ofstream(data_path) << metrics_csv;
  run_gnuplot("csv=" + quoted(data_path) + "\nout=" + quoted(out + ".tmp") + "\n" + metrics_gnuplot_program, out);
  std::remove(data_path.c_str());
}

void plot_confusion(const std::array<std::array<std::size_t, 10>, 10>& confusion, const std::string& out) {
  std::string program = "set terminal pngcairo size 620,560 font 'DejaVu Sans,10'\nset output " + quoted(out + ".tmp") +
                        "\nset title 'Confusion matrix: rows true digit, columns predicted'\n"
                        "set xlabel 'predicted'\nset ylabel 'true'\nset xrange [-0.5:9.5]\nset yrange [9.5:-0.5]\n"
                        "set xtics 0,1,9 scale 0\nset ytics 0,1,9 scale 0\nunset colorbox\nset size ratio 1\n"
                        "set palette defined (0 'white', 1 '#fee8c8', 2 '#fdbb84', 3 '#e34a33')\n"
                        "$counts << EOD\n";
  for (int t = 0; t < 10; ++t) {
    for (int p = 0; p < 10; ++p)
      program += std::to_string(p) + " " + std::to_string(t) + " " + std::to_string(confusion[t][p]) + "\n";
  }
  program +=
      "EOD\nplot $counts using 1:2:(log10($3 + 1)) with image notitle, "
      "$counts using 1:2:($3 > 0 ? sprintf('%d', $3) : '') with labels font ',9' notitle\n";
  run_gnuplot(program, out);
}

}  // namespace mnist_tool
