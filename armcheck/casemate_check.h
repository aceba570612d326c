// SPDX-License-Identifier: BSD-2-Clause
// Checking a casemate trace file (`ptx check --format casemate TRACE`): the casemate reader
// (armtrace/casemate_reader.h) feeding an EventChecker (event_checker.h), record by record, so the
// trace is streamed: memory grows with the page tables it describes, not with its length.
#ifndef PTX_ARMCHECK_CASEMATE_CHECK_H_
#define PTX_ARMCHECK_CASEMATE_CHECK_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "armcheck/event_checker.h"
#include "base/status.h"

namespace ptx::armcheck {

// Does the text look like a casemate trace rather than a ptx trace? True when its first
// non-whitespace character is '(' (a record) or '!' (a verdict), false for '{' (a ptx trace's JSON
// header) or anything else. Reads at most 64 KiB of leading whitespace; leaves `in` at its start.
bool looks_like_casemate(std::istream& in);

struct CasemateRun {
  CheckResult result;
  std::vector<std::string> warnings;  // the reader's, e.g. records after the verdict line
};

// Reads and checks the trace in `in` named `name`. `progress` (may be empty) is called with the
// number of records checked so far, every 4096 records (from the thread that checks them). Errors:
// the reader's first error (kBadInput "TRACE:LINE:COL: what: rule"), the checker's, kIoError when
// the stream fails.
//
// `threads` >= 2: a thread of its own reads and parses batches of records while the calling
// thread folds them into the checker (two tbb::concurrent_bounded_queue pass the batches; the
// checker runs in a task_arena of `threads`, which explorations that run in parallel,
// ExploreOptions::parallel, use). The checker sees the same events
// in the same order, so the result is the same for every `threads`; at most kLiveBatches batches
// of kBatchRecords records are in memory at once, so memory stays bounded whatever the length.
inline constexpr size_t kBatchRecords = 2048;
inline constexpr size_t kLiveBatches = 4;
StatusOr<CasemateRun> check_casemate(std::istream& in, const std::string& name, const CheckOptions& options,
                                     const std::function<void(uint64_t)>& progress, unsigned threads = 1);

}  // namespace ptx::armcheck

#endif  // PTX_ARMCHECK_CASEMATE_CHECK_H_
