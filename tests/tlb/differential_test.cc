// SPDX-License-Identifier: BSD-2-Clause
// The TLB pass against BruteTlb (brute_tlb.h), a brute-force model of per-PE TLB contents, on
// thousands of random event streams (random_stream.h): the verdict sets are equal
// (TLB-MODEL.md §8.3).
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "tests/tlb/brute_tlb.h"
#include "tests/tlb/random_stream.h"
#include "tests/support/sanitized.h"
#include "tests/tlb/tlb_run.h"

namespace ptx::tlb {
namespace {

using testing::FindingKey;

std::string text(const std::set<FindingKey>& ks) {
  std::string s;
  for (const auto& [v, line, root, ia, level] : ks) {
    s += fmt::format("  {} line {} root {:#x} ia {:#x} level {}\n", enum_name(kVerdictNames, v), line, root, ia, level);
  }
  return s;
}

std::set<FindingKey> brute(const std::vector<armtrace::Event>& events, const TlbOptions& o) {
  testing::BruteTlb b(o);
  for (const armtrace::Event& e : events) b.add(e);
  b.finish(events.size());
  return b.findings();
}

// Streams per test: under a sanitizer a quarter (tests/support/sanitized.h); the Release run
// compares them all. Each test expects findings in proportion to its streams.
constexpr uint64_t kStreamDivisor = ::ptx::test::kSanitized ? 4 : 1;

// Runs `seeds` streams of `shape` with options `o`; returns the number of findings seen.
size_t compare(uint64_t first, uint64_t seeds, const testing::StreamShape& shape, const TlbOptions& o) {
  size_t findings = 0, failures = 0;
  for (uint64_t seed = first; seed < first + seeds && failures < 5; ++seed) {
    const std::vector<armtrace::Event> events = testing::random_stream(seed, shape);
    const std::set<FindingKey> want = brute(events, o);
    const std::set<FindingKey> got = testing::keys(testing::run_events(events, true, o).findings);
    findings += got.size();
    if (want == got) continue;
    ++failures;
    ADD_FAILURE() << "seed " << seed << "\nbrute force:\n" << text(want) << "TLB pass:\n" << text(got);
  }
  return findings;
}

// PTX_TLB_SEEDS=N runs N streams in each test that reads it (longer local runs).
uint64_t seeds_or(uint64_t n) {
  const char* env = std::getenv("PTX_TLB_SEEDS");
  return env != nullptr ? std::stoull(env) : n;
}

TEST(DifferentialTest, DefaultOptions) {
  EXPECT_GT(compare(0, seeds_or(3000 / kStreamDivisor), {}, {}), 3000u / kStreamDivisor);
}

TEST(DifferentialTest, TtlIgnoreDeadlineEndBbmLevels) {
  TlbOptions o;
  o.ttl = TtlMode::kIgnore;
  o.deadline = Deadline::kEnd;
  o.bbm_level = 1;
  EXPECT_GT(compare(10000, 1000 / kStreamDivisor, {}, o), 500u / kStreamDivisor);
  o = TlbOptions{};
  o.bbm_level = 2;
  EXPECT_GT(compare(20000, 1000 / kStreamDivisor, {}, o), 500u / kStreamDivisor);
}

TEST(DifferentialTest, OneRootNoFrees) {
  testing::StreamShape shape;
  shape.second_root = false;
  shape.frees = false;
  EXPECT_GT(compare(30000, 1000 / kStreamDivisor, shape, {}), 500u / kStreamDivisor);
}

// Sections of the two tids that overlap in time (read-locks): an entry is judged from the unlock of
// the section that made it stale on, not at the other thread's unlock before it.
TEST(DifferentialTest, OverlappingSharedSections) {
  testing::StreamShape shape;
  shape.overlap = true;
  EXPECT_GT(compare(40000, seeds_or(2000 / kStreamDivisor), shape, {}), 1000u / kStreamDivisor);
}

}  // namespace
}  // namespace ptx::tlb
