// SPDX-License-Identifier: BSD-2-Clause
// Whether explore() and explore_faithful() split a section's address classes over TBB worker
// threads (when ExploreOptions::parallel is set and there are at least kParallelClassesMin classes).
//
// ThreadSanitizer builds explore classes one after another: Debian's libtbb is not built with
// -fsanitize=thread, so TSan sees none of its task hand-offs (atomics and futexes inside
// libtbb.so) and reports TBB's own header-inlined bookkeeping as racing. The parallel path is the
// same code as the sequential one per class (each class's evaluation reads shared const state and
// writes its own slot); tests/explorer/parallel_test.cc checks both agree in the other builds.
#ifndef PTX_EXPLORER_CLASS_PARALLELISM_H_
#define PTX_EXPLORER_CLASS_PARALLELISM_H_

#include <cstddef>

namespace ptx {

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kParallelClasses = false;
#else
inline constexpr bool kParallelClasses = true;
#endif

// Fewer classes than this are explored on the calling thread (the split costs more than it saves).
inline constexpr size_t kParallelClassesMin = 64;

// True when a section with `classes` classes is explored with tbb::parallel_for.
inline constexpr bool use_parallel_classes(bool requested, size_t classes) {
  return kParallelClasses && requested && classes >= kParallelClassesMin;
}

}  // namespace ptx

#endif  // PTX_EXPLORER_CLASS_PARALLELISM_H_
