// SPDX-License-Identifier: BSD-2-Clause
// explore_schedules (expect/explore_schedules.h): a user's Recorder-instrumented threads under the
// controlled scheduler. Writers under one lock pass in every schedule; a check-then-act race that
// only some interleavings show is found (bounded search and PCT) and not in the serial schedules,
// and its id replays it; bad options are refused.
#include "expect/explore_schedules.h"

#include <gtest/gtest.h>

#include "tests/expect/four_levels.h"

namespace ptx {
namespace {

using test::build;
using test::kL3;
using test::kLock;
using test::kPage;

// Maps page `i` of the last table under `lock`, break-before-make style (a barrier after it).
std::function<void(Recorder&)> mapper(int i, uint64_t lock) {
  return [i, lock](Recorder& rec) {
    rec.lock(lock);
    rec.write(kL3 + 8 * static_cast<uint64_t>(i), kPage + 0x1000 * static_cast<uint64_t>(i));
    rec.barrier();
    rec.unlock(lock);
  };
}

// A user's check-then-act race. The mapper maps page 1 of the table in one write. The updater
// first reads its own flag (is page 1 mapped?) after a barrier, outside the lock: when it is, it
// remaps it in two writes, new permissions first then the new page (a torn update: a walk may see
// the old page with the new permissions); when not, it maps it in one write. Run serially with the
// updater first (the default schedule) it never sees the page mapped; the mapper must run first,
// or between the updater's barrier and its lock. Every schedule writes page 1 twice without a
// break (one thread's map over the other's), a TLB conflict: these tests are about the race in
// the transactional check, so their recorders turn the TLB verdicts off (Recorder::Options::tlb).
struct Race {
  bool mapped = false;
  std::function<void(Recorder&)> mapper() {
    return [this](Recorder& rec) {
      rec.lock(kLock);
      rec.write(kL3 + 8, kPage + 0x1000, "map.c:10");
      mapped = true;
      rec.unlock(kLock);
    };
  }
  std::function<void(Recorder&)> updater() {
    return [this](Recorder& rec) {
      rec.barrier("upd.c:5");
      const bool seen = mapped;
      rec.lock(kLock);
      if (seen) rec.write(kL3 + 8, (kPage + 0x1000) & ~uint64_t{0x80}, "upd.c:20");  // read-only first
      rec.write(kL3 + 8, kPage + 0x5000, "upd.c:21");
      rec.unlock(kLock);
    };
  }
  std::vector<std::function<void(Recorder&)>> threads() { return {updater(), mapper()}; }
};

ScheduleExploreOptions bounded(uint32_t preemptions) {
  ScheduleExploreOptions o;
  o.strategy = ScheduleExploreOptions::Strategy::kBounded;
  o.preemptions = preemptions;
  o.setup = build;
  return o;
}

TEST(ExploreSchedules, WritersUnderOneLockPassInEverySchedule) {
  ScheduleExploreOptions o = bounded(3);
  o.sleep_sets = false;
  const ScheduleExploreResult full = explore_schedules({mapper(1, kLock), mapper(2, kLock)}, o);
  EXPECT_TRUE(full.ok()) << full.message << full.status.to_string();
  EXPECT_GT(full.schedules, 2u);
  EXPECT_GT(full.distinct_traces, 1u);
  o.sleep_sets = true;  // the writes are to different entries: fewer schedules, the same verdict
  const ScheduleExploreResult reduced = explore_schedules({mapper(1, kLock), mapper(2, kLock)}, o);
  EXPECT_TRUE(reduced.ok()) << reduced.message;
  EXPECT_LE(reduced.schedules, full.schedules);
}

TEST(ExploreSchedules, ARaceOnlyInterleavingsShowIsFoundAndReplayed) {
  Race race;
  ScheduleExploreOptions o = bounded(1);
  o.setup = [&](Recorder& rec) { build(rec), race.mapped = false; };
  o.recorder.tlb = false;
  ScheduleExploreOptions serial = o;
  serial.replay = "0";  // the default schedule: the updater runs first, alone
  const ScheduleExploreResult none = explore_schedules(race.threads(), serial);
  EXPECT_EQ(none.schedules, 1u);
  EXPECT_EQ(none.failing, 0u) << none.message;
  const ScheduleExploreResult r = explore_schedules(race.threads(), o);
  ASSERT_GT(r.failing, 0u) << "no schedule let the mapper run between the updater's check and its lock";
  EXPECT_LT(r.failing, r.schedules);
  EXPECT_NE(r.message.find("schedule " + r.first_failing), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("upd.c:20"), std::string::npos) << r.message;
  o.replay = r.first_failing;
  const ScheduleExploreResult again = explore_schedules(race.threads(), o);
  EXPECT_EQ(again.schedules, 1u);
  EXPECT_EQ(again.failing, 1u) << again.message;
}

TEST(ExploreSchedules, PctFindsItToo) {
  Race race;
  ScheduleExploreOptions o;
  o.setup = [&](Recorder& rec) { build(rec), race.mapped = false; };
  o.recorder.tlb = false;
  o.schedules = 100;
  const ScheduleExploreResult r = explore_schedules(race.threads(), o);
  EXPECT_EQ(r.schedules, 100u);
  EXPECT_GT(r.failing, 0u);
  EXPECT_LT(r.failing, 100u);
}

TEST(ExploreSchedules, BadOptionsAreBadInput) {
  ScheduleExploreOptions o;
  EXPECT_EQ(explore_schedules({}, o).status.code(), StatusCode::kBadInput);
  EXPECT_EQ(explore_schedules({mapper(1, kLock), mapper(2, kLock), mapper(3, kLock), mapper(4, kLock)}, o).status.code(),
            StatusCode::kBadInput);
  o.replay = "1.7";
  EXPECT_EQ(explore_schedules({mapper(1, kLock)}, o).status.code(), StatusCode::kBadInput);
}

}  // namespace
}  // namespace ptx
