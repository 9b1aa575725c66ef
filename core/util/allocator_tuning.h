#pragma once
// How the C library's malloc treats the big, short-lived buffers of a model's forward and
// backward passes. glibc hands every block over its (dynamic, at most 32 MiB) mmap threshold
// back to the kernel on free, trims the heap's free top at 128 KiB, and gives threads arenas
// whose heaps top out at 64 MiB: a model whose activations are tens of MiB (B5 @456, a batch of
// 8: 40-60 MiB each) then pays fresh page faults for them on every pass. Measured on a 2-vCPU
// EPYC (docs/PERFORMANCE.md): 70 % of an embedding run spent in the kernel, 0.74 -> 2.6 images/s
// once freed memory is kept for reuse. The official Python pipeline pays it too, at random
// (3.3 images/s in one run, 0.45-0.6 in three others of the same session).
//
// Not applied by the library on its own (it changes the whole process): the entry points call
// keep_freed_memory_for_reuse() first thing, and the benchmarks do what the programs do.
#include <cstddef>
#include <string>

namespace brivl {

struct AllocatorOptions {
  size_t mmap_threshold = size_t{1} << 30;  // blocks below this come from the heap (and return to it)
  size_t trim_threshold = size_t{1} << 30;  // free heap top kept before it is given back
  size_t top_pad = size_t{256} << 20;       // extra heap each time it grows
  bool single_arena = true;                 // one arena: the model's worker threads use the same heap
};

// Applies `options` with mallopt where the C library is glibc, unless the user set glibc's own
// knobs (GLIBC_TUNABLES or MALLOC_*_ environment variables): theirs win. Returns what was done,
// for logs ("" when nothing).
std::string keep_freed_memory_for_reuse(const AllocatorOptions& options = {});

}  // namespace brivl
