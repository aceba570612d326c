// SPDX-License-Identifier: BSD-2-Clause
// The stale verdicts (TLB-MODEL.md §4 stale-mapping / stale-permission / stale-benign) and their
// causes, on the traces of tests/tlb/data/ (README.md there). IPA 0x40000000 is the level-3 leaf
// at word 0x7f2f0000 of root 0x7f2c0000 (VMID 1); tid 1 updates it under lock 0x7f300040.
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "armtrace/casemate_reader.h"
#include "tests/tlb/brute_tlb.h"
#include "tests/tlb/tlb_run.h"
#include "tests/tlb/tlb_util.h"

namespace ptx::tlb {
namespace {

using testing::check_file;
using testing::describe;
using testing::reported;

// The one reported finding of `name`: verdict, cause, line, and the entry it is about.
void expect_one(const std::string& name, Verdict v, Cause c, uint64_t line, const TlbOptions& o = {}) {
  const testing::TlbRun r = check_file(name, o);
  const std::vector<TlbFinding> fs = reported(r);
  ASSERT_EQ(fs.size(), 1u) << name << "\n" << describe(r.findings);
  EXPECT_EQ(enum_name(kVerdictNames, fs[0].verdict), enum_name(kVerdictNames, v)) << describe(fs);
  EXPECT_EQ(enum_name(kCauseNames, fs[0].cause), enum_name(kCauseNames, c)) << describe(fs);
  EXPECT_EQ(fs[0].line, line);
  EXPECT_EQ(fs[0].root, 0x7f2c0000u);
  EXPECT_EQ(fs[0].ia, 0x40000000u);
  EXPECT_EQ(fs[0].level, 3);
  EXPECT_EQ(fs[0].src, "pgt.c:" + std::to_string(100 + line));
}

TEST(StaleTest, CorrectBreakBeforeMakeIsClean) {
  const testing::TlbRun r = check_file("bbm_correct.trace");
  EXPECT_TRUE(r.findings.empty()) << describe(r.findings);
  EXPECT_EQ(r.stale_left, 0u);
  EXPECT_EQ(r.summary.max_stale, 1u);  // the broken leaf, until the TLBIs complete
  EXPECT_EQ(verdict_suffix(r.summary), "TLB: clean");
}

TEST(StaleTest, MissingTlbiIsAStaleMappingAtTheUnlock) {
  expect_one("missing_tlbi.trace", Verdict::kStaleMapping, Cause::kNoTlbi, 14);
  EXPECT_EQ(verdict_suffix(check_file("missing_tlbi.trace").summary), "TLB: 1 stale mapping");
}

TEST(StaleTest, MissingTlbiIsReportedAtTheEndWithDeadlineEnd) {
  TlbOptions o;
  o.deadline = Deadline::kEnd;
  const testing::TlbRun r = check_file("missing_tlbi.trace", o);
  ASSERT_EQ(reported(r).size(), 1u);
  EXPECT_EQ(reported(r)[0].line, 14u);  // the last line
  EXPECT_EQ(reported(r)[0].src, "");
}

TEST(StaleTest, TlbiBeforeTheDsbDoesNotRemoveTheEntry) {
  expect_one("tlbi_before_dsb.trace", Verdict::kStaleMapping, Cause::kTlbiBeforeDsb, 17);
}

TEST(StaleTest, DsbIshstCompletesNoTlbi) {
  expect_one("ishst_completion.trace", Verdict::kStaleMapping, Cause::kNotCompleted, 18);
}

TEST(StaleTest, LeafHintAtTheWrongLevelCoversNothing) {
  expect_one("ttl_mismatch.trace", Verdict::kStaleMapping, Cause::kTtlMismatch, 18);
  TlbOptions ignore;
  ignore.ttl = TtlMode::kIgnore;
  const testing::TlbRun r = check_file("ttl_mismatch.trace", ignore);
  EXPECT_TRUE(r.findings.empty()) << describe(r.findings);
}

TEST(StaleTest, LocalFlushLeavesEveryOtherPe) {
  expect_one("local_flush.trace", Verdict::kStaleMapping, Cause::kLocalTlbi, 16);
  const testing::TlbRun r = check_file("local_flush.trace");
  EXPECT_NE(r.findings[0].detail.find("may still be used by tid 0,2,3 and every other PE"), std::string::npos)
      << r.findings[0].detail;
}

TEST(StaleTest, IpaOnlyTlbiLeavesTheCombinedEntry) {
  expect_one("ipa_only.trace", Verdict::kStaleMapping, Cause::kNoStage1Tlbi, 16);
}

TEST(StaleTest, TlbiWithAnotherVmidLoaded) {
  expect_one("wrong_vmid.trace", Verdict::kStaleMapping, Cause::kWrongVmid, 17);
}

TEST(StaleTest, WriteProtectWithoutTlbiIsAStalePermission) {
  expect_one("wrprotect.trace", Verdict::kStalePermission, Cause::kNoTlbi, 14);
  const testing::TlbRun r = check_file("wrprotect.trace");
  EXPECT_EQ(r.summary.errors, 0u);
  EXPECT_EQ(r.summary.warnings, 1u);
  EXPECT_EQ(r.stale_left, 0u);  // the vmalls12e1is after the unlock removed it
  TlbOptions end;
  end.deadline = Deadline::kEnd;
  EXPECT_TRUE(check_file("wrprotect.trace", end).findings.empty());
}

TEST(StaleTest, RelaxedPermissionsWithALocalFlushAreBenign) {
  const testing::TlbRun r = check_file("relax_perms.trace");
  EXPECT_TRUE(reported(r).empty()) << describe(r.findings);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].verdict, Verdict::kStaleBenign);
  EXPECT_EQ(r.summary.benign, 1u);
  EXPECT_EQ(verdict_suffix(r.summary), "TLB: clean");
}

