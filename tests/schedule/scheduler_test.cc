// SPDX-License-Identifier: BSD-2-Clause
// The controlled scheduler (kernel/scheduler.h) and its strategies, with bodies that pass its gate
// themselves: one thread at a time, the default and the switches, the lock model, deadlock and
// livelock, ids, replay, PCT's determinism and the bounded search's counts with and without sleep
// sets.
#include "schedule/scheduler.h"

#include <gtest/gtest.h>

#include <set>

#include "schedule/schedule_strategies.h"

namespace ptx::schedule {
namespace {

// Bodies that each make `steps` accesses (entry writes to word `base + t * stride`), appending
// their tid to a shared log at each (only the running thread touches it).
struct Toy {
  std::vector<uint32_t> log;
  std::vector<std::function<void(uint32_t)>> bodies(Scheduler& s, uint32_t threads, int steps, uint64_t stride) {
    std::vector<std::function<void(uint32_t)>> out;
    for (uint32_t t = 0; t < threads; ++t) {
      out.push_back([this, &s, steps, stride](uint32_t tid) {
        for (int i = 0; i < steps; ++i) {
          s.at(HookPoint{HookPoint::kWrite, false, 0x1000 + tid * stride});
          log.push_back(tid);
        }
      });
    }
    return out;
  }
};

TEST(Scheduler, TheDefaultRunsEachThreadToItsEnd) {
  ReplayStrategy none({});
  Scheduler s(&none, 1000);
  Toy toy;
  const ScheduleOutcome o = s.run(toy.bodies(s, 3, 4, 8));
  EXPECT_EQ(toy.log, (std::vector<uint32_t>{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}));
  EXPECT_TRUE(o.switches.empty());
  EXPECT_EQ(schedule_id(o.switches), "0");
  EXPECT_FALSE(o.deadlock || o.livelock);
}

TEST(Scheduler, ASwitchRunsTheOtherThreadAndReplaysExactly) {
  ReplayStrategy sw({{2, 1}});
  Scheduler s(&sw, 1000);
  Toy toy;
  const ScheduleOutcome o = s.run(toy.bodies(s, 2, 3, 8));
  // step 0 starts thread 0; its first gate is step 1 (default: go on), at step 2 thread 1 runs.
  EXPECT_EQ(toy.log, (std::vector<uint32_t>{0, 1, 1, 1, 0, 0}));
  EXPECT_EQ(schedule_id(o.switches), "2.1");
  StatusOr<std::vector<ScheduleSwitch>> back = parse_schedule_id(schedule_id(o.switches), 2);
  ASSERT_TRUE(back.ok());
  ReplayStrategy again(*back);
  Scheduler s2(&again, 1000);
  Toy toy2;
  const ScheduleOutcome o2 = s2.run(toy2.bodies(s2, 2, 3, 8));
  EXPECT_EQ(toy2.log, toy.log);
  EXPECT_EQ(o2.trace_hash, o.trace_hash);
}

TEST(Scheduler, BadIdsAreBadInput) {
  for (const char* id : {"", "1", "1.", ".1", "1.2", "3.0-2.1", "a.b", "1.0--2.1"}) {
    EXPECT_EQ(parse_schedule_id(id, 2).status().code(), StatusCode::kBadInput) << id;
  }
  EXPECT_TRUE(parse_schedule_id("0", 2).ok());
  EXPECT_TRUE(parse_schedule_id("1.1-7.0", 2).ok());
}

TEST(Scheduler, AThreadWaitsForTheLockAndADeadlockIsNoted) {
  ReplayStrategy sw({{2, 1}});  // thread 0 takes the lock, then thread 1 is picked
  Scheduler s(&sw, 1000);
  std::vector<std::string> log;
  std::vector<std::function<void(uint32_t)>> bodies = {
      [&](uint32_t) {
        s.at(HookPoint{HookPoint::kLock, false, 1});
        log.push_back("0 locked");
        s.at(HookPoint{HookPoint::kWrite, false, 8});
        log.push_back("0 wrote");
        s.at(HookPoint{HookPoint::kUnlock, false, 1});
        log.push_back("0 unlocked");
      },
      [&](uint32_t) {
        s.at(HookPoint{HookPoint::kLock, true, 1});
        log.push_back("1 locked");
      }};
  const ScheduleOutcome o = s.run(bodies);
  // Thread 1 was picked at step 2 but waits at the lock thread 0 holds: thread 0 goes on.
  EXPECT_EQ(log, (std::vector<std::string>{"0 locked", "0 wrote", "0 unlocked", "1 locked"}));
  EXPECT_FALSE(o.deadlock);

  ReplayStrategy none({});
  Scheduler d(&none, 1000);
  std::vector<std::function<void(uint32_t)>> stuck = {
      [&](uint32_t) { d.at(HookPoint{HookPoint::kLock, false, 1}); },  // ends holding it
      [&](uint32_t) { d.at(HookPoint{HookPoint::kLock, false, 1}); }};
  const ScheduleOutcome od = d.run(stuck);
  EXPECT_TRUE(od.deadlock);
}

TEST(Scheduler, PastTheStepBoundASpinIsALivelockAndEnds) {
  ReplayStrategy none({});
  Scheduler s(&none, 50);
  bool go = false;
  std::vector<std::function<void(uint32_t)>> bodies = {
      [&](uint32_t) {
        while (!go) s.at(HookPoint{HookPoint::kRead, false, 8});  // spins without yielding
      },
      [&](uint32_t) {
        s.at(HookPoint{HookPoint::kWrite, false, 8});
        go = true;
      }};
  const ScheduleOutcome o = s.run(bodies);
  EXPECT_TRUE(o.livelock);
  EXPECT_TRUE(go);
}

TEST(Scheduler, AYieldGivesTheTurnAway) {
  ReplayStrategy none({});
  Scheduler s(&none, 1000);
  bool go = false;
  int spins = 0;
  std::vector<std::function<void(uint32_t)>> bodies = {
      [&](uint32_t) {
        while (!go) {
          ++spins;
          s.at(HookPoint{HookPoint::kYield, false, 0});
        }
      },
      [&](uint32_t) {
        s.at(HookPoint{HookPoint::kWrite, false, 8});
        go = true;
      }};
  const ScheduleOutcome o = s.run(bodies);
  EXPECT_FALSE(o.livelock);
  EXPECT_EQ(spins, 1);
}

TEST(Pct, TheSameSeedAndIndexGiveTheSameSchedule) {
  std::set<std::string> ids;
  for (uint64_t i = 0; i < 20; ++i) {
    std::string first;
    for (int twice = 0; twice < 2; ++twice) {
      PctStrategy pct(7, i, 3, 3, 30);
      Scheduler s(&pct, 1000);
      Toy toy;
      const std::string id = schedule_id(s.run(toy.bodies(s, 3, 10, 8)).switches);
      if (twice == 0) first = id;
      EXPECT_EQ(id, first);
    }
    ids.insert(first);
  }
  EXPECT_GT(ids.size(), 5u);  // the indexes give different schedules
}

// Runs the bounded search over the toy bodies; returns (schedules, distinct logs).
std::pair<uint64_t, std::set<std::vector<uint32_t>>> bounded(uint32_t k, bool sleep, uint64_t stride,
                                                             uint64_t* pruned) {
  BoundedSearch search(k, sleep);
  uint64_t n = 0;
  std::set<std::vector<uint32_t>> logs;
  do {
    Scheduler s(search.strategy(), 1000);
    Toy toy;
    s.run(toy.bodies(s, 2, 3, stride));
    if (!search.repeat()) {
      ++n;
      logs.insert(toy.log);
    }
  } while (search.advance());
  *pruned = search.pruned();
  return {n, logs};
}

TEST(BoundedSearch, WithoutReductionEveryScheduleWithinTheBoundRuns) {
  uint64_t pruned = 0;
  // Two threads of 3 accesses: unbounded, C(6, 3) = 20 interleavings.
  const auto [n, logs] = bounded(10, false, 0, &pruned);
  EXPECT_EQ(logs.size(), 20u);
  EXPECT_GE(n, 20u);  // picks that differ only in which thread starts may give one log
  EXPECT_EQ(pruned, 0u);
  const auto [n0, logs0] = bounded(0, false, 0, &pruned);
  EXPECT_EQ(logs0.size(), 2u);  // no preemption: one thread, then the other (or the other first)
}

TEST(BoundedSearch, SleepSetsRunIndependentOrdersOnce) {
  uint64_t pruned = 0;
  // Different words: every interleaving is equivalent; sleep sets run far fewer.
  const auto [n, logs] = bounded(10, true, 8, &pruned);
  EXPECT_LT(n, 20u);
  EXPECT_GT(pruned, 0u);
  // The same word (all writes depend): nothing may be pruned, all 20 run.
  const auto [n2, logs2] = bounded(10, true, 0, &pruned);
  EXPECT_EQ(logs2.size(), 20u);
}

}  // namespace
}  // namespace ptx::schedule
