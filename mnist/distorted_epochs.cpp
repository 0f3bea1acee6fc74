#include "mnist/distorted_epochs.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "nn/random.hpp"

namespace mnist {

Dataset distorted_copy(const Dataset& originals, const vision::Distortion& distortion, std::uint64_t seed, int epoch) {
  Dataset copy;
  copy.count = originals.count;
  copy.rows = originals.rows;
  copy.cols = originals.cols;
  copy.labels = originals.labels;
  copy.pixels.resize(originals.pixels.size());
  const std::size_t features = originals.features();
  const vision::Distorter distorter(distortion, originals.rows, originals.cols);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, originals.count, 256),
                    [&](const tbb::blocked_range<std::size_t>& images) {
                      for (std::size_t i = images.begin(); i < images.end(); ++i) {
                        distorter.apply(&originals.pixels[i * features], &copy.pixels[i * features],
                                        nn::derived_seed(seed, static_cast<std::uint64_t>(epoch), i));
                      }
                    });
  return copy;
}

DistortedEpochs::DistortedEpochs(const Dataset& originals, const vision::Distortion& distortion, std::uint64_t seed,
                                 int last_epoch)
    : originals_(originals), distortion_(distortion), seed_(seed), last_epoch_(last_epoch) {}

DistortedEpochs::~DistortedEpochs() {
  if (next_.valid()) next_.wait();  // the task reads originals_ and distortion_
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
    next_ = std::async(std::launch::async, [this, e] { return distorted_copy(originals_, distortion_, seed_, e + 1); });
  }
  return current_;
}

}  // namespace mnist
