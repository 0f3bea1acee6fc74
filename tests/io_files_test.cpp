// The file readers: valid files round-trip; truncated, wrong, lying and mismatched files are
// refused with a message naming the file and the problem. Every file is made here, small.

#include <zlib.h>

#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "check_refused.hpp"
#include "io/checkpoint.hpp"
#include "io/file_io.hpp"
#include "io/idx.hpp"
#include "io/input_error.hpp"
#include "io/model_file.hpp"
#include "io/safetensors.hpp"
#include "mnist/dataset.hpp"
#include "nn/optimizer.hpp"
#include "nn/random.hpp"
#include "vision/image.hpp"

using Bytes = std::vector<std::uint8_t>;

namespace {

// This process's folder for the tests' files, in the system's temporary folder, so that running
// the tests from any folder (the source tree too) leaves nothing behind.
std::filesystem::path scratch_root() {
  return std::filesystem::temp_directory_path() / ("backprop_io_files_test_" + std::to_string(::getpid()));
}

struct RemoveScratchRoot {
  RemoveScratchRoot() = default;
  RemoveScratchRoot(const RemoveScratchRoot&) = delete;
  RemoveScratchRoot& operator=(const RemoveScratchRoot&) = delete;
  ~RemoveScratchRoot() {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_root(), ignored);
  }
};

// A fresh empty folder for one test's files.
std::string scratch_dir(const std::string& name) {
  const std::filesystem::path dir = scratch_root() / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void write_bytes(const std::string& path, const Bytes& bytes) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

void write_gzip(const std::string& path, const Bytes& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
}

// An IDX file of unsigned bytes with these dimensions; values i % 251.
Bytes idx_bytes(const std::vector<std::uint32_t>& dims) {
  Bytes bytes = {0, 0, 0x08, static_cast<std::uint8_t>(dims.size())};
  std::size_t count = 1;
  for (std::uint32_t d : dims) {
    for (int shift : {24, 16, 8, 0}) bytes.push_back(static_cast<std::uint8_t>(d >> shift));
    count *= d;
  }
  for (std::size_t i = 0; i < count; ++i) bytes.push_back(static_cast<std::uint8_t>(i % 251));
  return bytes;
}

io::Safetensors two_tensors() {
  io::Safetensors file;
  file.metadata = {{"format", "test"}, {"note", "two tensors"}};
  file.tensors.push_back({"a", "F32", {2, 3}, {1, 2, 3, 4, 5, 6.5}});
  file.tensors.push_back({"b", "F64", {1, 2}, {0.1, -1e300}});
  return file;
}

// Replaces the JSON header of a safetensors file (same data), fixing the length prefix.
Bytes with_header(const Bytes& file, const std::string& header) {
  std::uint64_t old_size = 0;
  for (int i = 7; i >= 0; --i) old_size = (old_size << 8) | file[static_cast<std::size_t>(i)];
  Bytes out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), file.begin() + 8 + static_cast<std::ptrdiff_t>(old_size), file.end());
  return out;
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(RemoveScratchRoot);

BOOST_AUTO_TEST_SUITE(files)

// Raw and gzip files read back whole; with a storage given, the elements land in it, asked for
// once with their count.
BOOST_AUTO_TEST_CASE(idx_round_trips_raw_and_gzip) {
  const std::string dir = scratch_dir("idx");
  const Bytes bytes = idx_bytes({3, 4, 5});
  write_bytes(dir + "/raw", bytes);
  write_gzip(dir + "/packed.gz", bytes);
  for (const char* name : {"raw", "packed.gz"}) {
    const io::IdxArray array = io::read_idx(dir + "/" + std::string(name));
    BOOST_TEST((array.dims == std::vector<std::uint32_t>{3, 4, 5}));
    BOOST_TEST_REQUIRE(array.values.size() == 60u);
    BOOST_TEST(array.values[59] == 59);

    std::vector<std::size_t> asked;
    const io::IdxArray stored =
        io::read_idx(dir + "/" + name, [&](std::vector<std::uint8_t>& values, std::size_t count) {
          asked.push_back(count);
          values.reserve(count + 1000);  // a mark of this storage: its capacity
          values.resize(count);
        });
    BOOST_TEST((asked == std::vector<std::size_t>{60}), name);
    BOOST_TEST(stored.values.capacity() >= 1060u, name);
    BOOST_TEST((stored.dims == array.dims), name);
    BOOST_TEST((stored.values == Bytes(bytes.begin() + 16, bytes.end())), name);
    // A storage that makes the wrong room is a programming error, caught before any write.
    BOOST_CHECK_THROW(io::read_idx(dir + "/" + name, [](std::vector<std::uint8_t>& values,
                                                        std::size_t count) { values.resize(count - 1); }),
                      std::logic_error);
  }
}

