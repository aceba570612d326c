// SPDX-License-Identifier: BSD-2-Clause
// check_casemate on the hand-written traces of tests/data/casemate/ (described in its README.md):
// each trace's verdict class, counts, findings and lines, and the section's context (tid, lock,
// lines, open_at_end, root, stage, id, per-update lines and srcs, barriers).
#include <string>

#include <gtest/gtest.h>

#include "tests/armcheck/check_util.h"

namespace ptx::armcheck {
namespace {

using testing::check_file;
using testing::keep_all;

constexpr uint64_t kRoot = 0x7f2c0000;
constexpr uint64_t kLock = 0x7f300040;
constexpr uint64_t kIpa = 0x40000000;

// The only kept section of a trace with exactly one (section, root) changed.
const CheckedSection& only_section(const CheckResult& r) {
  EXPECT_EQ(r.kept.size(), 1u);
  return r.kept.at(0);
}

TEST(TraceFilesTest, FirstMapThroughFreshTablesIsTransactional) {
  const StatusOr<CasemateRun> run = check_file("first_map.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const CheckResult& r = run->result;
  EXPECT_EQ(r.totals.sections, 1u);
  EXPECT_EQ(r.totals.updates, 4u);
  EXPECT_EQ(r.totals.sequences, 65);  // a(4): one epoch (the dsb is after the last write)
  EXPECT_EQ(r.totals.violations, 0u);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.roots, 1u);
  const CheckedSection& c = only_section(r);
  ASSERT_NE(c.context, nullptr);
  EXPECT_EQ(c.context->tid, 1u);
  EXPECT_EQ(c.context->lock, kLock);
  EXPECT_EQ(c.context->first_line, 7u);
  EXPECT_EQ(c.context->last_line, 13u);
  EXPECT_FALSE(c.context->open_at_end);
  EXPECT_EQ(c.context->root, kRoot);
  EXPECT_EQ(c.context->stage, 2);
  EXPECT_EQ(c.context->id, 1u);
  EXPECT_EQ(c.section.vmid, 1u);
  EXPECT_EQ(c.context->update_lines, (std::vector<uint64_t>{8, 9, 10, 11}));
  EXPECT_EQ(c.context->update_srcs, (std::vector<std::string>{"pgt.c:21", "pgt.c:22", "pgt.c:23", "pgt.c:24"}));
  EXPECT_EQ(c.context->barriers, (std::vector<uint32_t>{4}));
  // Kinds by the Arm level the root's walk reaches each entry at.
  ASSERT_EQ(c.section.updates.size(), 4u);
  EXPECT_EQ(c.section.updates[0], (Update{UpdateKind::kPgd, kRoot, 0, 0x7f2d0003}));
  EXPECT_EQ(c.section.updates[3], (Update{UpdateKind::kPte, 0x7f2f0000, 0, 0x800007ff}));
  EXPECT_EQ(r.counts.records(), 13u);
  EXPECT_FALSE(r.casemate_verdict.has_value());
}

TEST(TraceFilesTest, BreakBeforeMakeOfABlockShowsOnlyTransientFaults) {
  const StatusOr<CasemateRun> run = check_file("bbm_block.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const CheckResult& r = run->result;
  EXPECT_EQ(r.totals.violations, 1u);
  EXPECT_EQ(r.totals.transient_faults, 1u);
  EXPECT_EQ(r.totals.wrong_translations, 0u);
  EXPECT_EQ(r.totals.violating_sections, 1u);
  EXPECT_EQ(r.totals.sequences, 4);  // epochs of 1 and 1 update: a(1) + a(1)
  const CheckedSection& c = only_section(r);
  EXPECT_EQ(c.context->barriers, (std::vector<uint32_t>{1}));  // three DSBs, one cut
  EXPECT_EQ(c.context->update_lines, (std::vector<uint64_t>{8, 14}));
  EXPECT_EQ(c.context->update_srcs, (std::vector<std::string>{"pgt.c:41", "pgt.c:47"}));
  EXPECT_EQ(c.section.updates[0].kind, UpdateKind::kPud);  // an Arm level-1 entry
  ASSERT_EQ(c.exploration.violations.size(), 1u);
  const Violation& v = c.exploration.violations[0];
  EXPECT_EQ(v.ipa, kIpa);
  EXPECT_EQ(v.before, 0x800007fdu);
  EXPECT_EQ(v.after, 0xc00007fdu);
  EXPECT_EQ(v.observed, 0u);
  EXPECT_EQ(v.cls, ViolationClass::kTransientFault);
  EXPECT_EQ(v.witness, (std::vector<uint32_t>{0}));
  EXPECT_EQ(r.counts.by_kind[static_cast<size_t>(armtrace::EventKind::kTlbi)], 2u);
  EXPECT_EQ(r.counts.by_kind[static_cast<size_t>(armtrace::EventKind::kBarrier)], 3u);
}

TEST(TraceFilesTest, ValidToValidInOneWriteIsTransactional) {
  const StatusOr<CasemateRun> run = check_file("valid_to_valid.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  EXPECT_EQ(run->result.totals.violations, 0u);
  EXPECT_EQ(run->result.totals.updates, 1u);
  EXPECT_EQ(only_section(run->result).context->barriers, (std::vector<uint32_t>{1}));
}

TEST(TraceFilesTest, RemappingAPageTwiceIsAWrongTranslation) {
  const StatusOr<CasemateRun> run = check_file("remap_twice.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const CheckResult& r = run->result;
  EXPECT_EQ(r.totals.violations, 1u);
  EXPECT_EQ(r.totals.wrong_translations, 1u);
  EXPECT_EQ(r.totals.transient_faults, 0u);
  const CheckedSection& c = only_section(r);
  EXPECT_EQ(c.context->first_line, 11u);
  EXPECT_EQ(c.context->last_line, 17u);
  // Both writes come before the first DSB: one epoch.
  EXPECT_EQ(c.context->barriers, (std::vector<uint32_t>{2}));
  const Violation& v = c.exploration.violations.at(0);
  EXPECT_EQ(v.ipa, kIpa);
  EXPECT_EQ(v.before, 0x800007ffu);
  EXPECT_EQ(v.after, 0xa00007ffu);
  EXPECT_EQ(v.observed, 0x900007ffu);
  EXPECT_EQ(v.cls, ViolationClass::kWrongTranslation);
  EXPECT_EQ(v.witness, (std::vector<uint32_t>{0}));
}

TEST(TraceFilesTest, LinkingADirtyTableBeforeClearingItExposesItsStaleEntries) {
  const StatusOr<CasemateRun> run = check_file("dirty_table.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const CheckResult& r = run->result;
  EXPECT_EQ(r.totals.violations, 2u);
  EXPECT_EQ(r.totals.wrong_translations, 2u);
  EXPECT_TRUE(r.findings.empty());  // the stale entries were written while unreachable
  const CheckedSection& c = only_section(r);
  ASSERT_EQ(c.exploration.violations.size(), 2u);
  EXPECT_EQ(c.exploration.violations[0].ipa, kIpa);
  EXPECT_EQ(c.exploration.violations[0].observed, 0x900007ffu);
  EXPECT_EQ(c.exploration.violations[1].ipa, kIpa + 0x2000);
  EXPECT_EQ(c.exploration.violations[1].observed, 0x900027ffu);
  for (const Violation& v : c.exploration.violations) {
    EXPECT_EQ(v.before, 0u);
    EXPECT_EQ(v.after, 0u);
    EXPECT_EQ(v.witness, (std::vector<uint32_t>{0}));  // the link alone
  }
}

TEST(TraceFilesTest, ClearingADirtyTableAndABarrierBeforeLinkingIsTransactional) {
  const StatusOr<CasemateRun> run = check_file("dirty_table_cleared.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const CheckResult& r = run->result;
  EXPECT_EQ(r.totals.violations, 0u);
  EXPECT_EQ(r.totals.sequences, 10);  // a(2) + a(2)
  EXPECT_EQ(only_section(r).context->barriers, (std::vector<uint32_t>{2}));
}

TEST(TraceFilesTest, AnUnlockedWriteToALiveTableIsAFindingWithItsLine) {
  const StatusOr<CasemateRun> run = check_file("unlocked_write.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const CheckResult& r = run->result;
  EXPECT_EQ(r.totals.sections, 0u);
  EXPECT_EQ(r.totals.violations, 0u);
  EXPECT_EQ(r.totals.findings, 1u);
  ASSERT_EQ(r.findings.size(), 1u);  // the data page write at line 13 is not one
  EXPECT_EQ(r.findings[0].kind, "unlocked-write");
  EXPECT_EQ(r.findings[0].line, 11u);
  EXPECT_NE(r.findings[0].detail.find("tid 2"), std::string::npos) << r.findings[0].detail;
  EXPECT_NE(r.findings[0].detail.find("0x7f2f0000"), std::string::npos) << r.findings[0].detail;
}

TEST(TraceFilesTest, AStageOneRootIsExploredWithItsStage) {
  const StatusOr<CasemateRun> run = check_file("stage1.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const CheckResult& r = run->result;
  EXPECT_EQ(r.totals.violations, 0u);
  EXPECT_EQ(r.roots, 1u);
  const CheckedSection& c = only_section(r);
  EXPECT_EQ(c.context->root, 0x7f400000u);
  EXPECT_EQ(c.context->stage, 1);
  EXPECT_EQ(c.context->id, 0u);
  EXPECT_EQ(c.context->tid, 0u);
  EXPECT_EQ(c.context->lock, 0x7f300080u);
  EXPECT_EQ(c.context->barriers, (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(c.context->update_lines, (std::vector<uint64_t>{14, 16}));
  // Each epoch judges VA 0x8040201000 (unmapped in epoch 1) and 0x8040202000 (mapped in epoch 0).
  std::vector<std::pair<uint32_t, uint64_t>> classes;
  for (const AddressClass& a : c.exploration.classes) classes.emplace_back(a.epoch, a.ipa);
  EXPECT_EQ(classes, (std::vector<std::pair<uint32_t, uint64_t>>{
                         {0, 0x8040201000}, {0, 0x8040202000}, {1, 0x8040201000}, {1, 0x8040202000}}));
}

TEST(TraceFilesTest, EveryRecordKindIsCountedAndFolded) {
  const StatusOr<CasemateRun> run = check_file("every_kind.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const CheckResult& r = run->result;
  using K = armtrace::EventKind;
  const std::vector<std::pair<K, uint64_t>> expected = {
      {K::kMemWrite, 5}, {K::kMemRead, 2}, {K::kMemInit, 5}, {K::kMemFree, 1}, {K::kMemSet, 1},
      {K::kBarrier, 4},  {K::kTlbi, 11},   {K::kSysregWrite, 7}, {K::kHint, 4}, {K::kLock, 2},
      {K::kTrylock, 1},  {K::kUnlock, 2}};
  for (const auto& [kind, n] : expected) {
    EXPECT_EQ(r.counts.by_kind[static_cast<size_t>(kind)], n) << armtrace::kEventKindNames[static_cast<size_t>(kind)].name;
  }
  EXPECT_EQ(r.counts.records(), 45u);
  EXPECT_EQ(r.casemate_verdict, "must write to pte while holding owner lock");
  EXPECT_TRUE(run->warnings.empty());
  EXPECT_EQ(r.roots, 2u);  // VTTBR_EL2 and TTBR0_EL2
  // The mismatching read (line 18 reads what memory holds), and the write of line 45 by a tid that
  // holds a lock, but not the root's (set_root_lock, line 14): casemate's own verdict.
  ASSERT_EQ(r.findings.size(), 2u);
  EXPECT_EQ(r.findings[0].kind, "mem-read");
  EXPECT_EQ(r.findings[0].line, 19u);
  EXPECT_EQ(r.findings[1].kind, "unlocked-write");
  EXPECT_EQ(r.findings[1].line, 45u);
  EXPECT_EQ(r.totals.sections, 2u);
  EXPECT_EQ(r.totals.violations, 0u);
  // Each section changes the stage-2 root only: two kept (section, root) pairs.
  ASSERT_EQ(r.kept.size(), 2u);
  const SectionContext& first = *r.kept[0].context;  // lock + trylock re-entry, two unlocks
  EXPECT_EQ(first.tid, 1u);
  EXPECT_EQ(first.first_line, 20u);
  EXPECT_EQ(first.last_line, 25u);
  EXPECT_FALSE(first.open_at_end);
  EXPECT_EQ(first.barriers, (std::vector<uint32_t>{1}));
  EXPECT_EQ(first.update_lines, (std::vector<uint64_t>{22}));
  const SectionContext& last = *r.kept[1].context;  // cut by the verdict line
  EXPECT_EQ(last.tid, 2u);
  EXPECT_EQ(last.lock, 0x7f300080u);
  EXPECT_TRUE(last.open_at_end);
  EXPECT_EQ(last.first_line, 44u);
  EXPECT_EQ(last.last_line, 45u);
  EXPECT_EQ(last.update_srcs, (std::vector<std::string>{"vcpu.c:2"}));
  EXPECT_EQ(r.kept[1].section.seq, 1u);
  for (const CheckedSection& c : r.kept) EXPECT_EQ(c.context->root, kRoot);
}

TEST(TraceFilesTest, AThirtyNineBitIpaWalkStartsAtLevelOne) {
  const StatusOr<CasemateRun> run = check_file("ipa39.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const CheckResult& r = run->result;
  EXPECT_EQ(r.totals.wrong_translations, 1u);
  const CheckedSection& c = only_section(r);
  EXPECT_EQ(c.context->id, 2u);
  EXPECT_EQ(c.section.vmid, 2u);
  EXPECT_EQ(c.section.updates.at(0).kind, UpdateKind::kPte);
  // root[1] is IPA 1 GiB at level 1 (it would be 512 GiB at level 0).
  const Violation& v = c.exploration.violations.at(0);
  EXPECT_EQ(v.ipa, kIpa);
  EXPECT_EQ(v.observed, 0x900007ffu);
}

TEST(TraceFilesTest, AVtcrPtxCannotWalkIsRefusedWithItsLine) {
  for (const auto& [file, rule] : {std::pair<std::string, std::string>{"vtcr_tg0_16k.trace", "TG0 0b10"},
                                   {"vtcr_t0sz40.trace", "T0SZ 40"}}) {
    const StatusOr<CasemateRun> run = check_file(file);
    ASSERT_FALSE(run.ok()) << file;
    EXPECT_EQ(run.status().code(), StatusCode::kUnsupported);
    EXPECT_EQ(run.status().position(), (InputPosition{file, 2, 1}));
    EXPECT_EQ(run.status().to_string().rfind(file + ":2:1: vtcr_el2 value ", 0), 0u) << run.status().to_string();
    EXPECT_NE(run.status().message().find(rule), std::string::npos) << run.status().to_string();
  }
}

TEST(TraceFilesTest, TheSpecExampleMapsInsideItsOwnSection) {
  const StatusOr<CasemateRun> run = check_file("spec_bbm_example.trace");
  ASSERT_TRUE(run.ok()) << run.status().to_string();
  const CheckResult& r = run->result;
  // The block is mapped (line 8) inside the section that then breaks and remakes it: against the
  // section's before-state (unmapped) the first mapping is a third one.
  EXPECT_EQ(r.totals.wrong_translations, 1u);
  EXPECT_EQ(only_section(r).exploration.violations.at(0).observed, 0x80600401u);
  EXPECT_EQ(only_section(r).context->barriers, (std::vector<uint32_t>{1, 2}));
}

TEST(TraceFilesTest, ParallelExplorationGivesTheSameResults) {
  for (const char* f : {"first_map.trace", "bbm_block.trace", "dirty_table.trace", "every_kind.trace"}) {
    const StatusOr<CasemateRun> a = check_file(f, keep_all(false));
    const StatusOr<CasemateRun> b = check_file(f, keep_all(true));
    ASSERT_TRUE(a.ok() && b.ok()) << f;
    EXPECT_EQ(a->result.totals, b->result.totals) << f;
    ASSERT_EQ(a->result.kept.size(), b->result.kept.size()) << f;
    for (size_t i = 0; i < a->result.kept.size(); ++i) {
      EXPECT_EQ(a->result.kept[i].exploration, b->result.kept[i].exploration) << f;
    }
  }
}

}  // namespace
}  // namespace ptx::armcheck
