// SPDX-License-Identifier: BSD-2-Clause
// `ptx schedules` on Linux's code (kernel/schedule_explore.h): the built-in scenarios the
// unmodified code runs without an error (and the schedules that showed false ones), the cmpxchg-plain mutant found and replayed by its id,
// and partial-order reduction against the unreduced search (the same outcomes).
#include "kernel/schedule_explore.h"

#include <gtest/gtest.h>

#include "tests/kernel/kernel_util.h"
#include "tests/support/sanitized.h"

namespace ptx::kernel {
namespace {

ScheduleSummary explore(const KernelEngine& e, const std::string& scenario, const ScheduleOptions& o) {
  StatusOr<Scenario> s = find_scenario(scenario);
  EXPECT_TRUE(s.ok());
  StatusOr<ScheduleSummary> r = explore_kernel_schedules(e, *s, o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return r.ok() ? *r : ScheduleSummary{};
}

std::string errors_of(const ScheduleSummary& s) {
  std::string t;
  for (const ScheduleSignature& g : s.signatures) {
    if (g.severity == tlb::Severity::kError) t += g.key + " (" + g.first_schedule + "): " + g.detail + "\n";
  }
  return t;
}

// The scenarios the unmodified code runs without an error signature (warnings: transient faults of
// break-before-make, stale-permission of wrprotect's flush after the unlock), with the TLB pass.
void expect_no_error(const std::string& engine, const std::vector<std::string>& scenarios) {
  PTX_REQUIRE_ENGINE(e, engine);
  ScheduleOptions o;
  o.schedules = test::sanitized_cases(200);
  for (const std::string& name : scenarios) {
    const ScheduleSummary s = explore(*e, name, o);
    EXPECT_EQ(s.schedules, o.schedules) << name;
    EXPECT_GT(s.distinct_traces, 1u) << name;
    EXPECT_EQ(s.errors, 0u) << engine << " " << name << ":\n" << errors_of(s);
  }
}

TEST(Schedules, Linux612ScenariosHaveNoError) {
  expect_no_error("linux-6.12", {"same-page", "same-range", "block-and-page", "fault-vs-unmap", "relax-vs-wrprotect",
                                 "split-vs-fault", "age-vs-fault", "block-over-table"});
}

// The error signature `schedule` showed before the fix: none now (docs/schedules.md, "What is
// checked"): a walk that sees the block vCPU 0 installed in vCPU 1's tables before vCPU 1 replaced
// it sees the state at vCPU 0's commit (explorer/section_group.h); vCPU 0's read-unlock before
// vCPU 1 invalidates the block it broke is not the block's TLB deadline (tlb/tlb_pass.h).
void expect_replay_clean(const std::string& scenario, const std::string& schedule) {
  PTX_REQUIRE_ENGINE(e, "linux-6.12");
  StatusOr<std::vector<ScheduleSwitch>> id = schedule::parse_schedule_id(schedule, 2);
  ASSERT_TRUE(id.ok());
  ScheduleOptions o;
  o.replay = *id;
  const ScheduleSummary s = explore(*e, scenario, o);
  EXPECT_EQ(s.schedules, 1u);
  EXPECT_EQ(s.errors, 0u) << schedule << ":\n" << errors_of(s);
}

TEST(Schedules, BlockAndPageCommitStatesAreNotWrongTranslations) {
  expect_replay_clean("block-and-page", "0.1-54.0");  // two wrong-translation signatures before
  expect_replay_clean("block-and-page", "8.1-56.0");  // one
}

TEST(Schedules, AnotherThreadsUnlockIsNotTheTlbDeadline) {
  expect_replay_clean("block-and-page", "59.1-112.0");       // stale-mapping (no-tlbi) before
  expect_replay_clean("block-and-page", "59.1-116.0");       // (not-completed)
  expect_replay_clean("block-and-page", "0.1-66.0-119.1");   // (no-tlbi), of a page written into an unlinked table
  expect_replay_clean("block-over-table", "14.1-427.1");     // (no-tlbi)
  expect_replay_clean("block-over-table", "16.1-363.1");     // (not-completed)
  expect_replay_clean("block-over-table", "17.1-642.1");     // (no-stage1-tlbi)
}

// Was the TLB pass's last false positive (docs/schedules.md): vCPU 0 breaks the PMD table entry
// (the 2 MiB fault replaces a table by a block) and issues its range TLBI; before that TLBI
// completes, vCPU 1, still walking the old table, writes its page into it. A PE that held the old
// walk entry may cache that page through it, after the TLBI ran; but the TLBI covers the page's
// IPA too, and a PE can fill the page only through the walk entry the TLBI removes, so the page
// goes with it when the TLBI completes (tlb/tlb_pass.h; tests/tlb/data/page_after_range_tlbi.trace).
// It gave a tlb-conflict with the block and a stale-mapping (no-tlbi).
TEST(Schedules, PageCachedDuringARangeTlbiGoesWithIt) {
  expect_replay_clean("block-and-page", "0.1-62.0-118.1");
}

TEST(Schedules, Linux61ScenariosHaveNoError) {
  expect_no_error("linux-6.1", {"same-page", "same-range", "block-and-page", "fault-vs-unmap", "relax-vs-wrprotect",
                                "age-vs-fault", "block-over-table"});
}

TEST(Schedules, SplitIsRefusedOnLinux61) {
  PTX_REQUIRE_ENGINE(e, "linux-6.1");
  StatusOr<Scenario> s = find_scenario("split-vs-fault");
  ASSERT_TRUE(s.ok());
  const StatusOr<ScheduleSummary> r = explore_kernel_schedules(*e, *s, ScheduleOptions{});
  EXPECT_EQ(r.status().code(), StatusCode::kBadInput);
}

// The mutant stores with WRITE_ONCE where the code must cmpxchg: two vCPUs under the read lock
// both take one entry. PCT finds it, and its schedule id replays the same finding.
TEST(Schedules, CmpxchgPlainIsFoundAndItsScheduleReplays) {
  PTX_REQUIRE_ENGINE(e, "linux-6.12+cmpxchg-plain");
  ScheduleOptions o;
  o.schedules = 200;
  const ScheduleSummary s = explore(*e, "same-page", o);
  const ScheduleSignature* shared = nullptr;
  for (const ScheduleSignature& g : s.signatures) {
    if (g.verdict == "shared-entry") shared = &g;
  }
  ASSERT_NE(shared, nullptr) << errors_of(s);
  EXPECT_GT(s.errors, 0u);
  StatusOr<std::vector<ScheduleSwitch>> id = schedule::parse_schedule_id(shared->first_schedule, 2);
  ASSERT_TRUE(id.ok());
  ScheduleOptions replay;
  replay.replay = *id;
  size_t events = 0;
  replay.on_events = [&](const std::string& got, const EventLog& log) {
    EXPECT_EQ(got, shared->first_schedule);
    events = log.events.size();
    return ok_status();
  };
  const ScheduleSummary r = explore(*e, "same-page", replay);
  EXPECT_EQ(r.schedules, 1u);
  EXPECT_GT(events, 0u);
  bool again = false;
  for (const ScheduleSignature& g : r.signatures) again |= g.id == shared->id;
  EXPECT_TRUE(again) << "the replayed schedule does not show " << shared->id;
}

bool has_verdict(const ScheduleSummary& s, const std::string& verdict) {
  for (const ScheduleSignature& g : s.signatures) {
    if (g.verdict == verdict) return true;
  }
  return false;
}

// A mutant only schedules expose: PCT's first `schedules` schedules of `scenario` show `verdicts`.
void expect_found(const std::string& engine, const std::string& scenario, const std::vector<std::string>& verdicts) {
  PTX_REQUIRE_ENGINE(e, engine);
  ScheduleOptions o;
  o.schedules = 300;
  const ScheduleSummary s = explore(*e, scenario, o);
  for (const std::string& v : verdicts) EXPECT_TRUE(has_verdict(s, v)) << engine << ": no " << v << "\n" << errors_of(s);
}

// A table replaced by a block is freed at once, not after the RCU grace period: the other
// vCPU's shared walk, still inside it, reads a freed page (found in 1 schedule of 300).
TEST(Schedules, FreeNoRcuIsAWalkAfterFree) {
  expect_found("linux-6.12+free-no-rcu", "block-over-table", {"walk-after-free", "double-free"});
}

// A shared walk that loses the race for an entry returns success, not -EAGAIN: the fault is not
// retried and its page stays unmapped (found in 18 schedules of 300).
TEST(Schedules, EagainDroppedIsALostUpdate) { expect_found("linux-6.12+eagain-dropped", "same-range", {"lost-update"}); }

// Sleep sets skip schedules that only reorder independent accesses: the outcomes (final table and
// signatures) must be those of the unreduced search, with fewer schedules.
void expect_reduction_exact(const std::string& engine, const std::string& scenario) {
  PTX_REQUIRE_ENGINE(e, engine);
  ScheduleOptions o;
  o.strategy = StrategyKind::kBounded;
  o.preemptions = 1;
  o.schedules = 100000;
  o.tlb = false;
  o.sleep_sets = false;
  const ScheduleSummary full = explore(*e, scenario, o);
  o.sleep_sets = true;
  const ScheduleSummary reduced = explore(*e, scenario, o);
  ASSERT_TRUE(full.complete && reduced.complete);
  EXPECT_EQ(reduced.outcome_hashes, full.outcome_hashes) << scenario;
  EXPECT_LT(reduced.schedules, full.schedules) << scenario;
  EXPECT_GT(reduced.pruned, 0u) << scenario;
}

TEST(Schedules, SleepSetsKeepEveryOutcome) {
  if (test::kSanitized) GTEST_SKIP() << "two complete searches: Release only";
  expect_reduction_exact("linux-6.1", "same-page");
  expect_reduction_exact("linux-6.1", "same-range");
  expect_reduction_exact("linux-6.1", "fault-vs-unmap");
  expect_reduction_exact("linux-6.12", "same-range");
  expect_reduction_exact("linux-6.12", "fault-vs-unmap");
}

}  // namespace
}  // namespace ptx::kernel
