#pragma once
// The mnist tool's commands and their options (parsed in mnist.cpp).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vision/distortion.hpp"

namespace mnist_tool {

// The defaults are the default recipe (scripts/train-mnist): 784-256-10 relu, Adam 1e-3 with
// cosine decay, batch 64, 12 epochs -- 98.4 % on the test set in about 18 s of training (docs/mnist.md).
struct TrainOptions {
  std::string data_dir;  // empty: found by mnist_data_dir (data_location.hpp)
  std::string recipe;    // a named recipe (mnist_recipes.hpp) under the flags given
  std::vector<std::size_t> hidden = {256};
  std::string activation = "relu";
  std::vector<double> dropout;    // per hidden layer (one value: every hidden layer); empty: none
  std::string distort = "none";   // none, affine, elastic, affine+elastic
  vision::Distortion distortion;  // its parameters (the kinds are set from `distort`)
  std::string show_distortions;   // draw originals beside distorted copies here (PNG) and stop
  int epochs = 12;
  std::size_t batch = 64;
  double learning_rate = 1e-3;
  std::string optimizer = "adam";  // sgd, momentum, adam
  double momentum = 0.9;           // for --optimizer momentum
  double weight_decay = 0.0;
  std::string schedule = "cosine";   // constant, cosine
  std::string input_norm = "mnist";  // mnist (mean 0.1307, std 0.3081) or none
  std::uint64_t seed = 1;
  int threads = 0;  // 0: every core
  std::string engine = "tensor";
  std::string dtype = "float32";
  std::size_t limit = 0;       // training samples, 0 = all
  std::size_t test_limit = 0;  // test samples, 0 = all
  std::string save_path;
  std::string metrics_path;
  std::string checkpoint_path;       // saved at every epoch's end, on Ctrl-C, and every N batches
  std::size_t checkpoint_every = 0;  // N; 0: only at epochs' ends and on Ctrl-C
  std::string resume_path;
  std::string plot_path;  // the training curve (PNG), drawn at the end when gnuplot is present
};

struct EvalOptions {
  std::string model_path;
  std::string data_dir;  // empty: found by mnist_data_dir
  std::size_t test_limit = 0;
  std::string errors_path;   // misclassified digits (PNG); the heat map goes beside it, -confusion.png
  std::string weights_path;  // the first layer's weights as 28x28 receptive fields (PNG)
};

struct PredictOptions {
  std::string model_path;
  std::vector<std::string> images;  // files, or folders whose images are read in name order
  std::string invert = "auto";      // auto, yes (dark ink on light), no
  bool as_is = false;               // 28x28 pictures already prepared like MNIST: no preparation
  std::size_t top = 1;              // digits printed per image, most likely first
  bool show = false;                // print the 28x28 the model saw and a bar chart
  std::string prepared_dir;         // write the 28x28 the model saw here, as <stem>.png (<stem>-2.png...)
};

struct ServeOptions {
  std::string model_path;
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (printed)
};

int train(const TrainOptions& options);
int eval(const EvalOptions& options);
int predict(const PredictOptions& options);
int serve(const ServeOptions& options);

}  // namespace mnist_tool