// The brute-force model's findings (tests/tlb/brute_tlb.h) on the trace `name` of `events` events.
std::set<testing::FindingKey> brute_keys(const std::string& name, size_t events) {
  std::ifstream in(testing::tlb_data(name), std::ios::binary);
  std::vector<armtrace::Event> es;
  armtrace::CasemateReader reader(in, name);
  armtrace::Event e;
  for (StatusOr<bool> more = reader.next(&e); more.ok() && *more; more = reader.next(&e)) es.push_back(e);
  EXPECT_EQ(es.size(), events) << name;
  testing::BruteTlb brute(TlbOptions{});
  for (const armtrace::Event& x : es) brute.add(x);
  brute.finish(es.size());
  return brute.findings();
}

// Found by tlb_fold_fuzz (tests/fuzz/regressions/tlb_fold/refill-between-tlbi-and-dsb.bin), reduced
// by hand. The leaf goes stale at 12 and is reported at the unlock (14). The TLBI at 16 dooms it,
// but before its DSB (19) tid 2's unpublished zeroing of root[0] (17) keeps root[0]'s old table
// readable, and the relink at 18 below it makes the leaf readable again: at 19 every PE may refill
// it. It stays the same cached entry (TLB-MODEL.md decision (d)), reported once; the pass used to
// drop it at 19 and report it again, as new, at 21.
// The one reported finding of trace `name` (`events` events) is a stale mapping (no-tlbi) of IPA
// 0x40000000 at `line`, and the brute-force model gives the same verdicts; returns the run.
testing::TlbRun expect_one_no_tlbi_mapping(const std::string& name, size_t events, uint64_t line) {
  const testing::TlbRun r = check_file(name);
  const std::vector<TlbFinding> fs = reported(r);
  EXPECT_EQ(fs.size(), 1u) << describe(r.findings);
  if (fs.size() == 1) {
    EXPECT_EQ(fs[0].verdict, Verdict::kStaleMapping);
    EXPECT_EQ(fs[0].cause, Cause::kNoTlbi);
    EXPECT_EQ(fs[0].line, line);
    EXPECT_EQ(fs[0].ia, 0x40000000u);
    EXPECT_EQ(fs[0].level, 3);
  }
  EXPECT_EQ(brute_keys(name, events), testing::keys(r.findings));
  return r;
}

TEST(StaleTest, EntryReadableAgainBeforeTheDsbStaysTheSameEntry) {
  const testing::TlbRun r = expect_one_no_tlbi_mapping("refill_before_completion.trace", 21, 14);
  EXPECT_GE(r.stale_left, 1u);  // still held after the unlock at 21
}

// Found by tlb_fold_fuzz (tests/fuzz/regressions/tlb_fold/rebreak-after-tlbi.bin; reduced). The
// leaf is broken (12) and the break published (13); the TLBI at 14 dooms it; the remake of the same
// value (15) lets every PE cache it again after the TLBI ran, and the second break (16) comes after
// the TLBI too: its DSB (17) completes a TLBI that no longer removes that copy (TLB-MODEL.md
// decision (d): a TLBI removes an entry only if its overwrite was visible before it; Arm ARM
// RDDMVT), so the unlock (18) is a stale mapping with no TLBI after the break. The brute-force
// model used to drop the entry at 17 (it was in the TLBI's doomed set) and gave nothing.
TEST(StaleTest, EntryBrokenAgainAfterTheTlbiStaysCached) {
  expect_one_no_tlbi_mapping("rebreak_after_tlbi.trace", 18, 18);
}

