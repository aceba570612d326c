// SPDX-License-Identifier: BSD-2-Clause
#include "expect/explore_schedules.h"

#include <set>

#include <fmt/format.h>

#include "expect/transactional.h"
#include "schedule/schedule_strategies.h"

namespace ptx {

namespace {

constexpr size_t kMaxThreads = 3;  // plus the setup's tid 0: casemate's four CPUs

// One schedule: a fresh recorder, setup, the threads under the scheduler; "" or the failure.
std::string run_one(const std::vector<std::function<void(Recorder&)>>& threads, const ScheduleExploreOptions& o,
                    schedule::ScheduleStrategy* strategy, schedule::ScheduleOutcome* outcome) {
  schedule::Scheduler scheduler(strategy, o.step_bound);
  Recorder::Options ro = o.recorder;
  ro.gate = &scheduler;
  Recorder rec(ro);
  if (o.setup) o.setup(rec);
  std::vector<std::function<void(uint32_t)>> bodies;
  for (const std::function<void(Recorder&)>& t : threads) bodies.push_back([&t, &rec](uint32_t) { t(rec); });
  *outcome = scheduler.run(bodies);
  if (outcome->deadlock) return fmt::format("deadlock at step {}: every thread waits at a lock", outcome->deadlock_step);
  if (outcome->livelock) return fmt::format("livelock: past {} steps", o.step_bound);
  const ::testing::AssertionResult r = o.allow_transient_faults
                                           ? expect::IsTransactionalExceptTransientFaults("recorder", rec)
                                           : expect::IsTransactional("recorder", rec);
  return r ? "" : r.message();
}

Status check_options(const std::vector<std::function<void(Recorder&)>>& threads, const ScheduleExploreOptions& o) {
  if (threads.empty() || threads.size() > kMaxThreads) {
    return bad_input("explore_schedules: {} threads; 1..3 (with the setup's, the four CPUs a trace names)",
                     threads.size());
  }
  if (o.depth == 0) return bad_input("explore_schedules: depth 0; PCT's bug depth is 1 or more");
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

}  // namespace

ScheduleExploreResult explore_schedules(const std::vector<std::function<void(Recorder&)>>& threads,
                                        const ScheduleExploreOptions& o) {
  ScheduleExploreResult r;
  r.status = check_options(threads, o);
  if (!r.status.ok()) return r;
  std::set<uint64_t> traces;
  schedule::ScheduleOutcome outcome;
  if (o.replay) {
    StatusOr<std::vector<schedule::ScheduleSwitch>> s =
        schedule::parse_schedule_id(*o.replay, static_cast<uint32_t>(threads.size()));
    if (!s.ok()) return r.status = s.status(), r;
    schedule::ReplayStrategy replay(*s);
    const std::string failure = run_one(threads, o, &replay, &outcome);
    tally(outcome, failure, &traces, &r);
    return r;
  }
  if (o.strategy == ScheduleExploreOptions::Strategy::kBounded) {
    schedule::BoundedSearch search(o.preemptions, o.sleep_sets);
    for (uint64_t n = 0; n < o.schedules; ++n) {
      const std::string failure = run_one(threads, o, search.strategy(), &outcome);
      if (!search.repeat()) tally(outcome, failure, &traces, &r);
      if (!search.advance()) break;
    }
    return r;
  }
  schedule::ReplayStrategy first({});  // the default schedule: its length is PCT's k
  (void)run_one(threads, o, &first, &outcome);
  const uint64_t k = outcome.steps;
  for (uint64_t i = 0; i < o.schedules; ++i) {
    schedule::PctStrategy pct(o.seed, i, static_cast<uint32_t>(threads.size()), o.depth, k);
    const std::string failure = run_one(threads, o, &pct, &outcome);
    tally(outcome, failure, &traces, &r);
  }
  return r;
}

}  // namespace ptx
