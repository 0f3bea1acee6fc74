// mnist eval: a trained model's accuracy and confusion matrix on the MNIST test set.

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "data_location.hpp"
#include "io/file_io.hpp"
#include "io/input_error.hpp"
#include "io/model_file.hpp"
#include "mnist/evaluation.hpp"
#include "mnist_commands.hpp"
#include "mnist_pictures.hpp"

namespace mnist_tool {

using Model = nn::MLP<tensor::Tensor<float>>;

int eval(const EvalOptions& o) {
  // The heat map goes beside the error grid: errors.png, errors-confusion.png (the name ends in .png).
  const std::string confusion_path =
      o.errors_path.empty() ? "" : o.errors_path.substr(0, o.errors_path.size() - 4) + "-confusion.png";
  if (!o.errors_path.empty()) {  // checked before the evaluation, not after
    io::check_writable(o.errors_path);
    io::check_writable(confusion_path);
  }
  if (!o.weights_path.empty()) io::check_writable(o.weights_path);
  nn::Normalisation normalisation;
  const Model model = io::load_model<tensor::Tensor<float>>(o.model_path, &normalisation);
  const mnist::Dataset test_set = mnist::load_mnist(mnist_data_dir(o.data_dir), mnist::Split::test, o.test_limit);
  if (model.architecture().sizes.front() != test_set.features() || model.architecture().sizes.back() != 10) {
    throw io::InputError(o.model_path + ": the model maps " + std::to_string(model.architecture().sizes.front()) +
                         " inputs to " + std::to_string(model.architecture().sizes.back()) + " classes, MNIST has " +
                         std::to_string(test_set.features()) + " pixels and 10 digits");
  }
  const mnist::Evaluation result = mnist::evaluate(model, test_set, normalisation);
  std::printf("%zu test images, mean loss %.4f\n\n", test_set.count, result.mean_loss);
  std::printf("confusion matrix (rows: true digit, columns: predicted)\n     ");
  for (int p = 0; p < 10; ++p) std::printf("%6d", p);
  std::printf("\n");
  for (int t = 0; t < 10; ++t) {
    std::printf("  %d  ", t);
    for (int p = 0; p < 10; ++p) std::printf("%6zu", result.confusion[t][p]);
    std::printf("\n");
  }
  if (!o.errors_path.empty()) {
    if (result.accuracy == 1.0) {
      std::printf("\nno misclassified digits: %s not written\n", o.errors_path.c_str());
    } else {
      const std::size_t shown = write_error_grid(o.errors_path, test_set, result.predictions);
      std::printf("\n%zu misclassified digits drawn in %s (true digit in green, predicted in red)\n", shown,
                  o.errors_path.c_str());
    }
    if (gnuplot_available("the confusion heat map")) {
      plot_confusion(result.confusion, confusion_path);
      std::printf("confusion heat map drawn in %s\n", confusion_path.c_str());
    }
  }
  if (!o.weights_path.empty()) {
    const nn::Dense<tensor::Tensor<float>>& first = model.layers().front();
    write_weight_grid(o.weights_path, nn::values_of(first.weight), first.neurons(), test_set.rows, test_set.cols);
    std::printf("\nthe first layer's %zu receptive fields drawn in %s (red positive, blue negative)\n", first.neurons(),
                o.weights_path.c_str());
  }
  std::printf("\naccuracy: %.4f\n", result.accuracy);
  return 0;
}

}  // namespace mnist_tool
