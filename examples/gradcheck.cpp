// gradcheck: one network, two engines, finite differences.
//
//   build/bin/gradcheck [--net 784-16-10] [--activation tanh|relu|sigmoid] [--loss ce|mse]
//                       [--batch N] [--seed S] [--data DIR] [--dtype float64|float32]
//                       [--tolerance X] [--samples K] [--json FILE]
//
// Builds the same MLP on the scalar engine and on the tensor engine from one seed (identical
// weights), runs the same batch through both, back-propagates the same loss, and prints one row
// per parameter tensor: the largest absolute and relative differences between the engines, and
// between each engine and central finite differences on K sampled entries.
// Exit codes: 0 all within tolerance, 1 something is not, 2 bad usage or input.

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "io/file_io.hpp"
#include "io/input_error.hpp"
#include "mnist/batches.hpp"
#include "nn/gradient_check.hpp"
#include "tool_main.hpp"

namespace {

// "784-16-10" -> {784, 16, 10}
std::vector<std::size_t> parse_sizes(const std::string& text) {
  std::vector<std::size_t> sizes;
  std::stringstream stream(text);
  for (std::string part; std::getline(stream, part, '-');) {
    std::size_t used = 0;
    unsigned long value = 0;
    try {
      value = std::stoul(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != part.size() || value == 0 || value > 100000) {
      throw std::invalid_argument("--net " + text + ": '" + part + "' is not a layer size from 1 to 100000");
    }
    sizes.push_back(value);
  }
  if (sizes.size() < 2) throw std::invalid_argument("--net " + text + ": need at least inputs-outputs, e.g. 784-16-10");
  return sizes;
}

void write_json(const std::string& path, const nn::GradientCheckOptions& o, const std::string& net,
                const nn::GradientCheckReport& r) {
  nlohmann::json out;
  out["net"] = net;
  out["activations"] = o.architecture.activations_text();
  out["loss"] = o.loss == nn::CheckLoss::cross_entropy ? "ce" : "mse";
  out["batch"] = o.batch;
  out["seed"] = o.seed;
  out["dtype"] = o.tensor_in_float ? "float32" : "float64";
  out["tolerance"] = r.tolerance;
  out["scalar_loss"] = r.scalar_loss;
  out["tensor_loss"] = r.tensor_loss;
  out["ok"] = r.ok;
  for (const nn::ParameterCheck& p : r.parameters) {
    auto diff = [](const nn::Difference& d) {
      return nlohmann::json{{"max_abs", d.largest_absolute}, {"max_rel", d.largest_relative}};
    };
    out["parameters"].push_back({{"name", p.name},
                                 {"shape", {p.rows, p.cols}},
                                 {"scalar_vs_tensor", diff(p.scalar_vs_tensor)},
                                 {"scalar_vs_finite_differences", diff(p.scalar_vs_differences)},
                                 {"tensor_vs_finite_differences", diff(p.tensor_vs_differences)},
                                 {"finite_difference_entries", p.checked_entries},
                                 {"ok", p.ok}});
  }
  const std::string text = out.dump(2) + "\n";
  io::write_file_atomically(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Compare scalar-engine, tensor-engine and finite-difference gradients of one network", "gradcheck"};
  std::string net = "784-16-10", activation = "tanh", loss = "ce", data_dir, dtype = "float64", json_path;
  nn::GradientCheckOptions o;
  app.add_option("--net", net, "layer sizes, inputs first")->capture_default_str();
  app.add_option("--activation", activation, "hidden activation")
      ->check(CLI::IsMember({"tanh", "relu", "sigmoid"}))
      ->capture_default_str();
  app.add_option("--loss", loss, "ce: cross-entropy on the logits; mse: on the softmax output")
      ->check(CLI::IsMember({"ce", "mse"}))
      ->capture_default_str();
  app.add_option("--batch", o.batch, "samples in the batch")
      ->check(tools::not_negative())
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed for weights and random inputs")
      ->check(tools::not_negative())
      ->capture_default_str();
  app.add_option("--data", data_dir, "MNIST folder: use its first images (default: seeded random inputs)");
  app.add_option("--dtype", dtype, "tensor engine precision")
      ->check(CLI::IsMember({"float64", "float32"}))
      ->capture_default_str();
  app.add_option("--tolerance", o.tolerance, "largest relative difference allowed (default 1e-6, float32 2e-3)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            // (CLI::Range would print its bounds as "0.000000 to 1.000000")
            const double value = std::strtod(text.c_str(), nullptr);
            return value >= 1e-15 && value <= 1.0 ? "" : text + " is not a relative difference from 1e-15 to 1";
          },
          "1e-15 to 1"));
  app.add_option("--samples", o.difference_samples, "entries per parameter checked by finite differences")
      ->check(tools::not_negative())
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--json", json_path, "also write the full results here");
  app.add_option("--corrupt-gradient", o.corrupt_gradient_of, "testing the checker: spoil this parameter's gradient")
      ->group("");  // hidden from --help
  return tools::parse_and_run(app, argc, argv, "gradcheck", [&] {
    if (!json_path.empty()) io::check_writable(json_path);
    const std::vector<std::size_t> sizes = parse_sizes(net);
    std::vector<std::size_t> hidden(sizes.begin() + 1, sizes.end() - 1);
    o.architecture =
        nn::Architecture::classifier(sizes.front(), hidden, sizes.back(), nn::parse_activation(activation));
    o.loss = loss == "ce" ? nn::CheckLoss::cross_entropy : nn::CheckLoss::mse;
    o.tensor_in_float = dtype == "float32";
    if (!data_dir.empty()) {  // the first images, normalised as in training
      const mnist::Dataset data = mnist::load_mnist(data_dir, mnist::Split::train, o.batch);
      if (data.features() != sizes.front() || data.count < o.batch) {
        throw io::InputError(data_dir + ": " + std::to_string(data.count) + " images of " +
                             std::to_string(data.features()) + " pixels, but the network takes " +
                             std::to_string(sizes.front()) + " inputs and --batch is " + std::to_string(o.batch));
      }
      std::vector<std::size_t> first(o.batch);
      for (std::size_t i = 0; i < o.batch; ++i) first[i] = i;
      o.inputs =
          nn::values_of(mnist::input_batch<autograd::Matrix>(data, first, 0, o.batch, mnist::mnist_normalisation));
      for (std::size_t i = 0; i < o.batch; ++i) o.labels.push_back(data.labels[i] % static_cast<int>(sizes.back()));
    }
    const nn::GradientCheckReport r = nn::check_gradients(o);

    std::printf("gradcheck: %s %s, loss %s, batch %zu, seed %llu, tensor engine %s, inputs %s\n", net.c_str(),
                o.architecture.activations_text().c_str(), loss.c_str(), o.batch,
                static_cast<unsigned long long>(o.seed), dtype.c_str(),
                !data_dir.empty() ? ("MNIST " + data_dir).c_str() : "seeded random");
    std::printf("loss: scalar %.15g, tensor %.15g\n\n", r.scalar_loss, r.tensor_loss);
    std::printf("%-17s %-11s %21s %21s %21s %8s\n", "parameter", "shape", "scalar vs tensor", "scalar vs FD",
                "tensor vs FD", "FD");
    std::printf("%-17s %-11s %10s %10s %10s %10s %10s %10s %8s\n", "", "", "max abs", "max rel", "max abs", "max rel",
                "max abs", "max rel", "entries");
    for (const nn::ParameterCheck& p : r.parameters) {
      const std::string shape = "(" + std::to_string(p.rows) + "x" + std::to_string(p.cols) + ")";
      std::printf("%-17s %-11s %10.2e %10.2e %10.2e %10.2e %10.2e %10.2e %8zu%s\n", p.name.c_str(), shape.c_str(),
                  p.scalar_vs_tensor.largest_absolute, p.scalar_vs_tensor.largest_relative,
                  p.scalar_vs_differences.largest_absolute, p.scalar_vs_differences.largest_relative,
                  p.tensor_vs_differences.largest_absolute, p.tensor_vs_differences.largest_relative, p.checked_entries,
                  p.ok ? "" : "  <-- FAIL");
    }
    if (!json_path.empty()) write_json(json_path, o, net, r);
    if (r.ok) {
      std::printf("\nall gradients agree within relative tolerance %.0e: OK\n", r.tolerance);
      return 0;
    }
    std::printf("\ngradients differ beyond relative tolerance %.0e in:", r.tolerance);
    for (const nn::ParameterCheck& p : r.parameters) {
      if (!p.ok) std::printf(" %s", p.name.c_str());
    }
    std::printf("\n");
    return 1;
  });
}
