// One pixel normalisation everywhere: the same digit reaches the network the same way through
// evaluation (mnist::input_batch over a data set) and through `mnist predict --as-is` (the digit
// reader on a 28x28 picture): the same inputs to the last bit, so the same logits to the last
// bit for a batch of the same shape. (Between a batch of one and a larger batch, BLAS may sum a
// product in another order, so there the logits agree to float rounding only.)

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "digit_reader.hpp"
#include "mnist/batches.hpp"
#include "nn/random.hpp"
#include "tensor/array_loops.hpp"

BOOST_AUTO_TEST_SUITE(inputs)

BOOST_AUTO_TEST_CASE(eval_and_predict_as_is_give_bit_identical_logits) {
  using TensorF = tensor::Tensor<float>;
  // Three seeded 28x28 "digits" with every pixel level in use.
  mnist::Dataset data;
  data.count = 3;
  nn::Rng rng(11);
  for (std::size_t i = 0; i < data.count * data.features(); ++i) {
    data.pixels.push_back(static_cast<std::uint8_t>(rng.below(256)));
  }
  data.labels = {1, 2, 3};
  const std::string path = "mnist_inputs_test_model.safetensors";
  io::save_model(path, nn::MLP<TensorF>(nn::Architecture::classifier(784, {32}, 10, nn::Activation::tanh), 7),
                 mnist::mnist_normalisation);

  // Evaluation's path: the model file, then input_batch over the data set.
  nn::Normalisation normalisation;
  const nn::MLP<TensorF> model = io::load_model<TensorF>(path, &normalisation);
  const std::vector<std::size_t> order = {0, 1, 2};
  const TensorF batch_logits = model.logits(mnist::input_batch<TensorF>(data, order, 0, data.count, normalisation));

  // predict --as-is's path: the digit reader on each picture, taken as it is.
  const mnist_tool::DigitReader reader(path);
  for (std::size_t i = 0; i < data.count; ++i) {
    vision::GrayImage picture;
    picture.width = picture.height = 28;
    picture.pixels.assign(data.pixels.begin() + static_cast<std::ptrdiff_t>(i * 784),
                          data.pixels.begin() + static_cast<std::ptrdiff_t>((i + 1) * 784));
    const mnist_tool::Reading reading = reader.read(picture, vision::Invert::no, /*as_is=*/true, "digit");
    const TensorF eval_inputs = mnist::input_batch<TensorF>(data, order, i, i + 1, normalisation);
    const TensorF read_inputs = reader.inputs(reading.digit);
    std::size_t different_inputs = 0;
    for (std::size_t j = 0; j < 784; ++j) different_inputs += eval_inputs.value(0, j) != read_inputs.value(0, j);
    BOOST_TEST(different_inputs == 0U, "digit " << i);
    const TensorF logits = model.logits(eval_inputs);
    for (std::size_t c = 0; c < 10; ++c) {
      BOOST_TEST(reading.logits[c] == logits.value(0, c),
                 "digit " << i << " class " << c << ": " << reading.logits[c] << " vs " << logits.value(0, c));
      BOOST_TEST(reading.logits[c] == batch_logits.value(i, c), boost::test_tools::tolerance(1e-5F));
    }
  }
  std::remove(path.c_str());
}

// How many of look_up_bytes's outputs differ from table[key], or were written past the end,
// over every length up to a few vector widths (so that both the gathers and the tail run) and
// every level (so that a wrong index width or scale shows).
template <class T>
std::size_t table_lookup_errors() {
  std::vector<T> table(256);
  for (std::size_t level = 0; level < 256; ++level) table[level] = static_cast<T>(level) * T(0.75) - T(3.1);
  nn::Rng rng(5);
  std::size_t errors = 0;
  for (std::size_t count = 0; count <= 300; count += count < 40 ? 1 : 37) {
    std::vector<std::uint8_t> keys(count);
    for (std::size_t i = 0; i < count; ++i) keys[i] = static_cast<std::uint8_t>(i < 256 ? 255 - i : rng.below(256));
    std::vector<T> out(count + 1, T(-1));
    tensor::look_up_bytes(keys.data(), table.data(), out.data(), count);
    for (std::size_t i = 0; i < count; ++i) errors += out[i] != table[keys[i]];
    errors += out[count] != T(-1);
  }
  return errors;
}

BOOST_AUTO_TEST_CASE(pixel_levels_are_looked_up_in_the_table) {
  BOOST_TEST(table_lookup_errors<float>() == 0U);
  BOOST_TEST(table_lookup_errors<double>() == 0U);
}

BOOST_AUTO_TEST_CASE(pixel_buffers_hold_the_size_asked_all_zero) {
  // Large enough for the huge-page advice to apply to part of it, and reused: the second call
  // must not keep the first one's contents or size.
  std::vector<std::uint8_t> pixels(1000, 7);
  for (std::size_t size : {std::size_t{5} << 20, std::size_t{3} << 20, std::size_t{100}}) {
    mnist::allocate_pixels(pixels, size);
    BOOST_TEST(pixels.size() == size);
    std::size_t non_zero = 0;
    for (std::uint8_t p : pixels) non_zero += p != 0;
    BOOST_TEST(non_zero == 0u);
    pixels.assign(pixels.size(), 9);
  }
}

BOOST_AUTO_TEST_SUITE_END()
