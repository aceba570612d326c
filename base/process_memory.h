// SPDX-License-Identifier: BSD-2-Clause
// The process's own memory use, for the run summary and the benchmarks (goal: a run's peak RSS
// against the engine's page-table memory).
#ifndef PTX_BASE_PROCESS_MEMORY_H_
#define PTX_BASE_PROCESS_MEMORY_H_

#include <cstdint>

namespace ptx {

// The peak resident set size of this process so far, in bytes (Linux VmHWM from
// /proc/self/status; getrusage's ru_maxrss when that cannot be read). 0 when neither is available.
uint64_t peak_rss_bytes();

// Starts a new peak: afterwards peak_rss_bytes() reports the peak since this call (Linux: writes
// "5" to /proc/self/clear_refs, which sets VmHWM to the current RSS). Returns false when the
// kernel does not allow it (the peak then stays that of the whole process).
bool reset_peak_rss();

// Makes every allocation of 128 KiB or more a mapping of its own, unmapped when freed (glibc's
// M_MMAP_THRESHOLD, fixed). glibc raises that threshold, up to 32 MiB, after such a block is
// freed; a run that frees large blocks as it goes (the streamed workload's, run/'s buffers) then
// keeps them in its heap, and its peak RSS holds them beside the engine's tables. Call it first
// thing in main (the ptx binary, the benchmarks). Returns false when the allocator refuses.
bool release_large_blocks_when_freed();

}  // namespace ptx

#endif  // PTX_BASE_PROCESS_MEMORY_H_
