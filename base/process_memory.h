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

}  // namespace ptx

#endif  // PTX_BASE_PROCESS_MEMORY_H_
