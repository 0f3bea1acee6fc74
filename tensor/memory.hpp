#pragma once
// How the process's memory allocator treats the tensor engine's arrays.

namespace tensor {

// Keeps the memory of freed arrays in the process for the next ones. By default glibc gives an
// allocation over 128 KiB a mapping of its own and returns it to the kernel on free (it raises
// that threshold only when such a block is freed), so each new batch-sized array is page-faulted
// in afresh, 4 KiB at a time: on the project's VM, evaluating the 10,000 test digits in batches
// of 1,000 took 0.24 s that way against 0.09-0.10 s with the memory kept. Arrays up to 32 MiB then
// come from the heap, and up to 256 MiB freed at its top stays for reuse. Process-wide (glibc's
// mallopt), so it is the program's choice: the mnist tool and the benchmarks call it first
// thing. Does nothing on other C libraries.
void keep_freed_arrays_in_process();

}  // namespace tensor
