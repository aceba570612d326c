// SPDX-License-Identifier: BSD-2-Clause
// run_lanes (run/lane_scheduler.h): for 1..4 threads and 1..8 lanes, every lane's steps run
// exactly once each, in order, never two of one lane at once, and every lane finishes; lanes do
// run concurrently when there are threads for them; nested TBB work inside a step works.
#include "run/lane_scheduler.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_reduce.h>

namespace ptx::run {
namespace {

struct Lane {
  size_t steps = 0;               // how many steps the lane has
  std::vector<size_t> seen;       // the step numbers run, in the order they ran
  std::atomic<bool> in_flight{false};
  std::atomic<int> overlaps{0};
};

class RunLanes : public testing::TestWithParam<std::tuple<unsigned, unsigned>> {};

TEST_P(RunLanes, EveryStepOnceInOrderNeverOverlapping) {
  const auto [threads, lane_count] = GetParam();
  std::map<uint32_t, std::unique_ptr<Lane>> lanes;
  std::vector<uint32_t> ids;
  for (uint32_t i = 0; i < lane_count; ++i) {
    const uint32_t id = 3 * i + 1;  // not 0..n-1: lanes are ids, not indexes
    ids.push_back(id);
    lanes[id] = std::make_unique<Lane>();
    lanes[id]->steps = 1 + (i * 7) % 13;
  }
  std::atomic<int> unknown{0};
  std::atomic<uint64_t> calls{0};
  run_lanes(threads, ids, [&](uint32_t id) {
    ++calls;
    auto it = lanes.find(id);
    if (it == lanes.end()) {
      ++unknown;
      return false;
    }
    Lane& l = *it->second;
    if (l.in_flight.exchange(true)) ++l.overlaps;
    const size_t n = l.seen.size();
    // Linger a little so that an overlapping step of the same lane would be caught.
    for (int k = 0; k < 50; ++k) std::this_thread::yield();
    l.seen.push_back(n);
    l.in_flight.store(false);
    return l.seen.size() < l.steps;
  });
  EXPECT_EQ(unknown.load(), 0);
  uint64_t total = 0;
  for (const auto& [id, l] : lanes) {
    std::vector<size_t> want(l->steps);
    for (size_t k = 0; k < want.size(); ++k) want[k] = k;
    EXPECT_EQ(l->seen, want) << "lane " << id;
    EXPECT_EQ(l->overlaps.load(), 0) << "lane " << id;
    total += l->steps;
  }
  EXPECT_EQ(calls.load(), total) << "no step after a lane said it was done";
}

INSTANTIATE_TEST_SUITE_P(ThreadsByLanes, RunLanes, testing::Combine(testing::Range(1u, 5u), testing::Range(1u, 9u)),
                         [](const testing::TestParamInfo<std::tuple<unsigned, unsigned>>& i) {
                           return "threads" + std::to_string(std::get<0>(i.param)) + "_lanes" +
                                  std::to_string(std::get<1>(i.param));
                         });

TEST(RunLanesEdge, NoLanesNoSteps) {
  int calls = 0;
  run_lanes(2, {}, [&](uint32_t) {
    ++calls;
    return false;
  });
  EXPECT_EQ(calls, 0);
}

// With two threads and two lanes, both lanes' first steps are in flight at once: each waits (up to
// 10 s) for the other to start.
TEST(RunLanesEdge, TwoThreadsRunTwoLanesAtOnce) {
  std::atomic<int> started{0};
  std::atomic<int> met{0};
  run_lanes(2, {5, 9}, [&](uint32_t) {
    ++started;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (started.load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
    if (started.load() >= 2) ++met;
    return false;
  });
  EXPECT_EQ(started.load(), 2);
  EXPECT_EQ(met.load(), 2);
}

// Nested TBB parallelism inside a step (as the explorer does), isolated, on more threads than lanes.
TEST(RunLanesEdge, NestedParallelWorkInsideSteps) {
#if defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "TBB's scheduler is not instrumented for ThreadSanitizer (explorer/class_parallelism.h)";
#endif
  for (unsigned threads : {1u, 4u}) {
    std::vector<uint64_t> sums(3, 0);
    std::vector<int> left(3, 4);
    run_lanes(threads, {0, 1, 2}, [&](uint32_t lane) {
      uint64_t s = 0;
      isolated([&] {
        s = tbb::parallel_reduce(
            tbb::blocked_range<uint64_t>(0, 100000), uint64_t{0},
            [](const tbb::blocked_range<uint64_t>& r, uint64_t acc) {
              for (uint64_t i = r.begin(); i < r.end(); ++i) acc += i;
              return acc;
            },
            [](uint64_t a, uint64_t b) { return a + b; });
      });
      sums[lane] += s;
      return --left[lane] > 0;
    });
    for (uint64_t s : sums) EXPECT_EQ(s, 4 * (uint64_t{99999} * 100000 / 2)) << threads;
  }
}

TEST(Isolated, RunsTheFunctionOnceBeforeReturning) {
  int runs = 0;
  isolated([&] { ++runs; });
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace ptx::run
