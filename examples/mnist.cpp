// mnist: train, evaluate and use a digit classifier on MNIST (the lecture's section 4: 784
// inputs, 10 softmax outputs).
//
//   mnist train   [--recipe default|2min|best] [--data DIR] [--hidden N]...
//                 [--activation tanh|relu|sigmoid] [--dropout R]...
//                 [--distort none|affine|elastic|affine+elastic] [--rotation DEG] [--scale F]
//                 [--shear DEG] [--shift PX] [--alpha A] [--sigma S] [--show-distortions OUT.png]
//                 [--epochs E] [--batch B] [--lr X] [--optimizer sgd|momentum|adam] [--momentum M]
//                 [--weight-decay W] [--schedule constant|cosine] [--input-norm mnist|none]
//                 [--seed S] [--threads T] [--engine tensor|scalar] [--dtype float32|float64]
//                 [--limit N] [--test-limit N] [--save FILE] [--metrics FILE.csv]
//                 [--checkpoint FILE [--checkpoint-every N]] [--resume FILE] [--plot OUT.png]
//   mnist eval    --model FILE [--data DIR] [--test-limit N] [--errors OUT.png] [--weights OUT.png]
//   mnist predict --model FILE [--invert auto|yes|no] [--as-is] [--top K] [--show]
//                 [--save-prepared DIR] IMAGE|FOLDER...
//   mnist serve   --model FILE [--host 127.0.0.1] [--port 8080]
//
// Exit codes: 0 success, 2 bad usage or bad input (message on stderr), 1 other failure.

#include <cctype>
#include <stdexcept>
#include <string>

#include "mnist_commands.hpp"
#include "mnist_recipes.hpp"
#include "tensor/memory.hpp"
#include "tool_main.hpp"

