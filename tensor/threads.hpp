#pragma once
// One knob for all of the tensor engine's threads: BLAS products and TBB kernels never run at
// the same time (products are called from the calling thread, never inside a TBB loop), so
// giving both the same count uses every core without oversubscribing them.

namespace tensor {

// Uses at most n threads (n >= 1) for BLAS products and for TBB kernels from now on.
// Throws std::invalid_argument for n < 1. Default: the machine's hardware concurrency.
void set_num_threads(int n);

// The current limit.
int num_threads();

}  // namespace tensor
