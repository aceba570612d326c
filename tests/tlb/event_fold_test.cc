// SPDX-License-Identifier: BSD-2-Clause
// tlb::fold_events (tlb/event_fold.h): the TLB verdicts of events held in memory, without
// exploring, are those of `ptx check --tlb on` on the same trace (the EventChecker fold with the
// pass as observer, exploring), on eight traces of tests/tlb/data; a clean trace gives none but
// the benign; an event the checker refuses is the fold's error.
#include "tlb/event_fold.h"

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "armtrace/casemate_reader.h"
#include "tests/tlb/tlb_run.h"
#include "tests/tlb/tlb_util.h"

namespace ptx::tlb {
namespace {

std::vector<armtrace::Event> read_events(const std::string& name) {
  std::ifstream in(testing::tlb_data(name), std::ios::binary);
  armtrace::CasemateReader reader(in, name);
  std::vector<armtrace::Event> events;
  armtrace::Event e;
  for (StatusOr<bool> more = reader.next(&e); more.ok() && *more; more = reader.next(&e)) events.push_back(e);
  return events;
}

TEST(EventFoldTest, GivesTheVerdictsOfTheCheckOfTheSameTrace) {
  for (const char* name : {"missing_tlbi.trace", "tlbi_before_dsb.trace", "ttl_mismatch.trace", "wrong_vmid.trace",
                           "remap_no_bbm.trace", "table_zap.trace", "vmid_reuse.trace", "bbm_correct.trace"}) {
    SCOPED_TRACE(name);
    const testing::TlbRun want = testing::check_file(name);
    const StatusOr<std::vector<TlbFinding>> got = fold_events(read_events(name), name);
    ASSERT_TRUE(got.ok()) << got.status().to_string();
    EXPECT_EQ(testing::keys(*got), testing::keys(want.findings)) << testing::describe(*got);
    EXPECT_EQ(got->size(), want.findings.size());
  }
}

TEST(EventFoldTest, ACleanTraceHasNoErrorOrWarning) {
  const StatusOr<std::vector<TlbFinding>> got = fold_events(read_events("bbm_correct.trace"), "bbm_correct.trace");
  ASSERT_TRUE(got.ok());
  for (const TlbFinding& f : *got) EXPECT_EQ(f.severity(), Severity::kInfo) << verdict_text(f) << ": " << f.detail;
}

TEST(EventFoldTest, AnEventTheCheckerRefusesIsTheError) {
  armtrace::Event unlock;
  unlock.kind = armtrace::EventKind::kUnlock;
  unlock.address = 0x99;
  unlock.line = 7;
  const StatusOr<std::vector<TlbFinding>> got = fold_events(std::vector<armtrace::Event>{unlock}, "r.trace");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kBadInput);
  EXPECT_NE(got.status().to_string().find("r.trace"), std::string::npos) << got.status().to_string();
}

TEST(EventFoldTest, VerdictTextNamesTheCause) {
  const std::vector<TlbFinding> fs = testing::check_file("missing_tlbi.trace").findings;
  ASSERT_FALSE(fs.empty());
  EXPECT_EQ(verdict_text(fs[0]), "stale-mapping (no-tlbi)");
  TlbFinding conflict;
  conflict.verdict = Verdict::kTlbConflict;
  EXPECT_EQ(verdict_text(conflict), "tlb-conflict");
}

}  // namespace
}  // namespace ptx::tlb
