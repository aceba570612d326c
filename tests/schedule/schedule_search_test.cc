// SPDX-License-Identifier: BSD-2-Clause
// search_schedules (schedule/schedule_search.h) over toy bodies: PCT's shards take disjoint
// indexes that together are every schedule, the estimate run is unchecked and not taken, the
// bounded search's shards split its schedules, replay runs one, and bad options are refused.
#include "schedule/schedule_search.h"

#include <gtest/gtest.h>

#include <set>

namespace ptx::schedule {
namespace {

// Runs two toy threads of three entry writes each; records which runs were checked.
struct Toy {
  std::vector<bool> checked;
  RunSchedule runner() {
    return [this](ScheduleStrategy* strategy, bool check) -> StatusOr<ScheduleOutcome> {
      checked.push_back(check);
      Scheduler s(strategy, 1000);
      std::vector<std::function<void(uint32_t)>> bodies(2, [&s](uint32_t tid) {
        for (int i = 0; i < 3; ++i) s.at(HookPoint{HookPoint::kWrite, false, 0x1000 + tid * 8});
      });
      return s.run(bodies);
    };
  }
};

std::vector<uint64_t> taken(SearchOptions o, uint32_t shard, uint32_t shards, std::vector<bool>* checked = nullptr) {
  o.shard = shard;
  o.shards = shards;
  Toy toy;
  std::vector<uint64_t> out;
  StatusOr<SearchCounts> c = search_schedules(o, toy.runner(), [&](uint64_t i) { out.push_back(i); }, nullptr, 2);
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  if (checked != nullptr) *checked = toy.checked;
  return out;
}

void expect_shards_partition(const SearchOptions& o, uint64_t whole) {
  const std::vector<uint64_t> all = taken(o, 0, 1);
  EXPECT_EQ(all.size(), whole);
  std::set<uint64_t> joined;
  for (uint32_t i = 0; i < 3; ++i) {
    for (uint64_t n : taken(o, i, 3)) {
      EXPECT_EQ(n % 3, i);
      EXPECT_TRUE(joined.insert(n).second) << n << " taken twice";
    }
  }
  EXPECT_EQ(joined, std::set<uint64_t>(all.begin(), all.end()));
}

TEST(SearchSchedules, PctShardsTakeEverySchedulesOnce) {
  SearchOptions o;
  o.schedules = 10;
  std::vector<bool> checked;
  EXPECT_EQ(taken(o, 1, 3, &checked), (std::vector<uint64_t>{1, 4, 7}));
  EXPECT_EQ(checked, (std::vector<bool>{false, true, true, true}));  // the estimate, unchecked, first
  expect_shards_partition(o, 10);
}

TEST(SearchSchedules, BoundedShardsSplitTheSearch) {
  SearchOptions o;
  o.strategy = SearchOptions::Strategy::kBounded;
  o.preemptions = 10;
  o.sleep_sets = false;
  expect_shards_partition(o, taken(o, 0, 1).size());
  EXPECT_GE(taken(o, 0, 1).size(), 20u);  // C(6, 3) interleavings at least
}

TEST(SearchSchedules, ReplayRunsOneAndBadOptionsAreRefused) {
  SearchOptions o;
  o.replay = std::vector<ScheduleSwitch>{{2, 1}};
  EXPECT_EQ(taken(o, 0, 1), (std::vector<uint64_t>{0}));
  Toy toy;
  SearchOptions bad;
  bad.depth = 0;
  EXPECT_EQ(search_schedules(bad, toy.runner(), [](uint64_t) {}, nullptr, 2).status().code(), StatusCode::kBadInput);
  bad.depth = 3;
  bad.shard = 2;
  bad.shards = 2;
  EXPECT_EQ(search_schedules(bad, toy.runner(), [](uint64_t) {}, nullptr, 2).status().code(), StatusCode::kBadInput);
  EXPECT_TRUE(toy.checked.empty());
}

}  // namespace
}  // namespace ptx::schedule
