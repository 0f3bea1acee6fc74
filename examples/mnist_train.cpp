// mnist train: the training loop users run, on any engine.

#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <csignal>
#include <map>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "autograd/matrix.hpp"
#include "data_location.hpp"
#include "io/checkpoint.hpp"
#include "io/file_io.hpp"
#include "io/input_error.hpp"
#include "mnist/distorted_epochs.hpp"
#include "mnist/evaluation.hpp"
#include "mnist_commands.hpp"
#include "mnist_pictures.hpp"
#include "nn/shuffle.hpp"
#include "nn/training.hpp"
#include "tensor/threads.hpp"

namespace mnist_tool {
namespace {

// Test images evaluated per epoch by the scalar engine unless --test-limit says otherwise:
// every image is ~200,000 nodes there.
constexpr std::size_t scalar_default_test_limit = 1000;

const char* const metrics_header = "epoch,train_loss,test_loss,test_accuracy,seconds,samples_per_second\n";

void write_metrics(const std::string& path, const std::string& rows) {
  const std::string text = metrics_header + rows;
  io::write_file_atomically(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

// Set by SIGINT (Ctrl-C); training finishes the batch in hand, saves and exits 130.
volatile std::sig_atomic_t interrupted = 0;
extern "C" void on_interrupt(int) { interrupted = 1; }

// "[#######.......]  45%" on stderr, rewritten in place; only when stderr is a terminal.
class ProgressBar {
 public:
  ProgressBar() : enabled_(::isatty(STDERR_FILENO) == 1) {}
  void show(int epoch, std::size_t done, std::size_t total) const {
    if (!enabled_ || (done % 20 != 0 && done != total)) return;
    constexpr std::size_t width = 30;
    const std::size_t filled = width * done / total;
    std::fprintf(stderr, "\r  epoch %d [%s%s] %3zu%%", epoch, std::string(filled, '#').c_str(),
                 std::string(width - filled, '.').c_str(), 100 * done / total);
    if (done == total) std::fprintf(stderr, "\r%*s\r", static_cast<int>(width + 20), "");
    std::fflush(stderr);
  }

 private:
  bool enabled_;
};

template <class M>
std::unique_ptr<nn::Optimizer<M>> make_optimizer(const TrainOptions& o, std::vector<M> params) {
  if (o.optimizer == "adam") {
    return std::make_unique<nn::Adam<M>>(std::move(params), o.learning_rate, 0.9, 0.999, 1e-8, o.weight_decay);
  }
  const double momentum = o.optimizer == "momentum" ? o.momentum : 0.0;
  return std::make_unique<nn::SGD<M>>(std::move(params), o.learning_rate, momentum, o.weight_decay);
}

std::string describe_network(const nn::Architecture& a) {
  std::string text;
  for (std::size_t size : a.sizes) text += (text.empty() ? "" : "-") + std::to_string(size);
  return text + " " + a.activations_text();
}

std::string number_text(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

// The shortest text that reads back as exactly x: for the options recorded since, so that no
// two different values resume each other (0.2 stays "0.2").
std::string exact_text(double x) {
  std::array<char, 32> text{};
  const auto end = std::to_chars(text.data(), text.data() + text.size(), x).ptr;
  return std::string(text.data(), end);
}

// The dropout rate of each hidden layer: as given, one rate for all, or none.
std::vector<double> dropout_rates(const TrainOptions& o) {
  if (o.dropout.empty()) return {};
  if (o.dropout.size() == 1) return std::vector<double>(o.hidden.size(), o.dropout[0]);
  if (o.dropout.size() != o.hidden.size()) {
    throw std::invalid_argument(std::to_string(o.dropout.size()) + " --dropout rates for " +
                                std::to_string(o.hidden.size()) + " hidden layers: give one per layer, or one for all");
  }
  return o.dropout;
}

// The options a resumed run must share with the checkpoint it continues. Options added since
// the first checkpoints appear only when set, so those checkpoints still resume.
std::map<std::string, std::string> recipe_of(const TrainOptions& o, const nn::Architecture& architecture) {
  std::map<std::string, std::string> recipe = {
      {"network", architecture.sizes_text() + " " + architecture.activations_text()},
      {"optimizer", o.optimizer},
      {"lr", number_text(o.learning_rate)},
      {"momentum", number_text(o.momentum)},
      {"weight-decay", number_text(o.weight_decay)},
      {"schedule", o.schedule},
      {"batch", std::to_string(o.batch)},
      {"epochs", std::to_string(o.epochs)},
      {"seed", std::to_string(o.seed)},
      {"limit", std::to_string(o.limit)},
      {"input-norm", o.input_norm},
      {"engine", o.engine},
      {"dtype", o.dtype}};
  const std::vector<double> rates = dropout_rates(o);
  if (std::any_of(rates.begin(), rates.end(), [](double rate) { return rate != 0.0; })) {
    std::string dropout;
    for (double rate : rates) dropout += (dropout.empty() ? "" : ",") + exact_text(rate);
    recipe["dropout"] = dropout;
  }
  const vision::Distortion& d = o.distortion;
  if (d.any()) {
    std::string distort;
    if (d.affine) {
      distort = "affine rotation " + exact_text(d.rotation_degrees) + " scale " + exact_text(d.scale) + " shear " +
                exact_text(d.shear_degrees) + " shift " + exact_text(d.shift_pixels);
    }
    if (d.elastic) {
      distort += (distort.empty() ? "" : ", ") + std::string("elastic alpha ") + exact_text(d.alpha) + " sigma " +
                 exact_text(d.sigma);
    }
    recipe["distort"] = distort;
  }
  return recipe;
}

void check_same_recipe(const std::string& path, const std::map<std::string, std::string>& saved,
                       const std::map<std::string, std::string>& now) {
  std::map<std::string, std::string> options = saved;
  options.insert(now.begin(), now.end());
  for (const auto& entry : options) {
    const std::string& option = entry.first;
    const auto was = saved.find(option), is = now.find(option);
    const std::string before = was == saved.end() ? "(not set)" : was->second;
    const std::string after = is == now.end() ? "(not set)" : is->second;
    if (before != after) {
      throw io::InputError(path + ": the checkpoint was trained with --" + option + " " + before + ", this run has " +
                           after + "; resume with the same options");
    }
  }
}

// A checkpoint's position must be one this recipe reaches on this data: an epoch of the run (or
// just past its last, when it finished), a batch of that epoch, and exactly the optimizer steps
// taken to get there -- else training would silently skip, repeat or overflow.
void check_position(const std::string& path, const io::TrainingPosition& p, int epochs, std::size_t batches) {
  if (p.epoch > epochs + 1 || (p.epoch == epochs + 1 && p.next_batch != 0)) {
    throw io::InputError(path + ": the checkpoint is at epoch " + std::to_string(p.epoch) + ", batch " +
                         std::to_string(p.next_batch) + ", past this run's " + std::to_string(epochs) + " epochs");
  }
  if (p.next_batch >= batches) {
    throw io::InputError(path + ": the checkpoint's next batch is " + std::to_string(p.next_batch) +
                         ", but an epoch has " + std::to_string(batches) + " batches");
  }
  const long long steps =
      static_cast<long long>(p.epoch - 1) * static_cast<long long>(batches) + static_cast<long long>(p.next_batch);
  if (p.optimizer_steps != steps) {
    throw io::InputError(path + ": the checkpoint's optimizer took " + std::to_string(p.optimizer_steps) +
                         " steps, but epoch " + std::to_string(p.epoch) + " batch " + std::to_string(p.next_batch) +
                         " of this run comes after " + std::to_string(steps));
  }
}

// "epoch 2 after batch 14" / "start of epoch 3"
std::string describe_position(const io::TrainingPosition& p) {
  return p.next_batch == 0 ? "start of epoch " + std::to_string(p.epoch)
                           : "epoch " + std::to_string(p.epoch) + " after batch " + std::to_string(p.next_batch);
}

template <class M>
int run(const TrainOptions& o, const mnist::Dataset& train_set, const mnist::Dataset& test_set) {
  const nn::Architecture architecture =
      nn::Architecture::classifier(train_set.features(), o.hidden, 10, nn::parse_activation(o.activation));
  nn::MLP<M> model(architecture, o.seed);
  model.set_dropout(dropout_rates(o));
  const std::unique_ptr<nn::Optimizer<M>> optimizer = make_optimizer<M>(o, model.parameters());
  const nn::Normalisation normalisation = o.input_norm == "mnist" ? mnist::mnist_normalisation : nn::Normalisation{};
  nn::Rng shuffle_rng(o.seed + 1);  // its own stream: the weights' draws do not shift the order

  io::TrainingPosition position;
  position.recipe = recipe_of(o, architecture);
  if (!o.resume_path.empty()) {
    const io::TrainingPosition saved = io::load_checkpoint(o.resume_path, model, *optimizer);
    check_same_recipe(o.resume_path, saved.recipe, position.recipe);
    position = saved;
    check_position(o.resume_path, position, o.epochs, (train_set.count + o.batch - 1) / o.batch);
    shuffle_rng.restore(position.rng_state);
    std::printf("resuming from %s at epoch %d, batch %zu\n", o.resume_path.c_str(), position.epoch,
                position.next_batch + 1);
  }

  std::printf("training %s on %zu images, testing on %zu (%s engine, %s, %d threads)\n",
              describe_network(architecture).c_str(), train_set.count, test_set.count, nn::Engine<M>::name,
              o.dtype.c_str(), tensor::num_threads());
  std::printf("%s lr %g, batch %zu, %d epochs, %s schedule, seed %llu\n", o.optimizer.c_str(), o.learning_rate, o.batch,
              o.epochs, o.schedule.c_str(), static_cast<unsigned long long>(o.seed));
  const auto dropout = position.recipe.find("dropout");
  if (dropout != position.recipe.end()) std::printf("dropout %s after the hidden layers\n", dropout->second.c_str());
  if (o.distortion.any())
    std::printf("training digits distorted afresh each epoch: %s\n", o.distortion.describe().c_str());
  std::fflush(stdout);

  // Ctrl-C asks for a clean stop; a second one while saving is still just that request.
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);

  std::string last_checkpoint;  // where the newest checkpoint on disk stands, if any
  if (!o.resume_path.empty() && o.resume_path == o.checkpoint_path) {
    last_checkpoint = describe_position(position);
  }
  auto save_checkpoint = [&](const io::TrainingPosition& at) {
    if (o.checkpoint_path.empty()) return;
    io::save_checkpoint(o.checkpoint_path, model, normalisation, *optimizer, at);
    last_checkpoint = describe_position(at);
  };
  const std::size_t steps_per_epoch = (train_set.count + o.batch - 1) / o.batch;
  const double total_steps = static_cast<double>(steps_per_epoch) * o.epochs;
  const ProgressBar bar;
  std::optional<mnist::DistortedEpochs> distorted;
  if (o.distortion.any()) distorted.emplace(train_set, o.distortion, o.seed, o.epochs);
  mnist::Evaluation last{};
  bool evaluated = false;
  for (int epoch = position.epoch; epoch <= o.epochs; ++epoch) {
    const double steps_before = static_cast<double>(steps_per_epoch) * (epoch - 1);
    // Cosine decay sets each step's rate from how far the whole run has got.
    auto schedule = [&](std::size_t done) {
      if (o.schedule == "cosine") {
        const double progress = (steps_before + static_cast<double>(done)) / total_steps;
        optimizer->learning_rate = o.learning_rate * 0.5 * (1.0 + std::cos(M_PI * progress));
      }
    };
    // Where this epoch's order comes from, so a checkpoint can draw it again.
    const std::string epoch_rng_state = shuffle_rng.state();
    const std::vector<std::size_t> order = nn::shuffled_indices(train_set.count, shuffle_rng);
    const std::size_t first_batch = epoch == position.epoch ? position.next_batch : 0;
    const mnist::Dataset& epoch_set = distorted ? distorted->epoch(epoch) : train_set;
    schedule(first_batch);
    nn::EpochResult result;
    try {
      result = nn::train_batches(
          model, *optimizer, train_set.count, o.batch, first_batch,
          [&](std::size_t begin, std::size_t end) {
            nn::LabelledBatch<M> batch = mnist::labelled_batch<M>(epoch_set, order, begin, end, normalisation);
            batch.dropout_seed = nn::dropout_seed(o.seed, static_cast<std::uint64_t>(epoch), begin / o.batch);
            return batch;
          },
          [&](std::size_t done, std::size_t total) {
            schedule(done);
            bar.show(epoch, done, total);
            if (o.checkpoint_every > 0 && done % o.checkpoint_every == 0 && done < total) {
              save_checkpoint({epoch, done, epoch_rng_state, position.recipe, position.metrics_csv});
            }
            return interrupted == 0;
          });
    } catch (const nn::NonFiniteLoss& error) {
      std::fprintf(stderr, "mnist: training stopped in epoch %d: %s; try a lower --lr\n", epoch, error.what());
      if (!last_checkpoint.empty()) {
        std::fprintf(stderr, "mnist: the last good checkpoint (%s) is %s\n", last_checkpoint.c_str(),
                     o.checkpoint_path.c_str());
      }
      return 1;
    }
    if (result.stopped) {
      save_checkpoint({epoch, result.batches_done, epoch_rng_state, position.recipe, position.metrics_csv});
      std::fprintf(stderr, "\nmnist: interrupted in epoch %d after batch %zu of %zu; %s\n", epoch, result.batches_done,
                   steps_per_epoch,
                   o.checkpoint_path.empty() ? "nothing saved (use --checkpoint FILE)"
                                             : ("checkpoint saved to " + o.checkpoint_path +
                                                " (continue with --resume " + o.checkpoint_path + ")")
                                                   .c_str());
      return 130;
    }
    last = mnist::evaluate(model, test_set, normalisation);
    evaluated = true;
    const double rate = static_cast<double>(result.samples) / result.seconds;
    std::printf("epoch %3d  loss %.4f  test loss %.4f  test accuracy %.4f  %7.2f s  %8.0f samples/s\n", epoch,
                result.mean_loss, last.mean_loss, last.accuracy, result.seconds, rate);
    std::fflush(stdout);
    std::ostringstream row;
    row << epoch << ',' << result.mean_loss << ',' << last.mean_loss << ',' << last.accuracy << ',' << result.seconds
        << ',' << rate << '\n';
    position.metrics_csv += row.str();
    if (!o.metrics_path.empty()) write_metrics(o.metrics_path, position.metrics_csv);
    save_checkpoint({epoch + 1, 0, shuffle_rng.state(), position.recipe, position.metrics_csv});
    if (interrupted != 0 && epoch < o.epochs) {
      std::fprintf(stderr, "mnist: interrupted after epoch %d; %s\n", epoch,
                   o.checkpoint_path.empty() ? "nothing saved (use --checkpoint FILE)" : "checkpoint saved");
      return 130;
    }
  }
  if (!evaluated) last = mnist::evaluate(model, test_set, normalisation);  // resumed after the last epoch
  if (!o.save_path.empty()) {
    io::save_model(o.save_path, model, normalisation);
    std::printf("model saved to %s\n", o.save_path.c_str());
  }
  if (!o.plot_path.empty() && gnuplot_available("the training curve")) {
    plot_metrics(metrics_header + position.metrics_csv, o.plot_path);
    std::printf("training curve drawn in %s\n", o.plot_path.c_str());
  }
  std::printf("test accuracy: %.4f\n", last.accuracy);
  return 0;
}

}  // namespace

int train(const TrainOptions& options) {
  TrainOptions o = options;
  if (o.engine == "scalar" && o.dtype != "float64") {
    throw std::invalid_argument("--dtype " + o.dtype + ": the scalar engine computes in double (float64)");
  }
  if (o.engine == "scalar" && o.test_limit == 0) o.test_limit = scalar_default_test_limit;
  if (!std::isfinite(o.learning_rate)) throw std::invalid_argument("--lr must be a finite number");
  if (o.checkpoint_every > 0 && o.checkpoint_path.empty()) {
    throw std::invalid_argument("--checkpoint-every needs --checkpoint FILE");
  }
  for (std::size_t size : o.hidden) {
    if (size == 0) throw std::invalid_argument("--hidden 0: a layer needs at least one neuron");
  }
  nn::validate_dropout(dropout_rates(o), o.hidden.size());  // refused now, not after loading MNIST
  o.distortion.affine = o.distort == "affine" || o.distort == "affine+elastic";
  o.distortion.elastic = o.distort == "elastic" || o.distort == "affine+elastic";
  o.distortion.validate();
  if (!o.show_distortions.empty() && !o.distortion.any()) {
    throw std::invalid_argument("--show-distortions needs --distort affine, elastic or affine+elastic");
  }
  // Every file the run will write is checked now, not found unwritable after the training.
  for (const std::string* path :
       {&o.save_path, &o.checkpoint_path, &o.metrics_path, &o.plot_path, &o.show_distortions}) {
    if (!path->empty()) io::check_writable(*path);
  }
  if (o.threads > 0) tensor::set_num_threads(o.threads);

  const std::string data_dir = mnist_data_dir(o.data_dir);
  const mnist::Dataset train_set = mnist::load_mnist(data_dir, mnist::Split::train, o.limit);
  const mnist::Dataset test_set = mnist::load_mnist(data_dir, mnist::Split::test, o.test_limit);
  if (train_set.count == 0 || test_set.count == 0) throw io::InputError(data_dir + ": a data set has no images");
  if (!o.show_distortions.empty()) {
    write_distortion_grid(o.show_distortions, train_set, o.distortion, o.seed);
    std::printf("training digits and distorted copies (%s) drawn in %s\n", o.distortion.describe().c_str(),
                o.show_distortions.c_str());
    return 0;
  }
  if (o.batch > train_set.count) {
    throw std::invalid_argument("--batch " + std::to_string(o.batch) + " is larger than the " +
                                std::to_string(train_set.count) + " training images");
  }
  if (o.engine == "scalar") return run<autograd::Matrix>(o, train_set, test_set);
  if (o.dtype == "float64") return run<tensor::Tensor<double>>(o, train_set, test_set);
  return run<tensor::Tensor<float>>(o, train_set, test_set);
}

}  // namespace mnist_tool