// Each bad IDX file is refused the same way from memory (parse_idx) and from a file
// (read_idx, which checks a raw file's header before reading its elements), naming its source.
BOOST_AUTO_TEST_CASE(idx_refuses_bad_files) {
  Bytes truncated = idx_bytes({10, 28, 28});
  truncated.resize(truncated.size() - 100);
  Bytes trailing = idx_bytes({2, 2});
  trailing.push_back(7);
  // A header claiming 4 billion x 4 billion images on a tiny file: refused before allocating.
  const Bytes huge = {0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 28, 1, 2, 3};
  const std::vector<std::pair<Bytes, std::vector<std::string>>> cases = {
      {truncated, {"10x28x28", "truncated"}},
      {trailing, {"header says 2x2", "5 bytes", "trailing"}},
      {{0x50, 0x4b, 3, 4, 0, 0}, {"not an IDX file", "50 4b 03 04"}},
      {{0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0}, {"element type 0x0d"}},
      {{0, 0, 8, 9}, {"9 dimensions"}},
      {{0, 0, 8}, {"too short"}},
      {{}, {"too short"}},
      {{0, 0, 8, 3, 0, 0}, {"truncated inside the IDX header"}},
      {huge, {"4294967295x4294967295x28", "truncated"}},
  };
  const std::string dir = scratch_dir("idx_bad");
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [bytes, parts] = cases[i];
    std::vector<std::string> with_name = parts;
    with_name.insert(with_name.begin(), "in memory");
    check_refused([&] { io::parse_idx(bytes, "in memory"); }, with_name);
    const std::string path = dir + "/case" + std::to_string(i);
    write_bytes(path, bytes);
    with_name.front() = path;
    check_refused([&] { io::read_idx(path); }, with_name);
  }

  check_refused([&] { io::read_idx(dir + "/missing"); }, {dir + "/missing", "cannot open"});
  Bytes corrupt_gzip = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4};
  write_bytes(dir + "/bad.gz", corrupt_gzip);
  check_refused([&] { io::read_idx(dir + "/bad.gz"); }, {dir + "/bad.gz", "gzip"});
  write_bytes(dir + "/magic_only.gz", {0x1f, 0x8b});  // shorter than the four bytes read first
  check_refused([&] { io::read_idx(dir + "/magic_only.gz"); }, {dir + "/magic_only.gz", "gzip"});
}

