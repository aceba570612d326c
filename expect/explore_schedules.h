// SPDX-License-Identifier: BSD-2-Clause
// explore_schedules: a user's own page-table code, instrumented with Recorder calls
// (armcheck/recorder.h), run under ptx's controlled scheduler (schedule/scheduler.h) in many
// thread schedules, each checked as EXPECT_TRANSACTIONAL checks one recording. The threads switch
// only at Recorder calls (a write, a lock, a barrier, a TLBI, ...), so the code between two calls
// runs as one step; lock() is the lock (a thread's lock call returns when no other thread holds
// it), so the user's code takes no real lock of its own under the scheduler.
//
//   ptx::ScheduleExploreOptions o;
//   o.setup = [&](ptx::Recorder& rec) { reset_my_tables(&rec); };   // alone, each schedule
//   const ptx::ScheduleExploreResult r = ptx::explore_schedules(
//       {[&](ptx::Recorder& rec) { my_map(0x200000, &rec); },        // thread 0
//        [&](ptx::Recorder& rec) { my_map(0x201000, &rec); }}, o);   // thread 1
//   EXPECT_TRUE(r.ok()) << r.message;                                 // names the schedule
//
// Each schedule gets a fresh Recorder (options.recorder, with the scheduler's gate) on which
// setup runs, on the calling thread (tid 0 in its trace), then the threads (tids 1, 2, ...: at most
// three, casemate traces name four CPUs). The user's state must be reset by setup: a schedule
// must not depend on the one before. A failing schedule's id replays it (options.replay).
#ifndef PTX_EXPECT_EXPLORE_SCHEDULES_H_
#define PTX_EXPECT_EXPLORE_SCHEDULES_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "armcheck/recorder.h"

namespace ptx {

struct ScheduleExploreOptions {
  enum class Strategy : uint8_t { kPct, kBounded };
  Strategy strategy = Strategy::kPct;  // schedule/schedule_strategies.h
  uint64_t schedules = 1000;           // pct: how many; bounded: at most
  uint32_t depth = 3;                  // pct: bug depth (>= 1)
  uint32_t preemptions = 2;            // bounded: the bound
  bool sleep_sets = true;              // bounded: partial-order reduction
  uint64_t seed = 1;                   // pct
  uint64_t step_bound = 100000;        // a schedule longer than this is a livelock
  bool allow_transient_faults = false;  // as EXPECT_TRANSACTIONAL_EXCEPT_TRANSIENT_FAULTS
  std::optional<std::string> replay;   // run this schedule id only
  Recorder::Options recorder;          // each schedule's recorder (its gate is set here)
  std::function<void(Recorder&)> setup;  // runs first, alone, each schedule (may be empty)
};

struct ScheduleExploreResult {
  uint64_t schedules = 0;        // run
  uint64_t distinct_traces = 0;  // by the hash of the access order
  uint64_t failing = 0;          // schedules whose check failed (or deadlocked, livelocked)
  std::string first_failing;     // the first one's id ("" when none)
  std::string message;           // its failure, as EXPECT_TRANSACTIONAL prints it, with the id
  Status status;                 // a bad option (kBadInput), else OK
  bool ok() const { return status.ok() && failing == 0; }
};

// Runs `threads` (1..3) in options.schedules schedules (schedule/schedule_search.h). Errors (in
// status): kBadInput for no thread or more than three, depth 0, a replay id that does not parse.
ScheduleExploreResult explore_schedules(const std::vector<std::function<void(Recorder&)>>& threads,
                                        const ScheduleExploreOptions& options);

}  // namespace ptx

#endif  // PTX_EXPECT_EXPLORE_SCHEDULES_H_
