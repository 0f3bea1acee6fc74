#include "mnist/distorted_epochs.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <atomic>

#include "nn/random.hpp"

namespace mnist {

std::uint64_t distortion_seed(std::uint64_t run_seed, int epoch, std::size_t image) {
  return nn::derived_seed(run_seed ^ 0x646973746F7274ULL, static_cast<std::uint64_t>(epoch), image);  // "distort"
}

namespace {

// distorted_copy, giving up (with a partly made copy) once *stop is set.
Dataset distorted_copy_until(const Dataset& originals, const vision::Distortion& distortion, std::uint64_t seed,
                             int epoch, const std::atomic<bool>* stop) {
  Dataset copy;
  copy.count = originals.count;
  copy.rows = originals.rows;
  copy.cols = originals.cols;
  copy.labels = originals.labels;
  allocate_pixels(copy.pixels, originals.pixels.size());
  const std::size_t features = originals.features();
  const vision::Distorter distorter(distortion, originals.rows, originals.cols);
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, originals.count, 256), [&](const tbb::blocked_range<std::size_t>& images) {
        if (stop != nullptr && stop->load(std::memory_order_relaxed)) return;
        for (std::size_t i = images.begin(); i < images.end(); ++i) {
          distorter.apply(&originals.pixels[i * features], &copy.pixels[i * features], distortion_seed(seed, epoch, i));
        }
      });
  return copy;
}

}  // namespace

Dataset distorted_copy(const Dataset& originals, const vision::Distortion& distortion, std::uint64_t seed, int epoch) {
  return distorted_copy_until(originals, distortion, seed, epoch, nullptr);
}

DistortedEpochs::DistortedEpochs(const Dataset& originals, const vision::Distortion& distortion, std::uint64_t seed,
                                 int last_epoch)
    : originals_(originals), distortion_(distortion), seed_(seed), last_epoch_(last_epoch) {}

DistortedEpochs::~DistortedEpochs() {
  // The task reads originals_ and distortion_: stop it (a Ctrl-C or a failed run does not wait
  // for a whole epoch's digits) and wait for it.
  stop_ = true;
  if (next_.valid()) next_.wait();
}

const Dataset& DistortedEpochs::epoch(int e) {
  if (next_.valid() && next_epoch_ == e) {
    current_ = next_.get();
  } else {
    if (next_.valid()) next_.wait();
    current_ = distorted_copy(originals_, distortion_, seed_, e);
  }
  next_epoch_ = 0;
  if (e < last_epoch_) {
    next_epoch_ = e + 1;
    next_ = std::async(std::launch::async,
                       [this, e] { return distorted_copy_until(originals_, distortion_, seed_, e + 1, &stop_); });
  }
  return current_;
}

}  // namespace mnist