BOOST_AUTO_TEST_CASE(mnist_loader_checks_counts_labels_and_names) {
  const std::string dir = scratch_dir("mnist");
  Bytes labels = idx_bytes({5});
  for (std::size_t i = 8; i < labels.size(); ++i) labels[i] = static_cast<std::uint8_t>(i % 10);
  write_bytes(dir + "/train-images.idx3-ubyte", idx_bytes({5, 28, 28}));  // the other common spelling
  write_gzip(dir + "/train-labels-idx1-ubyte.gz", labels);
  const mnist::Dataset data = mnist::load_mnist(dir, mnist::Split::train);
  BOOST_TEST(data.count == 5u);
  BOOST_TEST(data.pixels.size() == 5u * 784u);
  BOOST_TEST(data.pixels[250] == 250);
  BOOST_TEST(data.level(250) == 250.0f / 255.0f);
  BOOST_TEST(data.labels[4] == 2);  // byte 12 of the label file
  const mnist::Dataset first_three = mnist::load_mnist(dir, mnist::Split::train, 3);
  BOOST_TEST(first_three.count == 3u);
  BOOST_TEST((first_three.pixels == Bytes(data.pixels.begin(), data.pixels.begin() + 3 * 784)));
  BOOST_TEST(first_three.pixels.capacity() < 4u * 784u);  // not the whole file's memory

  check_refused([&] { mnist::load_mnist(dir, mnist::Split::test); }, {dir, "no MNIST t10k images", "fetch-mnist"});
  write_bytes(dir + "/t10k-images-idx3-ubyte", idx_bytes({4, 28, 28}));
  write_bytes(dir + "/t10k-labels-idx1-ubyte", idx_bytes({3}));
  check_refused([&] { mnist::load_mnist(dir, mnist::Split::test); },
                {"t10k-labels-idx1-ubyte", "3 labels for 4 images"});
  Bytes bad_labels = idx_bytes({4});
  bad_labels[10] = 12;
  write_bytes(dir + "/t10k-labels-idx1-ubyte", bad_labels);
  check_refused([&] { mnist::load_mnist(dir, mnist::Split::test); }, {"label 12 at index 2 is not a digit"});
  write_bytes(dir + "/t10k-labels-idx1-ubyte", idx_bytes({4, 1}));
  check_refused([&] { mnist::load_mnist(dir, mnist::Split::test); }, {"expected 1 dimension"});
}

BOOST_AUTO_TEST_CASE(safetensors_round_trip) {
  const std::string dir = scratch_dir("safetensors");
  io::write_safetensors(dir + "/two.safetensors", two_tensors());
  const io::Safetensors back = io::read_safetensors(dir + "/two.safetensors");
  BOOST_TEST(back.metadata == two_tensors().metadata);
  BOOST_TEST_REQUIRE(back.tensors.size() == 2u);
  BOOST_TEST(back.tensors[0].name == "a");
  BOOST_TEST((back.tensors[0].shape == std::vector<std::size_t>{2, 3}));
  BOOST_TEST(back.tensors[0].values[5] == 6.5);
  BOOST_TEST(back.tensors[1].dtype == "F64");
  BOOST_TEST(back.tensors[1].values[1] == -1e300);
  const Bytes bytes = io::encode_safetensors(two_tensors());
  BOOST_TEST((bytes.size() - 8) % 8 == 0u);  // header padded so the data is 8-byte aligned
}

BOOST_AUTO_TEST_CASE(safetensors_refuses_bad_files) {
  const Bytes good = io::encode_safetensors(two_tensors());
  Bytes truncated = good;
  truncated.resize(good.size() - 4);
  check_refused([&] { io::decode_safetensors(truncated, "m"); }, {"m: ", "tensor 'b'", "outside the data"});
  check_refused([&] { io::decode_safetensors({1, 2, 3}, "m"); }, {"too short"});
  Bytes lying_length = good;
  lying_length[6] = 0x10;
  check_refused([&] { io::decode_safetensors(lying_length, "m"); }, {"header length", "larger than"});
  const std::string a = R"("a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]})";
  const std::string b = R"("b":{"dtype":"F64","shape":[1,2],"data_offsets":[24,40]})";
  auto header = [](const std::string& body) { return "{" + body + "}"; };
  check_refused([&] { io::decode_safetensors(with_header(good, "{\"a\": [1,"), "m"); }, {"not valid JSON"});
  // Deep nesting and long arrays are refused as they open (100 MB of "[" once took 3.9 GB).
  check_refused([&] { io::decode_safetensors(with_header(good, "{\"a\":" + std::string(1000000, '[')), "m"); },
                {"m: header nests deeper than 8"});
  std::string long_shape = "[1";
  for (int i = 0; i < 100; ++i) long_shape += ",1";
  check_refused(
      [&] {
        io::decode_safetensors(
            with_header(good, header(R"("a":{"dtype":"F32","shape":)" + long_shape + R"(],"data_offsets":[0,24]})")),
            "m");
      },
      {"header has an array longer than 64"});
  std::string many_names = "{";
  for (int i = 0; i <= 10000; ++i) many_names += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":{}";
  check_refused([&] { io::decode_safetensors(with_header(good, many_names + "}"), "m"); },
                {"header holds more than 10000 names"});
  check_refused([&] { io::decode_safetensors(with_header(good, header(a + "," + a + "," + b)), "m"); },
                {"names 'a' twice"});
  check_refused([&] { io::decode_safetensors(with_header(good, header(a)), "m"); }, {"16 bytes after the last"});
  check_refused(
      [&] {
        io::decode_safetensors(
            with_header(good, header(R"("a":{"dtype":"I8","shape":[24],"data_offsets":[0,24]},)" + b)), "m");
      },
      {"tensor 'a'", "dtype I8 is not supported"});
  check_refused(
      [&] {
        io::decode_safetensors(
            with_header(good, header(R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,24]},)" + b)), "m");
      },
      {"tensor 'a'", "span 24 bytes", "needs 16"});
  check_refused(
      [&] {
        io::decode_safetensors(
            with_header(good, header(a + R"(,"b":{"dtype":"F64","shape":[1,2],"data_offsets":[16,32]})")), "m");
      },
      {"tensor 'b'", "overlaps"});
  check_refused(
      [&] {
        io::decode_safetensors(
            with_header(good, header(R"("a":{"dtype":"F32","shape":[2,1],"data_offsets":[0,8]},)" + b)), "m");
      },
      {"tensor 'b'", "gap"});
  check_refused(
      [&] {
        io::decode_safetensors(
            with_header(good,
                        header(R"("a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,24]},)" + b)),
            "m");
      },
      {"more elements than the file"});
}

