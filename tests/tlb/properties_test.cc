// SPDX-License-Identifier: BSD-2-Clause
// Properties of the TLB pass over random streams (TLB-MODEL.md §8.3): the TPT result does not
// change with the pass on; a `vmalls12e1is; dsb ish` after every committing DSB leaves no stale
// error; deleting TLBIs never removes a finding.
#include <algorithm>
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/support/test_paths.h"
#include "tests/tlb/random_stream.h"
#include "tests/tlb/tlb_run.h"
#include "tests/tlb/tlb_util.h"

namespace ptx::tlb {
namespace {

using armtrace::Event;
using testing::keys;
using testing::random_stream;
using testing::run_events;

constexpr uint64_t kSeeds = 2000;

void expect_same_tpt(const armcheck::CheckResult& a, const armcheck::CheckResult& b, const std::string& what) {
  EXPECT_EQ(a.totals.violations, b.totals.violations) << what;
  EXPECT_EQ(a.totals.sequences, b.totals.sequences) << what;
  EXPECT_EQ(a.totals.sections, b.totals.sections) << what;
  EXPECT_EQ(a.totals.address_classes, b.totals.address_classes) << what;
  EXPECT_EQ(a.kept.size(), b.kept.size()) << what;
  ASSERT_EQ(a.findings.size(), b.findings.size()) << what;
  for (size_t i = 0; i < a.findings.size(); ++i) EXPECT_EQ(a.findings[i].detail, b.findings[i].detail) << what;
}

TEST(PropertiesTest, TptResultIsTheSameWithTheTlbPassOn) {
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    const std::vector<Event> events = random_stream(seed);
    expect_same_tpt(run_events(events, false).result, run_events(events, true).result, "seed " + std::to_string(seed));
  }
}

TEST(PropertiesTest, TptResultOfTheCasemateTracesIsTheSame) {
  const std::filesystem::path dir = ::ptx::test::source_dir() + "/tests/data/casemate";
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".trace") continue;
    std::ifstream a(entry.path(), std::ios::binary), b(entry.path(), std::ios::binary);
    armcheck::CheckOptions c;
    c.explore.parallel = false;
    StatusOr<armcheck::CasemateRun> plain = armcheck::check_casemate(a, "t", c, {});
    if (!plain.ok()) continue;  // the refused traces (vtcr_*)
    const testing::TlbRun on = testing::check_stream(b, "t", {});
    expect_same_tpt(plain->result, on.result, entry.path().filename());
    ++n;
  }
  EXPECT_GE(n, 10);
}

// After every DSB ISH / ISHST of a tid, that tid flushes everything of VMID 1 and completes it.
std::vector<Event> flush_after_commits(const std::vector<Event>& in) {
  std::vector<Event> out;
  for (const Event& e : in) {
    out.push_back(e);
    if (e.kind != armtrace::EventKind::kBarrier || e.barrier != armtrace::BarrierType::kDsb ||
        e.dsb_kind == armtrace::DsbKind::kNsh) {
      continue;
    }
    Event t = e;
    t.kind = armtrace::EventKind::kTlbi;
    t.tlbi_op = armtrace::TlbiOp::kVmalls12e1is;
    out.push_back(t);
    Event d = e;
    d.dsb_kind = armtrace::DsbKind::kIsh;
    out.push_back(d);
  }
  for (size_t i = 0; i < out.size(); ++i) out[i].line = out[i].id = i + 1;
  return out;
}

TEST(PropertiesTest, FlushAfterEveryCommitLeavesNoStaleError) {
  testing::StreamShape shape;
  shape.second_root = false;
  shape.publish = true;
  int findings = 0;
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    const std::vector<Event> plain = random_stream(seed, shape);
    findings += static_cast<int>(keys(run_events(plain, true).findings).size());
    for (const TlbFinding& f : run_events(flush_after_commits(plain), true).findings) {
      // (A free between a write and its DSB is freed-while-cached with or without flushes.)
      const bool stale = f.verdict == Verdict::kStaleMapping || f.verdict == Verdict::kStalePermission;
      EXPECT_FALSE(stale || f.verdict == Verdict::kVmidReuse) << "seed " << seed << ": " << f.detail;
    }
  }
  EXPECT_GT(findings, 100);  // the streams without the flushes do have findings
}

// The stream with the TLBIs at the chosen indexes turned into ISBs (same lines).
std::vector<Event> without_tlbis(std::vector<Event> events, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const bool all = rng() % 2 == 0;
  for (Event& e : events) {
    if (e.kind == armtrace::EventKind::kTlbi && (all || rng() % 3 == 0)) {
      e.kind = armtrace::EventKind::kBarrier;
      e.barrier = armtrace::BarrierType::kIsb;
      e.value = 0;
    }
  }
  return events;
}

// Stale findings are per entry and line: each one with the TLBIs is there without them. Conflicts
// and frees are reported when an entry enters a TLB, which without a TLBI may be earlier (the
// entry never left): each such verdict with the TLBIs is there without them, at some line.
TEST(PropertiesTest, DeletingTlbisNeverRemovesAFinding) {
  for (uint64_t seed = 0; seed < kSeeds; ++seed) {
    const std::vector<Event> events = random_stream(seed);
    const auto with = keys(run_events(events, true).findings);
    const auto without = keys(run_events(without_tlbis(events, seed), true).findings);
    for (const testing::FindingKey& k : with) {
      const Verdict v = std::get<0>(k);
      const bool found = v == Verdict::kStaleMapping || v == Verdict::kStalePermission
                             ? without.contains(k)
                             : std::any_of(without.begin(), without.end(), [&](const auto& w) { return std::get<0>(w) == v; });
      EXPECT_TRUE(found) << "seed " << seed << ": " << enum_name(kVerdictNames, v) << " at line " << std::get<1>(k)
                         << " ia " << std::hex << std::get<3>(k);
    }
  }
}

}  // namespace
}  // namespace ptx::tlb
