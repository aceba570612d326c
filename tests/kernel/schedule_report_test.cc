// SPDX-License-Identifier: BSD-2-Clause
// Shards of `ptx schedules` and `ptx merge` (kernel/schedule_report.h): N shards merged are the
// unsharded exploration, for pct and for the bounded search; the JSON round trip; each merge rule.
#include "kernel/schedule_report.h"

#include <gtest/gtest.h>

#include "tests/kernel/kernel_util.h"

namespace ptx::kernel {
namespace {

ScheduleReport explore(const KernelEngine& e, const std::string& scenario, ScheduleOptions o) {
  StatusOr<Scenario> s = find_scenario(scenario);
  EXPECT_TRUE(s.ok());
  StatusOr<ScheduleSummary> r = explore_kernel_schedules(e, *s, o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  const bool search = o.strategy == StrategyKind::kBounded;
  return ScheduleReport{"run " + scenario, "replay", search, search && o.sleep_sets, o.shard, o.shards,
                        r.ok() ? *r : ScheduleSummary{}};
}

// The report merged from `n` shards, through their JSON, against the unsharded one.
void expect_shards_merge_to_whole(const KernelEngine& e, const std::string& scenario, ScheduleOptions o, uint32_t n) {
  const ScheduleReport whole = explore(e, scenario, o);
  std::vector<ScheduleReport> parts;
  for (uint32_t i = 0; i < n; ++i) {
    o.shard = i;
    o.shards = n;
    StatusOr<ScheduleReport> back = schedule_report_from_json(schedule_report_json(explore(e, scenario, o)), "shard");
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(back->shard, i);
    parts.push_back(*back);
  }
  StatusOr<ScheduleReport> merged = merge_schedule_reports(parts);
  ASSERT_TRUE(merged.ok()) << merged.status().to_string();
  EXPECT_EQ(schedule_report_json(*merged).dump(1), schedule_report_json(whole).dump(1)) << scenario;
  EXPECT_GT(whole.summary.schedules, n);
}

TEST(ScheduleShards, PctShardsMergeToTheWholeRun) {
  PTX_REQUIRE_ENGINE(e, "linux-6.12+eagain-dropped");  // with signatures to join
  ScheduleOptions o;
  o.schedules = 90;
  expect_shards_merge_to_whole(*e, "same-range", o, 3);
}

TEST(ScheduleShards, BoundedShardsMergeToTheWholeSearch) {
  PTX_REQUIRE_ENGINE(e, "linux-6.1");
  ScheduleOptions o;
  o.strategy = StrategyKind::kBounded;
  o.preemptions = 1;
  o.schedules = 100000;
  expect_shards_merge_to_whole(*e, "same-page", o, 2);
}

ScheduleReport shard(const std::string& run, uint32_t i, uint32_t n) {
  ScheduleReport r;
  r.run = run;
  r.shard = i;
  r.shards = n;
  return r;
}

void expect_merge_error(const std::vector<ScheduleReport>& parts, const std::string& want) {
  StatusOr<ScheduleReport> m = merge_schedule_reports(parts);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().code(), StatusCode::kBadInput);
  EXPECT_NE(m.status().message().find(want), std::string::npos) << m.status().message();
}

TEST(ScheduleShards, AMergeNeedsEveryShardOfOneRunOnce) {
  expect_merge_error({}, "no report");
  expect_merge_error({shard("a", 0, 2)}, "shard 1/2 is missing");
  expect_merge_error({shard("a", 0, 2), shard("a", 0, 2)}, "given twice");
  expect_merge_error({shard("a", 0, 2), shard("b", 1, 2)}, "different runs");
  expect_merge_error({shard("a", 0, 2), shard("a", 1, 3)}, "is a shard of 3");
  EXPECT_TRUE(merge_schedule_reports({shard("a", 1, 2), shard("a", 0, 2)}).ok());
}

TEST(ScheduleShards, ShardTextsAndReportsAreChecked) {
  EXPECT_EQ(schedule_report_from_json(nlohmann::json::object(), "x.json").status().code(), StatusCode::kBadInput);
  nlohmann::json j = schedule_report_json(shard("a", 0, 1));
  j["schedules"] = "many";
  EXPECT_EQ(schedule_report_from_json(j, "x.json").status().code(), StatusCode::kBadInput);
}

}  // namespace
}  // namespace ptx::kernel