BOOST_AUTO_TEST_CASE(model_files_round_trip_and_refuse_the_wrong_network) {
  const std::string dir = scratch_dir("model");
  const nn::Architecture arch = nn::Architecture::classifier(6, {4}, 3, nn::Activation::relu);
  const nn::MLP<tensor::Tensor<float>> model(arch, 5);
  io::save_model(dir + "/m.safetensors", model, {0.25, 2.0});
  nn::Normalisation normalisation;
  const auto loaded = io::load_model<tensor::Tensor<double>>(dir + "/m.safetensors", &normalisation);
  BOOST_TEST(loaded.architecture().sizes_text() == "6,4,3");
  BOOST_TEST(loaded.architecture().activations_text() == "relu,softmax");
  BOOST_TEST(normalisation.mean == 0.25);
  BOOST_TEST(normalisation.std == 2.0);
  for (std::size_t k = 0; k < 4; ++k) {
    BOOST_TEST(nn::values_of(loaded.parameters()[k]) == nn::values_of(model.parameters()[k]));
  }

  io::Safetensors file = io::read_safetensors(dir + "/m.safetensors");
  file.metadata["sizes"] = "6,5,3";
  io::write_safetensors(dir + "/wrong_shape.safetensors", file);
  check_refused([&] { io::load_model<tensor::Tensor<float>>(dir + "/wrong_shape.safetensors"); },
                {"wrong_shape.safetensors", "tensor 'layers.0.weight' has shape (6x4)", "needs (6x5)"});
  file.metadata["sizes"] = "6,4,3";
  file.metadata["activations"] = "relu,swish";
  io::write_safetensors(dir + "/bad_activation.safetensors", file);
  check_refused([&] { io::load_model<tensor::Tensor<float>>(dir + "/bad_activation.safetensors"); },
                {"unknown activation 'swish'"});
  file.metadata.erase("activations");
  io::write_safetensors(dir + "/no_activations.safetensors", file);
  check_refused([&] { io::load_model<tensor::Tensor<float>>(dir + "/no_activations.safetensors"); },
                {"no 'activations' field"});
  file = io::read_safetensors(dir + "/m.safetensors");
  file.tensors.pop_back();
  io::write_safetensors(dir + "/missing.safetensors", file);
  check_refused([&] { io::load_model<tensor::Tensor<float>>(dir + "/missing.safetensors"); },
                {"no tensor 'layers.1.bias'"});
  file = io::read_safetensors(dir + "/m.safetensors");
  file.tensors[0].values[3] = std::nan("");
  io::write_safetensors(dir + "/nan.safetensors", file);
  check_refused([&] { io::load_model<tensor::Tensor<float>>(dir + "/nan.safetensors"); },
                {"'layers.0.weight' holds a non-finite value"});
}