// The TLB pass's and the brute-force model's verdicts on the trace `name` (equal), as keys.
std::set<testing::FindingKey> pass_and_model(const std::string& name) {
  const testing::TlbRun r = check_file(name);
  std::ifstream in(testing::tlb_data(name), std::ios::binary);
  armtrace::CasemateReader reader(in, name);
  testing::BruteTlb brute({});
  armtrace::Event e;
  uint64_t events = 0;
  for (StatusOr<bool> more = reader.next(&e); more.ok() && *more; more = reader.next(&e), ++events) brute.add(e);
  brute.finish(events);
  EXPECT_EQ(brute.findings(), testing::keys(r.findings)) << name;
  return testing::keys(r.findings);
}

// Reduced from `ptx schedules --engine linux-6.12 --scenario block-and-page --schedule 59.1-112.0`:
// tids 0 and 1 hold the lock shared (11, 12); tid 1 breaks the leaf (13: 6.12's locked invalid
// value) and publishes it (14); tid 0's read-unlock (15) falls before tid 1's invalidation (16-19),
// its make (20) and its read-unlock (22). The deadline of the broken leaf is the unlock of the
// section that broke it, tid 1's at 22, when it is invalidated: clean. Judged at any unlock, it was
// a stale-mapping (no-tlbi) at 15. Without the invalidation it is one at tid 1's unlock (16).
TEST(StaleTest, OverlappingSharedSectionsJudgeAnEntryAtItsWritersUnlock) {
  EXPECT_TRUE(pass_and_model("overlapping_shared.trace").empty());
  const std::set<testing::FindingKey> no_tlbi = pass_and_model("overlapping_shared_no_tlbi.trace");
  EXPECT_EQ(no_tlbi, (std::set<testing::FindingKey>{{Verdict::kStaleMapping, 16, 0x7f2c0000, 0x40000000, 3}}));
  expect_one("overlapping_shared_no_tlbi.trace", Verdict::kStaleMapping, Cause::kNoTlbi, 16);
}

// Reduced from a 4-vCPU run of linux-6.12 (KernelEngines.Linux612IsCleanOnOneAndFourVcpus under
// ThreadSanitizer's timing): tid 1 relaxes the read-only leaf to read-write with a local TLBI
// (12-15; other PEs may keep the read-only copy: harmless) and read-unlocks (16); tid 1 then breaks
// the L2 entry above it (19: 6.12's locked invalid value) while tid 0 holds the lock shared too,
// and tid 0 read-unlocks (21) before tid 1's invalidation (22-25). The read-only copy's own section
// closed at 16, but from 19 on what memory gives its IPA is tid 1's open break: it is judged at
// tid 1's unlock (26), when the range is invalidated: clean. Judged at 21, it was a stale-mapping
// (no-tlbi). Without the invalidation both leaves are stale mappings at tid 1's unlock (22).
TEST(StaleTest, AnOpenBreakAboveAnOldStaleLeafMovesItsDeadline) {
  EXPECT_TRUE(pass_and_model("relax_then_shared_break.trace").empty());
  const std::set<testing::FindingKey> no_tlbi = pass_and_model("relax_then_shared_break_no_tlbi.trace");
  EXPECT_EQ(no_tlbi, (std::set<testing::FindingKey>{{Verdict::kStaleMapping, 22, 0x7f2c0000, 0x40000000, 3}}));
  const testing::TlbRun r = check_file("relax_then_shared_break_no_tlbi.trace");
  ASSERT_EQ(r.findings.size(), 3u) << describe(r.findings);  // the read-only copy, benign at 16; both leaves at 22
  EXPECT_EQ(r.findings[0].verdict, Verdict::kStaleBenign);
  EXPECT_EQ(r.findings[1].line, 22u);
  EXPECT_EQ(r.findings[2].line, 22u);
}

