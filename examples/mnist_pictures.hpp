#pragma once
// Pictures for people: the training curve, the confusion matrix as a heat map (both drawn by
// gnuplot when it is installed) and a grid of the misclassified digits (drawn here).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "mnist/dataset.hpp"
#include "vision/distortion.hpp"

namespace mnist_tool {

// The first `max_shown` misclassified samples, 10 per row, each captioned "true>predicted", as
// a PNG at `path`. Returns how many were shown.
std::size_t write_error_grid(const std::string& path, const mnist::Dataset& data,
                             const std::vector<std::uint8_t>& predictions, std::size_t max_shown = 100);

// The first training digit of each class (rows), each beside `copies` distorted copies: the
// ones epochs 1, 2, ... train on. PNG at `path`.
void write_distortion_grid(const std::string& path, const mnist::Dataset& originals,
                           const vision::Distortion& distortion, std::uint64_t seed, int copies = 8);

// A first-layer weight matrix (inputs = rows x cols, one column per neuron) as a grid of
// rows x cols receptive fields (the first 1024 neurons), each scaled to its own largest magnitude: red positive, blue
// negative, white 0. PNG at `path`.
void write_weight_grid(const std::string& path, const std::vector<double>& weights, std::size_t neurons,
                       std::size_t rows, std::size_t cols);

// Whether gnuplot can be run; when not, says so on stderr, naming what was not drawn.
bool gnuplot_available(const std::string& what);

// Train loss, test loss and test accuracy per epoch from a metrics CSV text (the format of
// `mnist train --metrics`), drawn by scripts/metrics.gp into a PNG at `out`.
void plot_metrics(const std::string& metrics_csv, const std::string& out);

// The confusion matrix [true][predicted] as a heat map with the counts written in, PNG.
void plot_confusion(const std::array<std::array<std::size_t, 10>, 10>& confusion, const std::string& out);

}  // namespace mnist_tool