BOOST_AUTO_TEST_CASE(loading_writes_into_the_parameters_an_optimizer_already_holds) {
  using TensorF = tensor::Tensor<float>;
  const std::string dir = scratch_dir("load_in_place");
  const nn::Architecture arch = nn::Architecture::classifier(3, {4}, 2, nn::Activation::tanh);
  nn::MLP<TensorF> saved(arch, 1);
  nn::Adam<TensorF> saved_adam(saved.parameters(), 0.01);
  const TensorF x(2, 3, {0.5, -1, 2, 1, 0, -0.5});
  const TensorF loss = cross_entropy(saved.logits(x), {1, 0});
  loss.backward();
  saved_adam.step();
  io::TrainingPosition position;
  position.rng_state = nn::Rng(3).state();
  io::save_checkpoint(dir + "/c.safetensors", saved, {0, 1}, saved_adam, position);

  nn::MLP<TensorF> model(arch, 2);  // other weights, and an optimizer made before loading
  nn::Adam<TensorF> adam(model.parameters(), 0.01);
  const TensorF first_weight = model.parameters()[0];  // a handle taken before loading
  io::load_checkpoint(dir + "/c.safetensors", model, adam);
  for (std::size_t k = 0; k < 4; ++k) {
    BOOST_TEST(nn::values_of(model.parameters()[k]) == nn::values_of(saved.parameters()[k]));
  }
  BOOST_TEST(first_weight.node() == model.parameters()[0].node());  // the same node, written in place
  BOOST_TEST(adam.state().steps == 1);

  // The optimizer steps the loaded model exactly as the saved one's steps the saved model.
  const auto train_step = [&](const nn::MLP<TensorF>& net, nn::Adam<TensorF>& optimizer) {
    optimizer.zero_grad();
    cross_entropy(net.logits(x), {1, 0}).backward();
    optimizer.step();
  };
  train_step(saved, saved_adam);
  train_step(model, adam);
  for (std::size_t k = 0; k < 4; ++k) {
    BOOST_TEST(nn::values_of(model.parameters()[k]) == nn::values_of(saved.parameters()[k]));
  }

  // A value float32 cannot hold is refused before anything is written.
  io::Safetensors file = io::read_safetensors(dir + "/c.safetensors");
  for (io::StoredTensor& t : file.tensors) {
    if (t.name == "layers.1.bias") {
      t.dtype = "F64";
      t.values[1] = 1e39;
    }
  }
  io::write_safetensors(dir + "/huge.safetensors", file);
  const std::vector<double> before = nn::values_of(model.parameters()[0]);
  check_refused([&] { io::load_model<TensorF>(dir + "/huge.safetensors"); },
                {"huge.safetensors", "tensor 'layers.1.bias' holds 1e+39, which is not a finite float32"});
  check_refused([&] { io::load_checkpoint(dir + "/huge.safetensors", model, adam); },
                {"huge.safetensors", "not a finite float32"});
  BOOST_TEST(nn::values_of(model.parameters()[0]) == before);
  BOOST_TEST(io::load_model<tensor::Tensor<double>>(dir + "/huge.safetensors").parameters()[3].value(0, 1) == 1e39);
}

// Inputs the fuzzers once broke the readers with (fuzz/regressions/<reader>-<what>): each must now
// be refused with an InputError (or read), never crash or allocate wildly.
BOOST_AUTO_TEST_CASE(fuzzer_findings_stay_fixed) {
  namespace fs = std::filesystem;
  std::size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(std::string(BACKPROP_SOURCE_DIR) + "/fuzz/regressions")) {
    const std::string name = entry.path().filename().string();
    const Bytes bytes = io::read_file(entry.path().string());
    try {
      if (name.rfind("image-", 0) == 0) {
        vision::decode_gray_image(bytes, name);
      } else if (name.rfind("idx-", 0) == 0) {
        io::parse_idx(io::gunzip_if_compressed(bytes, name), name);
      } else if (name.rfind("safetensors-", 0) == 0) {
        io::decode_safetensors(bytes, name);
      } else {
        BOOST_ERROR("regression input " << name << " does not say which reader it is for");
      }
    } catch (const io::InputError& error) {
      BOOST_TEST_MESSAGE(name << ": " << error.what());
    }
    ++checked;
  }
  BOOST_TEST(checked > 0u);
}

