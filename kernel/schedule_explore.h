// SPDX-License-Identifier: BSD-2-Clause
// explore_kernel_schedules: `ptx schedules`. Runs a scenario (scenario.h) on a kernel engine
// again and again, each time under the controlled scheduler (scheduler.h) with another schedule,
// and checks every schedule's events with the whole pipeline of a kernel run (kernel_run.h): the
// Transactional Page Table condition per critical section (EventChecker, with groups of
// overlapping shared sections), the TLB verdicts (with `tlb`), the code's WARN_ONs (kernel-warn),
// shared-entry, and the findings only schedules expose:
//   walk-after-free  an entry access to a table page freed before (the recorder's, scheduled runs
//                    keep freed pages unused so that a stale pointer finds them free);
//   double-free      a table page's reference dropped after it was freed;
//   lost-update      the final table matches no serial order of the threads' calls (each thread's
//                    calls in order, the reference map of reference_map.h applied in that order
//                    over the scenario's IPAs): some call's effect is gone with no call undoing it;
//   deadlock         no thread may run and some have not ended (the step where it happened);
//   livelock         the schedule ran past `step_bound` steps.
// Each finding belongs to a signature (report/signature.h); signatures are kept across schedules
// with the number of schedules that show them and the first schedule's id (replay it with
// `replay`). Every schedule is a fresh VM: its setup calls, then the threads. SIGINT / SIGTERM
// (base/interrupt.h) end the exploration after the schedule running.
#ifndef PTX_KERNEL_SCHEDULE_EXPLORE_H_
#define PTX_KERNEL_SCHEDULE_EXPLORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "explorer/mapping.h"
#include "kernel/engines.h"
#include "kernel/recorder.h"
#include "kernel/scenario.h"
#include "schedule/schedule_search.h"
#include "schedule/scheduler.h"
#include "report/signature.h"

namespace ptx::kernel {

using schedule::ScheduleSwitch;

// The search strategy (schedule/schedule_search.h): kPct or kBounded.
using StrategyKind = schedule::SearchOptions::Strategy;

struct ScheduleOptions {
  StrategyKind strategy = StrategyKind::kPct;
  uint64_t schedules = 1000;   // pct: schedules to run; bounded: at most this many
  uint32_t depth = 3;          // pct: the bug depth d (>= 1)
  uint32_t preemptions = 2;    // bounded: the preemption bound
  bool sleep_sets = true;      // bounded: partial-order reduction
  uint64_t seed = 1;           // pct
  std::optional<std::vector<ScheduleSwitch>> replay;  // run this one schedule only
  uint32_t features = kDefaultCpuFeatures;
  bool tlb = true;
  // false: the schedules run but nothing is checked (the scheduler's and the code's cost alone,
  // bench/bench_schedules.cc); the summary then has traces and no outcomes.
  bool check = true;
  // What a walk's before / after must match: the translation by default (a page descriptor and the
  // block holding the same page translate alike), or the descriptor (Coq's pt_map value).
  CompareMode compare = CompareMode::kTranslation;
  uint64_t step_bound = 100000;
  // Shard `shard` of `shards` (schedule_report.h): schedule n is this shard's when n % shards ==
  // shard. REQUIRES: shard < shards.
  uint32_t shard = 0, shards = 1;
  // Called after each schedule with the number run so far (may be empty).
  std::function<void(uint64_t)> on_progress;
  // Called with each schedule's id and events (may be empty): --trace writes the replayed one.
  std::function<Status(const std::string& id, const EventLog& log)> on_events;
};

struct ScheduleSignature {
  std::string id;               // the signature key's id (report/signature.h)
  std::string key;              // its text
  std::string verdict;          // as tables print it: "shared-entry", "stale-mapping (no-tlbi)"
  tlb::Severity severity = tlb::Severity::kError;
  uint64_t schedules = 0;       // schedules that show it
  uint64_t occurrences = 0;
  std::string first_schedule;   // the id of the first (in exploration order) schedule that shows it
  uint64_t first_index = 0;     // that schedule's number in the exploration (0-based)
  std::string detail, src;      // the first occurrence's
};

struct ScheduleSummary {
  uint64_t schedules = 0;        // run (shards: this shard's)
  uint64_t distinct_traces = 0;  // by the hash of the access order
  uint64_t pruned = 0;           // bounded: picks sleep sets skipped
  uint64_t repeats = 0;          // bounded: runs that ended in a sleep-set-blocked state
  uint64_t outcomes = 0;         // distinct (final table, signature set) pairs
  uint64_t max_steps = 0;
  bool complete = false;         // bounded: every schedule within the bound ran
  int interrupted = 0;           // SIGINT / SIGTERM stopped the exploration (figures so far)
  std::vector<ScheduleSignature> signatures;  // in order of first appearance
  uint64_t errors = 0, warnings = 0;          // signatures by severity (transient-fault and
                                              // stale-permission are warnings)
  std::vector<uint64_t> outcome_hashes;       // sorted, distinct (for tests and merges)
  std::vector<uint64_t> trace_hashes;         // sorted, distinct
};

// Errors: kBadInput when the engine has no call the scenario makes (split before 6.5) or a
// scenario has more threads than 4; the KernelVm's (out of table pages); the checker's.
StatusOr<ScheduleSummary> explore_kernel_schedules(const KernelEngine& engine, const Scenario& scenario,
                                                   const ScheduleOptions& options);

}  // namespace ptx::kernel

#endif  // PTX_KERNEL_SCHEDULE_EXPLORE_H_
