#pragma once
// Training digits distorted afresh every epoch (vision/distortion.hpp). Image i of epoch e is
// distorted by draws seeded from (seed, e, i) alone, so an epoch's digits are the same for a
// seed whatever the number of threads and whether the run was resumed. The next epoch's digits
// are made in the background while the current one trains: on one more thread of its own,
// which takes its share of the TBB threads that --threads allows.

#include <atomic>
#include <cstdint>
#include <future>

#include "mnist/dataset.hpp"
#include "vision/distortion.hpp"

namespace mnist {

// The seed of image `image`'s distortion in epoch `epoch` of a run seeded `run_seed`.
std::uint64_t distortion_seed(std::uint64_t run_seed, int epoch, std::size_t image);

// Every image of `originals` distorted for `epoch`, labels unchanged; TBB-parallel.
Dataset distorted_copy(const Dataset& originals, const vision::Distortion& distortion, std::uint64_t seed, int epoch);

class DistortedEpochs {
 public:
  // `originals` must outlive this object. Epochs run from 1 to last_epoch.
  DistortedEpochs(const Dataset& originals, const vision::Distortion& distortion, std::uint64_t seed, int last_epoch);
  DistortedEpochs(const DistortedEpochs&) = delete;
  DistortedEpochs& operator=(const DistortedEpochs&) = delete;
  ~DistortedEpochs();

  // Epoch e's digits (made now unless they were made in the background), valid until the next
  // call; starts making epoch e + 1's.
  const Dataset& epoch(int e);

 private:
  const Dataset& originals_;
  vision::Distortion distortion_;
  std::uint64_t seed_;
  int last_epoch_;
  Dataset current_;
  int next_epoch_ = 0;  // the epoch being made in the background, or 0
  std::future<Dataset> next_;
  std::atomic<bool> stop_{false};  // set on destruction: the background task gives up
};

}  // namespace mnist
