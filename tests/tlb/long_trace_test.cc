// SPDX-License-Identifier: BSD-2-Clause
// The TLB pass on a long correct trace (tests/tlb/engine_trace.h: qemu-virt, 4 VMs, with KVM's
// flush after each break and break-before-make for remaps): no finding, and the stale set is empty
// at every unlock — it holds only what a break made until its flush completes (TLB-MODEL.md §5
// "Memory is O(stale)").
#include <gtest/gtest.h>

#include "tests/tlb/engine_trace.h"
#include "tests/tlb/tlb_run.h"

namespace ptx::tlb {
namespace {

TEST(LongTraceTest, StaleSetStaysEmptyOnACorrectTrace) {
  StatusOr<std::vector<armtrace::Event>> events = testing::qemu_virt_events(4, 5000);
  ASSERT_TRUE(events.ok()) << events.status().to_string();
  ASSERT_GT(events->size(), 50000u);
  TlbPass pass;
  armcheck::CheckOptions c;
  c.explore.parallel = false;
  c.observer = &pass;
  armcheck::EventChecker checker("qemu-virt", c);
  size_t most = 0, breaks = 0;
  for (const armtrace::Event& e : *events) {
    ASSERT_TRUE(checker.add(e).ok());
    most = std::max(most, pass.stale_entries());
    breaks += e.kind == armtrace::EventKind::kTlbi;
    if (e.kind == armtrace::EventKind::kUnlock) {
      ASSERT_EQ(pass.stale_entries(), 0u) << "line " << e.line;
    }
  }
  ASSERT_TRUE(checker.finish(std::nullopt, events->size()).ok());
  EXPECT_GT(breaks, 300u);
  EXPECT_GE(most, 1u);
  EXPECT_TRUE(pass.findings().empty()) << pass.findings().front().detail;
  EXPECT_EQ(pass.summary().tlbis, breaks);
}

// Without the flushes the same trace is full of stale mappings (the test can fail).
TEST(LongTraceTest, WithoutTheFlushesTheTraceIsStale) {
  StatusOr<std::vector<armtrace::Event>> events = testing::qemu_virt_events(1, 2000);
  ASSERT_TRUE(events.ok());
  std::vector<armtrace::Event> bare;
  for (const armtrace::Event& e : *events) {
    if (e.kind != armtrace::EventKind::kTlbi) bare.push_back(e);
  }
  const testing::Outcome o = testing::run_events(bare, true);
  EXPECT_GT(o.findings.size(), 100u);
}

}  // namespace
}  // namespace ptx::tlb
