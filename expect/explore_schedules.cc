// SPDX-License-Identifier: BSD-2-Clause
#include "expect/explore_schedules.h"

#include <set>

#include <fmt/format.h>

#include "expect/transactional.h"
#include "schedule/schedule_search.h"

namespace ptx {

namespace {

constexpr size_t kMaxThreads = 3;  // plus the setup's tid 0: casemate's four CPUs

// One schedule: a fresh recorder, setup, the threads under the scheduler; "" or the failure (""
// unless `checked`).
std::string run_one(const std::vector<std::function<void(Recorder&)>>& threads, const ScheduleExploreOptions& o,
                    schedule::ScheduleStrategy* strategy, bool checked, schedule::ScheduleOutcome* outcome) {
  schedule::Scheduler scheduler(strategy, o.step_bound);
  Recorder::Options ro = o.recorder;
  ro.gate = &scheduler;
  Recorder rec(ro);
  if (o.setup) o.setup(rec);
  std::vector<std::function<void(uint32_t)>> bodies;
  for (const std::function<void(Recorder&)>& t : threads) bodies.push_back([&t, &rec](uint32_t) { t(rec); });
  *outcome = scheduler.run(bodies);
  if (!checked) return "";
  if (outcome->deadlock) return fmt::format("deadlock at step {}: every thread waits at a lock", outcome->deadlock_step);
  if (outcome->livelock) return fmt::format("livelock: past {} steps", o.step_bound);
  const ::testing::AssertionResult r = o.allow_transient_faults
                                           ? expect::IsTransactionalExceptTransientFaults("recorder", rec)
                                           : expect::IsTransactional("recorder", rec);
  return r ? "" : r.message();
}

Status check_threads(const std::vector<std::function<void(Recorder&)>>& threads) {
  if (threads.empty() || threads.size() > kMaxThreads) {
    return bad_input("explore_schedules: {} threads; 1..3 (with the setup's, the four CPUs a trace names)",
                     threads.size());
  }
  return ok_status();
}

// Tallies one schedule into *r.
void tally(const schedule::ScheduleOutcome& outcome, const std::string& failure, std::set<uint64_t>* traces,
           ScheduleExploreResult* r) {
  ++r->schedules;
  traces->insert(outcome.trace_hash);
  r->distinct_traces = traces->size();
  if (failure.empty()) return;
  if (r->failing++ == 0) {
    r->first_failing = schedule::schedule_id(outcome.switches);
    r->message = fmt::format("schedule {} (replay: options.replay = \"{}\"):\n{}", r->first_failing,
                             r->first_failing, failure);
  }
}

schedule::SearchOptions search_options(const ScheduleExploreOptions& o) {
  schedule::SearchOptions s;
  s.strategy = o.strategy == ScheduleExploreOptions::Strategy::kBounded ? schedule::SearchOptions::Strategy::kBounded
                                                                         : schedule::SearchOptions::Strategy::kPct;
  s.schedules = o.schedules;
  s.depth = o.depth;
  s.preemptions = o.preemptions;
  s.sleep_sets = o.sleep_sets;
  s.seed = o.seed;
  return s;
}

}  // namespace

ScheduleExploreResult explore_schedules(const std::vector<std::function<void(Recorder&)>>& threads,
                                        const ScheduleExploreOptions& o) {
  ScheduleExploreResult r;
  r.status = check_threads(threads);
  if (!r.status.ok()) return r;
  const uint32_t n = static_cast<uint32_t>(threads.size());
  schedule::SearchOptions so = search_options(o);
  if (o.replay) {
    StatusOr<std::vector<schedule::ScheduleSwitch>> s = schedule::parse_schedule_id(*o.replay, n);
    if (!s.ok()) return r.status = s.status(), r;
    so.replay = *s;
  }
  std::set<uint64_t> traces;
  schedule::ScheduleOutcome outcome;
  std::string failure;  // the schedule just run's
  const schedule::RunSchedule run = [&](schedule::ScheduleStrategy* strategy,
                                        bool checked) -> StatusOr<schedule::ScheduleOutcome> {
    failure = run_one(threads, o, strategy, checked, &outcome);
    return outcome;
  };
  StatusOr<schedule::SearchCounts> counts = schedule::search_schedules(
      so, run, [&](uint64_t) { tally(outcome, failure, &traces, &r); }, nullptr, n);
  if (!counts.ok()) r.status = counts.status();
  return r;
}

}  // namespace ptx
