// SPDX-License-Identifier: BSD-2-Clause
// search_schedules: the loop that runs one schedule after another with a strategy
// (schedule_strategies.h), shared by both explorations: a kernel engine's scenario
// (kernel/schedule_explore.h, `ptx schedules`) and a user's Recorder threads
// (expect/explore_schedules.h). The caller runs each schedule and keeps what it shows; the loop
// picks the strategies, counts, shards and stops:
//   * replay: the one schedule of the given switches;
//   * pct: first the default schedule, unchecked, whose length is PCT's estimate k, then
//     schedules shard, shard + shards, ... below `schedules`, each PctStrategy(seed, index);
//   * bounded: BoundedSearch runs until complete or `schedules` runs; every shard runs every
//     schedule (the depth-first search needs them) and checks the schedules that are not repeats
//     and whose number (in search order, repeats not counted) is its own modulo `shards`.
// SIGINT / SIGTERM (base/interrupt.h) stop the loop after the schedule running.
#ifndef PTX_SCHEDULE_SCHEDULE_SEARCH_H_
#define PTX_SCHEDULE_SCHEDULE_SEARCH_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "base/status.h"
#include "schedule/scheduler.h"

namespace ptx::schedule {

struct SearchOptions {
  enum class Strategy : uint8_t { kPct, kBounded };
  Strategy strategy = Strategy::kPct;
  uint64_t schedules = 1000;   // pct: schedules; bounded: runs at most
  uint32_t depth = 3;          // pct: bug depth (>= 1)
  uint32_t preemptions = 2;    // bounded
  bool sleep_sets = true;      // bounded
  uint64_t seed = 1;           // pct
  uint32_t shard = 0, shards = 1;
  std::optional<std::vector<ScheduleSwitch>> replay;
};

struct SearchCounts {
  uint64_t pruned = 0, repeats = 0;  // bounded: picks sleep sets skipped; runs that were repeats
  bool complete = false;             // bounded: every schedule within the bound ran
};

// Runs one schedule with `strategy` (checking it when `checked`) and returns its outcome.
using RunSchedule = std::function<StatusOr<ScheduleOutcome>(ScheduleStrategy* strategy, bool checked)>;
// Keeps the schedule just run, number `index` in the exploration (checked, this shard's).
using TakeSchedule = std::function<void(uint64_t index)>;

// Errors: kBadInput for depth 0 or shard >= shards (naming them); the first error of `run`.
// `ran` (may be empty) is called after each run of the search (not PCT's estimate).
StatusOr<SearchCounts> search_schedules(const SearchOptions& o, const RunSchedule& run, const TakeSchedule& take,
                                        const std::function<void()>& ran, uint32_t threads);

}  // namespace ptx::schedule

#endif  // PTX_SCHEDULE_SCHEDULE_SEARCH_H_