namespace {

// Pictures are written as PNG: a file name that says otherwise is refused before any work.
const CLI::Validator png_file_name(
    [](std::string& path) -> std::string {
      std::string extension = path.size() >= 4 ? path.substr(path.size() - 4) : "";
      for (char& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return extension == ".png" ? "" : "'" + path + "' does not end in .png (pictures are written as PNG)";
    },
    "FILE.png");

// argv with the recipe's flags that it does not already give appended: a flag given beside
// --recipe replaces the recipe's.
std::vector<std::string> with_recipe(const CLI::App& train_cmd, const mnist_tool::Recipe& recipe, int argc,
                                     char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (std::size_t i = 0; i < recipe.flags.size();) {
    std::size_t end = i + 1;  // the flag's values run to the next flag
    while (end < recipe.flags.size() && recipe.flags[end].rfind("--", 0) != 0) ++end;
    if (train_cmd.count(recipe.flags[i]) == 0)
      args.insert(args.end(), recipe.flags.begin() + i, recipe.flags.begin() + end);
    i = end;
  }
  return args;
}

// A distortion's parameters without that distortion would be silently ignored: refused.
void refuse_unused_distortion_options(const CLI::App& train_cmd, const std::string& distort) {
  const bool affine = distort.find("affine") != std::string::npos;
  const bool elastic = distort.find("elastic") != std::string::npos;
  for (const char* option : {"--rotation", "--scale", "--shear", "--shift", "--alpha", "--sigma"}) {
    const bool for_elastic = std::string(option) == "--alpha" || std::string(option) == "--sigma";
    if (train_cmd.count(option) > 0 && !(for_elastic ? elastic : affine)) {
      throw std::invalid_argument(std::string(option) + " sets the " + (for_elastic ? "elastic" : "affine") +
                                  " distortion: add --distort " + (for_elastic ? "elastic" : "affine") +
                                  " (or affine+elastic)");
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  tensor::keep_freed_arrays_in_process();
  CLI::App app{"Train, evaluate and use an MNIST digit classifier", "mnist"};
  const std::string data_help =
      "folder with the four MNIST files (default: $BACKPROP_DATA, ./data/mnist, or the checkout's data/mnist)";
  app.require_subcommand(1);

  mnist_tool::TrainOptions train;
  CLI::App* train_cmd = app.add_subcommand("train", "train a network and print its test accuracy");
  train_cmd->add_option("--data", train.data_dir, data_help);
  train_cmd->add_option("--recipe", train.recipe, "start from a named recipe (listed below)")
      ->check(CLI::IsMember(mnist_tool::recipe_names()));
  train_cmd->footer(mnist_tool::recipes_help());
  train_cmd->add_option("--hidden", train.hidden, "hidden layer sizes, one flag per layer")
      ->check(tools::not_negative())
      ->capture_default_str();
  train_cmd->add_option("--activation", train.activation, "hidden activation")
      ->check(CLI::IsMember({"tanh", "relu", "sigmoid"}))
      ->capture_default_str();
  train_cmd
      ->add_option("--dropout", train.dropout,
                   "dropout rate after each hidden layer in training: one flag per layer, or one for all (0: none)")
      ->check(CLI::Range(0.0, 0.95));
  train_cmd->add_option("--distort", train.distort, "distort the training digits afresh each epoch")
      ->check(CLI::IsMember({"none", "affine", "elastic", "affine+elastic"}))
      ->capture_default_str();
  train_cmd->add_option("--rotation", train.distortion.rotation_degrees, "affine: largest rotation, degrees")
      ->check(CLI::Range(0.0, 89.0))
      ->capture_default_str();
  train_cmd->add_option("--scale", train.distortion.scale, "affine: largest scaling of each axis, as a fraction")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  train_cmd->add_option("--shear", train.distortion.shear_degrees, "affine: largest shear angle, degrees")
      ->check(CLI::Range(0.0, 89.0))
      ->capture_default_str();
  train_cmd->add_option("--shift", train.distortion.shift_pixels, "affine: largest translation on each axis, pixels")
      ->check(CLI::Range(0.0, 14.0))
      ->capture_default_str();
  train_cmd->add_option("--alpha", train.distortion.alpha, "elastic: scale of the displacement field, pixels")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  train_cmd->add_option("--sigma", train.distortion.sigma, "elastic: Gaussian smoothing of the field, pixels")
      ->check(CLI::Range(0.5, 10.0))
      ->capture_default_str();
  train_cmd
      ->add_option("--show-distortions", train.show_distortions,
                   "draw training digits beside distorted copies here (PNG) and stop, without training")
      ->check(png_file_name);
  train_cmd->add_option("--epochs", train.epochs, "passes over the training set")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  train_cmd->add_option("--batch", train.batch, "samples per step")
      ->check(tools::not_negative())
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  train_cmd->add_option("--lr", train.learning_rate, "learning rate")
      ->check(CLI::Range(1e-12, 1e6))
      ->capture_default_str();
  train_cmd->add_option("--optimizer", train.optimizer, "update rule")
      ->check(CLI::IsMember({"sgd", "momentum", "adam"}))
      ->capture_default_str();
  train_cmd->add_option("--momentum", train.momentum, "momentum for --optimizer momentum")
      ->check(CLI::Range(0.0, 0.999999))
      ->capture_default_str();
  train_cmd->add_option("--weight-decay", train.weight_decay, "L2 (sgd) or decoupled (adam) weight decay")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  train_cmd->add_option("--schedule", train.schedule, "learning-rate schedule over the whole run")
      ->check(CLI::IsMember({"constant", "cosine"}))
      ->capture_default_str();
  train_cmd->add_option("--input-norm", train.input_norm, "input normalisation (mnist: mean 0.1307, std 0.3081)")
      ->check(CLI::IsMember({"mnist", "none"}))
      ->capture_default_str();
  train_cmd->add_option("--seed", train.seed, "seed for weights and shuffling")
      ->check(tools::not_negative())
      ->capture_default_str();
  train_cmd->add_option("--threads", train.threads, "threads for BLAS and kernels (0: every core)")
      ->check(CLI::Range(0, 1024))
      ->capture_default_str();
  train_cmd->add_option("--engine", train.engine, "tensor, or scalar (slow: for checking)")
      ->check(CLI::IsMember({"tensor", "scalar"}))
      ->capture_default_str();
  train_cmd->add_option("--dtype", train.dtype, "tensor engine precision")
      ->check(CLI::IsMember({"float32", "float64"}))
      ->capture_default_str();
  train_cmd->add_option("--limit", train.limit, "use the first N training images (0: all)")
      ->check(tools::not_negative())
      ->capture_default_str();
  train_cmd->add_option("--test-limit", train.test_limit, "use the first N test images (0: all)")
      ->check(tools::not_negative())
      ->capture_default_str();
  train_cmd->add_option("--save", train.save_path, "write the trained model here (safetensors)");
  train_cmd->add_option("--metrics", train.metrics_path, "write per-epoch metrics here (CSV)");
  train_cmd->add_option("--checkpoint", train.checkpoint_path,
                        "save training state here at each epoch's end and on Ctrl-C (exit 130)");
  train_cmd->add_option("--checkpoint-every", train.checkpoint_every, "also save it every N batches")
      ->check(tools::not_negative())
      ->check(CLI::Range(1, 1 << 30));
  train_cmd->add_option("--resume", train.resume_path, "continue from a checkpoint (same options)");
  train_cmd->add_option("--plot", train.plot_path, "draw loss and accuracy per epoch here (PNG, needs gnuplot)")
      ->check(png_file_name);

  mnist_tool::EvalOptions eval;
  CLI::App* eval_cmd = app.add_subcommand("eval", "print a model's accuracy and confusion matrix");
  eval_cmd->add_option("--model", eval.model_path, "model file (safetensors)")->required();
  eval_cmd->add_option("--data", eval.data_dir, data_help);
  eval_cmd->add_option("--test-limit", eval.test_limit, "use the first N test images (0: all)")
      ->check(tools::not_negative());
  eval_cmd
      ->add_option("--errors", eval.errors_path,
                   "save the first 100 misclassified digits here (PNG) and the confusion heat map beside it")
      ->check(png_file_name);
  eval_cmd
      ->add_option("--weights", eval.weights_path,
                   "draw the first layer's weights here as a grid of 28x28 receptive fields (PNG)")
      ->check(png_file_name);

  mnist_tool::PredictOptions predict;
  CLI::App* predict_cmd = app.add_subcommand("predict", "read digits from pictures: photos, scans, drawings");
  predict_cmd->footer(
      "A picture counts as a digit when, prepared as a 28x28, its ink (levels of 128 and above) covers at least "
      "1 % of it and its lit pixels (levels of 32 and above) at most 50 % (MNIST's 70,000 digits: at least 1.9 % "
      "and at most 43.9 %), and its most likely digit has a probability of at least 0.5. Any other picture is "
      "reported as 'no digit (why); best guess D', and the exit code is 2, as for a picture that cannot be read.");
  predict_cmd->add_option("--model", predict.model_path, "model file (safetensors)")->required();
  predict_cmd->add_option("--invert", predict.invert, "dark ink on a light background (auto: detected)")
      ->check(CLI::IsMember({"auto", "yes", "no"}))
      ->capture_default_str();
  predict_cmd->add_flag("--as-is", predict.as_is, "the images are 28x28 and already prepared like MNIST");
  predict_cmd->add_option("--top", predict.top, "print the K most likely digits")
      ->check(tools::not_negative())
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
  predict_cmd->add_flag("--show", predict.show, "draw the 28x28 the model saw and its probabilities");
  predict_cmd->add_option("--save-prepared", predict.prepared_dir,
                          "write the 28x28 the model saw here (PNG per image)");
  predict_cmd->add_option("images", predict.images, "PNG, JPEG, BMP or PGM/PPM files, or folders of them")->required();

  mnist_tool::ServeOptions serve;
  CLI::App* serve_cmd = app.add_subcommand("serve", "serve a page to draw digits on, and a JSON endpoint");
  serve_cmd->add_option("--model", serve.model_path, "model file (safetensors)")->required();
  serve_cmd->add_option("--host", serve.host, "address to listen on")->capture_default_str();
  serve_cmd->add_option("--port", serve.port, "port to listen on (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();

  return tools::parse_and_run(app, argc, argv, "mnist", [&] {
    if (train_cmd->parsed()) {
      if (!train.recipe.empty()) {  // parsed again with the recipe's flags added
        const std::vector<std::string> args = with_recipe(*train_cmd, mnist_tool::recipe(train.recipe), argc, argv);
        std::vector<const char*> pointers;
        pointers.reserve(args.size());
        for (const std::string& arg : args) pointers.push_back(arg.c_str());
        try {
          app.parse(static_cast<int>(pointers.size()), pointers.data());
        } catch (const CLI::ParseError& error) {
          app.exit(error);
          return 2;
        }
      }
      refuse_unused_distortion_options(*train_cmd, train.distort);
      if (train_cmd->count("--dtype") == 0 && train.engine == "scalar") train.dtype = "float64";
      return mnist_tool::train(train);
    }
    if (eval_cmd->parsed()) return mnist_tool::eval(eval);
    if (predict_cmd->parsed()) return mnist_tool::predict(predict);
    return mnist_tool::serve(serve);
  });
}