// Reduced from `ptx schedules --engine linux-6.12 --scenario block-and-page --schedule
// 0.1-62.0-118.1`: tid 1 holds the page's slot of the L3 table (12); tid 0 breaks the L2 entry that
// links that table (14: 6.12's locked invalid value), publishes it (15) and issues `tlbi
// ripas2e1is` of the 2 MiB range (16); before that TLBI completes (its `dsb ish`, 20), tid 1 writes
// its page into the unlinked table (17) and read-unlocks (19). A PE that still held the old walk
// entry may cache the page through it, after the TLBI ran; but the TLBI covers the page's IPA too,
// and a PE can fill the page only through the walk entry it removes, so the page goes with it at 20
// (Arm ARM RDDMVT; TLBI RIPAS2E1IS covers every entry, leaf or walk, of the range). Clean: before,
// a tlb-conflict with the block made at 23 and a stale-mapping (no-tlbi) at tid 0's unlock (25).
TEST(StaleTest, PageCachedThroughAWalkEntryBeingInvalidatedGoesWithIt) {
  EXPECT_TRUE(pass_and_model("page_after_range_tlbi.trace").empty());
  const testing::TlbRun r = check_file("page_after_range_tlbi.trace");
  EXPECT_TRUE(r.findings.empty()) << describe(r.findings);
  EXPECT_EQ(r.stale_left, 0u);
  EXPECT_EQ(verdict_suffix(r.summary), "TLB: clean");
}

// The one stale mapping of `name` under --tlb-deadline end, at `line`, and the model's verdicts.
void expect_end_mapping(const std::string& name, size_t events, uint64_t line) {
  TlbOptions o;
  o.deadline = Deadline::kEnd;
  const testing::TlbRun r = check_file(name, o);
  std::vector<TlbFinding> fs;
  for (const TlbFinding& f : reported(r)) {
    if (f.verdict == Verdict::kStaleMapping) fs.push_back(f);
  }
  ASSERT_EQ(fs.size(), 1u) << describe(r.findings);
  EXPECT_EQ(fs[0].line, line);
  EXPECT_EQ(fs[0].root, 0x200000u);
  EXPECT_EQ(fs[0].ia, 0x8040000000u);
  EXPECT_EQ(fs[0].level, 1);
  std::ifstream in(testing::tlb_data(name), std::ios::binary);
  std::vector<armtrace::Event> es;
  armtrace::CasemateReader reader(in, name);
  armtrace::Event e;
  for (StatusOr<bool> more = reader.next(&e); more.ok() && *more; more = reader.next(&e)) es.push_back(e);
  ASSERT_EQ(es.size(), events);
  testing::BruteTlb brute(o);
  for (const armtrace::Event& x : es) brute.add(x);
  brute.finish(es.size());
  EXPECT_EQ(brute.findings(), testing::keys(r.findings));
}

// Found by tlb_fold_fuzz (tests/fuzz/regressions/tlb_fold/refill-after-tlbi.bin; reduced), two
// pass bugs. (1) Root 0x200000's slot 1 links table 0x101000 (whose slot 1 is a 1 GiB block) and
// is overwritten (3) before its writer's DSB; the root is bound at 4: walks may read the old link,
// and cache the block, which memory no longer gives. The pass ignored what a newly bound root
// reaches through old values still visible (bind_through_old_value.trace: stale mapping at 4).
TEST(StaleTest, ABoundRootCachesWhatOldValuesStillVisibleReach) {
  expect_end_mapping("bind_through_old_value.trace", 4, 4);
}

// (2) The block's word is overwritten (5, conflict: a table over a cached block), the root slot's
// overwrite published (6), `vmalls12e1is` (7) dooms the old link and the block; the root slot is
// relinked (8), so through the block word's old value, still visible, every PE may cache the block
// again, after the TLBI; that overwrite is published (9) and the TLBI completes (10). The copy
// cached after the TLBI is not removed by it (TLB-MODEL.md decision (d); Arm ARM RDDMVT): a stale
// mapping at the end. The pass removed it at 10 (TlbPass::rescue now undooms it at 8).
TEST(StaleTest, EntryRefilledAfterTheTlbiIsNotRemovedByIt) {
  expect_end_mapping("refill_after_tlbi.trace", 10, 10);
}

TEST(StaleTest, TheTptResultIsTheSameWithTheTlbPass) {
  for (const char* name : {"bbm_correct.trace", "missing_tlbi.trace", "wrprotect.trace", "relax_perms.trace"}) {
    std::ifstream in(testing::tlb_data(name), std::ios::binary);
    armcheck::CheckOptions c;
    c.explore.parallel = false;
    StatusOr<armcheck::CasemateRun> plain = armcheck::check_casemate(in, name, c, {});
    ASSERT_TRUE(plain.ok());
    const testing::TlbRun r = check_file(name);
    EXPECT_EQ(plain->result.totals.violations, r.result.totals.violations) << name;
    EXPECT_EQ(plain->result.totals.sequences, r.result.totals.sequences) << name;
    EXPECT_EQ(plain->result.findings.size(), r.result.findings.size()) << name;
  }
}

}  // namespace
}  // namespace ptx::tlb