BOOST_AUTO_TEST_CASE(image_data_that_inflates_past_its_size_is_refused) {
  // An 8x8 grayscale PNG whose IDAT inflates to 1 MiB: a decompression bomb in miniature.
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  auto chunk = [&](const char* type, const Bytes& data) {
    for (int shift : {24, 16, 8, 0}) png.push_back(static_cast<std::uint8_t>(data.size() >> shift));
    Bytes typed(type, type + 4);
    typed.insert(typed.end(), data.begin(), data.end());
    png.insert(png.end(), typed.begin(), typed.end());
    const uLong crc = crc32(0, typed.data(), static_cast<uInt>(typed.size()));
    for (int shift : {24, 16, 8, 0}) png.push_back(static_cast<std::uint8_t>(crc >> shift));
  };
  chunk("IHDR", {0, 0, 0, 8, 0, 0, 0, 8, 8, 0, 0, 0, 0});
  const Bytes zeros(1 << 20, 0);
  Bytes packed(compressBound(zeros.size()));
  uLongf packed_size = packed.size();
  compress(packed.data(), &packed_size, zeros.data(), zeros.size());
  packed.resize(packed_size);
  chunk("IDAT", packed);
  chunk("IEND", {});
  check_refused([&] { vision::decode_gray_image(png, "bomb.png"); },
                {"bomb.png", "needs more memory than the 8x8 pixels it declares"});
}

BOOST_AUTO_TEST_CASE(atomic_write_replaces_whole_files_only) {
  const std::string dir = scratch_dir("atomic");
  io::write_file_atomically(dir + "/f", Bytes{1, 2, 3});
  io::write_file_atomically(dir + "/f", Bytes{4, 5});
  BOOST_TEST((io::read_file(dir + "/f") == Bytes{4, 5}));
  BOOST_CHECK_THROW(io::write_file_atomically(dir + "/no/such/dir/f", Bytes{1}), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(saving_follows_links_refuses_special_files_and_clears_killed_writers_files) {
  namespace fs = std::filesystem;
  const std::string dir = scratch_dir("save_paths");
  // A symbolic link stays a link; the file it names gets the bytes.
  io::write_file_atomically(dir + "/real", Bytes{1});
  fs::create_symlink("real", dir + "/link");
  io::write_file_atomically(dir + "/link", Bytes{7, 8});
  BOOST_TEST(fs::is_symlink(dir + "/link"));
  BOOST_TEST((io::read_file(dir + "/real") == Bytes{7, 8}));
  // Devices, FIFOs and folders are refused, before any work and when writing, never replaced.
  ::mkfifo((dir + "/fifo").c_str(), 0600);
  for (const std::string& path : {std::string("/dev/null"), dir + "/fifo", dir}) {
    check_refused([&] { io::check_writable(path); }, {path, "cannot be written"});
    BOOST_CHECK_THROW(io::write_file_atomically(path, Bytes{1}), std::runtime_error);
  }
  BOOST_TEST(fs::is_character_file("/dev/null"));
  BOOST_TEST(fs::is_fifo(dir + "/fifo"));
  check_refused([&] { io::check_writable(dir + "/missing/m.safetensors"); }, {"folder '" + dir + "/missing'"});
  // A temporary file left by a killed writer (its process gone) is removed by the next save of
  // the same file; one of a live writer is not.
  const std::string stale = dir + "/real.tmp-4194303";  // above Linux's largest process id
  const std::string live = dir + "/real.tmp-1";         // init's: alive
  write_bytes(stale, Bytes{0});
  write_bytes(live, Bytes{0});
  io::write_file_atomically(dir + "/real", Bytes{9});
  BOOST_TEST(!fs::exists(stale));
  BOOST_TEST(fs::exists(live));
  // A link planted under this process's own temporary name is removed, never written through;
  // and the file keeps its permissions.
  write_bytes(dir + "/victim", Bytes{1, 2, 3});
  fs::create_symlink("victim", dir + "/real.tmp-" + std::to_string(::getpid()));
  fs::permissions(dir + "/real", fs::perms::owner_read | fs::perms::owner_write);
  io::write_file_atomically(dir + "/real", Bytes{5});
  BOOST_TEST((io::read_file(dir + "/victim") == Bytes{1, 2, 3}));
  BOOST_TEST((io::read_file(dir + "/real") == Bytes{5}));
  BOOST_TEST((fs::status(dir + "/real").permissions() == (fs::perms::owner_read | fs::perms::owner_write)));
}

BOOST_AUTO_TEST_CASE(reading_never_blocks_on_a_fifo_or_reads_a_folder) {
  const std::string dir = scratch_dir("special_reads");
  ::mkfifo((dir + "/fifo").c_str(), 0600);  // nobody writes it: open() would wait forever
  check_refused([&] { io::read_file(dir + "/fifo"); }, {"fifo", "is not a regular file"});
  check_refused([&] { io::read_file(dir); }, {"is a folder, not a file"});
  check_refused([&] { io::read_safetensors(dir + "/fifo"); }, {"is not a regular file"});
}

BOOST_AUTO_TEST_CASE(model_normalisation_must_be_finite_and_sane) {
  const std::string dir = scratch_dir("normalisation");
  const nn::MLP<tensor::Tensor<float>> model(nn::Architecture::classifier(3, {2}, 2, nn::Activation::tanh), 1);
  io::save_model(dir + "/m.safetensors", model, {0.1, 0.3});
  for (const auto& [key, value, message] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"input_std", "1e-300", "'input_std' is 1e-300, outside 0.0001 to 10000"},
           {"input_std", "0", "'input_std' is 0, outside"},
           {"input_mean", "1e30", "'input_mean' is 1e30, outside -10000 to 10000"},
           {"input_mean", "nan", "'input_mean' is not a finite number"}}) {
    io::Safetensors file = io::read_safetensors(dir + "/m.safetensors");
    file.metadata[key] = value;
    io::write_safetensors(dir + "/bad.safetensors", file);
    check_refused([&] { io::load_model<tensor::Tensor<float>>(dir + "/bad.safetensors"); },
                  {"bad.safetensors", message});
  }
}

