// SPDX-License-Identifier: BSD-2-Clause
#include "schedule/schedule_search.h"

#include "base/interrupt.h"
#include "schedule/schedule_strategies.h"

namespace ptx::schedule {

namespace {

Status search_bounded(const SearchOptions& o, const RunSchedule& run, const TakeSchedule& take,
                      const std::function<void()>& ran, SearchCounts* counts) {
  BoundedSearch search(o.preemptions, o.sleep_sets);
  uint64_t index = 0;  // schedules that are not repeats, in search order
  for (uint64_t n = 0; n < o.schedules && !interrupted(); ++n) {
    // Whether a run is a repeat is known only after it, so an unchecked repeat costs nothing more.
    const bool mine = index % o.shards == o.shard;
    PTX_RETURN_IF_ERROR(run(search.strategy(), mine).status());
    if (search.repeat()) {
      ++counts->repeats;
    } else if (index++ % o.shards == o.shard) {
      take(index - 1);
    }
    if (ran) ran();
    if (!search.advance()) {
      counts->complete = true;
      break;
    }
  }
  counts->pruned = search.pruned();
  return ok_status();
}

Status search_pct(const SearchOptions& o, const RunSchedule& run, const TakeSchedule& take,
                  const std::function<void()>& ran, uint32_t threads) {
  ReplayStrategy first({});  // the default schedule: its length is PCT's estimate k
  PTX_ASSIGN_OR_RETURN(const ScheduleOutcome estimate, run(&first, false));
  for (uint64_t i = o.shard; i < o.schedules && !interrupted(); i += o.shards) {
    PctStrategy pct(o.seed, i, threads, o.depth, estimate.steps);
    PTX_RETURN_IF_ERROR(run(&pct, true).status());
    take(i);
    if (ran) ran();
  }
  return ok_status();
}

}  // namespace

StatusOr<SearchCounts> search_schedules(const SearchOptions& o, const RunSchedule& run, const TakeSchedule& take,
                                        const std::function<void()>& ran, uint32_t threads) {
  if (o.depth == 0) return bad_input("depth 0: PCT's bug depth is 1 or more");
  if (o.shards == 0 || o.shard >= o.shards) {
    return bad_input("--shard {}/{}: shard I of N needs I < N", o.shard, o.shards);
  }
  SearchCounts counts;
  if (o.replay) {
    ReplayStrategy replay(*o.replay);
    PTX_RETURN_IF_ERROR(run(&replay, true).status());
    take(0);
    return counts;
  }
  if (o.strategy == SearchOptions::Strategy::kBounded) {
    PTX_RETURN_IF_ERROR(search_bounded(o, run, take, ran, &counts));
  } else {
    PTX_RETURN_IF_ERROR(search_pct(o, run, take, ran, threads));
  }
  return counts;
}

}  // namespace ptx::schedule
