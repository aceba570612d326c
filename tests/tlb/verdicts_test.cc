// SPDX-License-Identifier: BSD-2-Clause
// tlb-conflict / bbml2-multihit (FEAT_BBM levels, nT), freed-while-cached and vmid-reuse
// (TLB-MODEL.md §4) on the traces of tests/tlb/data/ (README.md there).
#include <gtest/gtest.h>

#include "tests/tlb/tlb_util.h"

namespace ptx::tlb {
namespace {

using testing::check_file;
using testing::describe;
using testing::reported;

struct Expected {
  Verdict verdict;
  uint64_t line;
  Cause cause = Cause::kNone;
  const char* subkind = "";
};

void expect(const std::string& name, const std::vector<Expected>& want, const TlbOptions& o = {}) {
  const testing::TlbRun r = check_file(name, o);
  const std::vector<TlbFinding> fs = reported(r);
  ASSERT_EQ(fs.size(), want.size()) << name << "\n" << describe(r.findings);
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(enum_name(kVerdictNames, fs[i].verdict), enum_name(kVerdictNames, want[i].verdict)) << describe(fs);
    EXPECT_EQ(fs[i].line, want[i].line) << name << " #" << i;
    EXPECT_EQ(enum_name(kCauseNames, fs[i].cause), enum_name(kCauseNames, want[i].cause)) << describe(fs);
    EXPECT_EQ(fs[i].subkind, want[i].subkind) << describe(fs);
  }
}

TlbOptions bbm(int level) {
  TlbOptions o;
  o.bbm_level = level;
  return o;
}

TEST(VerdictsTest, RemapWithoutBreakConflictsAndStaysStale) {
  expect("remap_no_bbm.trace", {{Verdict::kTlbConflict, 12}, {Verdict::kStaleMapping, 14, Cause::kNoTlbi}});
  const testing::TlbRun r = check_file("remap_no_bbm.trace");
  EXPECT_EQ(verdict_suffix(r.summary), "TLB: 1 conflict, 1 stale mapping");
  EXPECT_EQ(reported(r)[0].level, 3);
  EXPECT_EQ(reported(r)[0].ia, 0x40000000u);
}

TEST(VerdictsTest, SplitWithoutBreakIsASizeConflict) {
  expect("split_no_break.trace", {{Verdict::kTlbConflict, 13}});
  expect("split_no_break.trace", {{Verdict::kTlbConflict, 13}}, bbm(1));
  expect("split_no_break.trace", {{Verdict::kBbml2Multihit, 13}}, bbm(2));
  const testing::TlbRun r = check_file("split_no_break.trace", bbm(2));
  EXPECT_EQ(r.summary.errors, 0u);
  EXPECT_EQ(r.summary.warnings, 1u);
  EXPECT_EQ(reported(r)[0].level, 2);
}

TEST(VerdictsTest, NtBlocksAreNotCachedFromBbmLevel1) {
  expect("split_nt.trace", {{Verdict::kTlbConflict, 13}}, bbm(0));
  expect("split_nt.trace", {}, bbm(1));
  expect("split_nt.trace", {}, bbm(2));
}

TEST(VerdictsTest, TableZapThenFree) {
  expect("table_zap.trace", {});
  EXPECT_EQ(check_file("table_zap.trace").stale_left, 0u);
  expect("table_zap_ttl.trace",
         {{Verdict::kStaleMapping, 18, Cause::kTtlMismatch}, {Verdict::kFreedWhileCached, 19}});
  TlbOptions ignore;
  ignore.ttl = TtlMode::kIgnore;
  expect("table_zap_ttl.trace", {}, ignore);
}

TEST(VerdictsTest, FreeOfADataPageAStaleLeafMaps) {
  expect("data_page_free.trace", {{Verdict::kStaleMapping, 14, Cause::kNoTlbi}, {Verdict::kFreedWhileCached, 15}});
}

TEST(VerdictsTest, VmidBoundToANewRootWhileTheOldOneIsCached) {
  expect("vmid_reuse.trace", {{Verdict::kStaleMapping, 14, Cause::kNoTlbi}, {Verdict::kVmidReuse, 17}});
  expect("vmid_reuse_flushed.trace", {{Verdict::kStaleMapping, 14, Cause::kNoTlbi}});
}

TEST(VerdictsTest, TablePageLinkedIntoAnotherContext) {
  expect("page_reuse.trace", {{Verdict::kFreedWhileCached, 19, Cause::kNone, "still-linked"}});
  // The page written at line 14 is no table of any root then; the root bound at line 15 makes it
  // one, so the same link at line 16 is reported (a memo of pages without positions must forget at a bind).
  expect("page_reuse_late_root.trace", {{Verdict::kFreedWhileCached, 16, Cause::kNone, "still-linked"}});
}

}  // namespace
}  // namespace ptx::tlb