BOOST_AUTO_TEST_CASE(checkpoint_positions_are_whole_numbers_in_range) {
  const std::string dir = scratch_dir("positions");
  using TensorF = tensor::Tensor<float>;
  const nn::MLP<TensorF> model(nn::Architecture::classifier(3, {2}, 2, nn::Activation::tanh), 1);
  nn::SGD<TensorF> sgd(model.parameters(), 0.1);
  io::TrainingPosition position;
  position.rng_state = nn::Rng(1).state();
  io::save_checkpoint(dir + "/c.safetensors", model, {0, 1}, sgd, position);
  for (const auto& [key, value, message] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"checkpoint_epoch", "3abc", "checkpoint_epoch is '3abc', not a whole number"},
           {"checkpoint_epoch", "2147483647", "checkpoint_epoch is 2147483647, outside 1 to 1000000"},
           {"checkpoint_epoch", "0", "checkpoint_epoch is 0, outside 1 to"},
           {"checkpoint_next_batch", "-1", "checkpoint_next_batch is -1, outside 0 to"},
           {"checkpoint_optimizer_steps", "9223372036854775807",
            "checkpoint_optimizer_steps is 9223372036854775807, outside 0 to"},
           {"checkpoint_optimizer_steps", " 5", "not a whole number"}}) {
    io::Safetensors file = io::read_safetensors(dir + "/c.safetensors");
    file.metadata[key] = value;
    io::write_safetensors(dir + "/bad.safetensors", file);
    nn::MLP<TensorF> target(model.architecture(), 2);
    nn::SGD<TensorF> target_sgd(target.parameters(), 0.1);
    check_refused([&] { io::load_checkpoint(dir + "/bad.safetensors", target, target_sgd); },
                  {"bad.safetensors", message});
  }
}

BOOST_AUTO_TEST_SUITE_END()
