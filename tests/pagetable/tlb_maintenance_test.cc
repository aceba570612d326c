// SPDX-License-Identifier: BSD-2-Clause
// The TLB maintenance each engine variant records (Section::maintenance, engine_variant.h): none
// for a map over an invalid entry; Linux's flush after an unmap or remap (after the section's
// last write); bbm's between the break and the make; none for dirty-reuse's unlinked table; no DSB under missing-barrier; and the
// caller's steps (Stage2Engine::maintain) with their barriers.
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "pagetable/section.h"
#include "tests/support/engine_ops.h"
#include "tests/support/spec_model.h"

namespace ptx {
namespace {

using namespace ptx::spec;
using Kind = TlbMaintenance::Kind;

constexpr uint32_t kVm = 2;
constexpr uint64_t kIpa = SIpa(1, 2, 3, 4);
constexpr uint64_t kBlockIpa = SIpa(1, 2, 9, 0);
constexpr uint64_t Page(uint64_t n, uint64_t attrs = 0x4C3) { return (0x40000000ULL + n * kPage) | attrs; }
constexpr uint64_t Block(uint64_t n) { return (0x80000000ULL + n * 0x200000) | 0x4C1; }

TlbMaintenance Dsb(uint32_t at) { return TlbMaintenance{at, Kind::kDsb, TlbiKind::kVmalls12e1is, 0, 0}; }
TlbMaintenance Tlbi(uint32_t at, TlbiKind op, uint64_t ipa = 0, uint8_t level = 0) {
  return TlbMaintenance{at, Kind::kTlbi, op, ipa, level};
}
// kvm_tlb_flush_vmid_ipa after `at` writes.
std::vector<TlbMaintenance> FlushIpa(uint32_t at, uint64_t ipa, uint8_t level) {
  return {Dsb(at), Tlbi(at, TlbiKind::kIpas2e1is, ipa, level), Dsb(at), Tlbi(at, TlbiKind::kVmalle1is), Dsb(at)};
}
std::vector<TlbMaintenance> FlushVmid(uint32_t at) { return {Dsb(at), Tlbi(at, TlbiKind::kVmalls12e1is), Dsb(at)}; }

Section Map(Stage2Engine& e, uint64_t ipa, int level, uint64_t d) { return test::run_op(e, kVm, test::map_op(ipa, level, d)); }
Section Unmap(Stage2Engine& e, uint64_t ipa, int level) { return test::run_op(e, kVm, test::unmap_op(ipa, level)); }

TEST(TlbMaintenanceTest, SekvmFlushesWhatAnUnmapOrRemapRemoved) {
  Stage2Engine e;
  EXPECT_TRUE(Map(e, kIpa, 3, Page(1)).maintenance.empty());  // 0 -> value needs none
  EXPECT_EQ(Map(e, kIpa, 3, Page(2, 0x7FF)).maintenance, FlushIpa(1, kIpa, 3));  // the remap, after its write
  EXPECT_EQ(Unmap(e, kIpa, 3).maintenance, FlushIpa(1, kIpa, 3));
  Map(e, kBlockIpa, 2, Block(1));
  const Section block = Unmap(e, kBlockIpa, 2);
  EXPECT_EQ(block.maintenance, FlushIpa(1, kBlockIpa, 2));  // TTL hint: the block's level
  EXPECT_TRUE(block.barriers.empty());
  EXPECT_TRUE(block.closing_barrier);
  for (uint64_t i : {4u, 5u, 9u}) Map(e, SIpa(1, 2, 3, i), 3, Page(i));
  const Section range = Unmap(e, SIpa(1, 2, 3, 0), 2);  // the PTEs of a level-3 table
  ASSERT_EQ(range.updates.size(), 3u);
  EXPECT_EQ(range.maintenance, FlushVmid(3));
}

TEST(TlbMaintenanceTest, BbmFlushesBetweenTheBreakAndTheMake) {
  Stage2Engine e(SectionPolicy::kSekvm, EngineVariant::kBbm);
  Map(e, kIpa, 3, Page(1));
  const Section s = Map(e, kIpa, 3, Page(2));
  ASSERT_EQ(s.updates.size(), 2u);
  EXPECT_EQ(s.barriers, (std::vector<uint32_t>{1}));
  EXPECT_EQ(s.maintenance, FlushIpa(1, kIpa, 3));  // its first DSB is the break's barrier
  EXPECT_EQ(Unmap(e, kIpa, 3).maintenance, FlushIpa(1, kIpa, 3));
}

TEST(TlbMaintenanceTest, DirtyReuseFreesAnUnlinkedTableWithoutATlbi) {
  Stage2Engine e(SectionPolicy::kSekvm, EngineVariant::kDirtyReuse);
  for (uint64_t i : {4u, 6u}) Map(e, SIpa(1, 2, 3, i), 3, Page(i));
  EXPECT_TRUE(Unmap(e, SIpa(1, 2, 3, 0), 2).maintenance.empty());
  Map(e, kBlockIpa, 2, Block(1));
  EXPECT_EQ(Unmap(e, kBlockIpa, 2).maintenance, FlushIpa(1, kBlockIpa, 2));  // other unmaps as sekvm
}

TEST(TlbMaintenanceTest, TwoStepUpdateFlushesOnceAfterItsSecondWrite) {
  Stage2Engine e(SectionPolicy::kSekvm, EngineVariant::kTwoStepUpdate);
  Map(e, kIpa, 3, Page(1, 0x77F));
  const Section s = Map(e, kIpa, 3, Page(2, 0x7FF));
  ASSERT_EQ(s.updates.size(), 2u);
  EXPECT_EQ(s.maintenance, FlushIpa(2, kIpa, 3));
}

TEST(TlbMaintenanceTest, MissingBarrierIssuesTheTlbisWithoutDsbs) {
  Stage2Engine e(SectionPolicy::kSekvm, EngineVariant::kMissingBarrier);
  Map(e, kIpa, 3, Page(1));
  const Section s = Unmap(e, kIpa, 3);
  EXPECT_EQ(s.maintenance, (std::vector<TlbMaintenance>{Tlbi(1, TlbiKind::kIpas2e1is, kIpa, 3),
                                                         Tlbi(1, TlbiKind::kVmalle1is)}));
  EXPECT_FALSE(s.closing_barrier);
}

// A batched section flushes once, after its last write, for everything it removed: its writes
// stay one epoch (no barrier inside).
TEST(TlbMaintenanceTest, ABatchedSectionFlushesOnceAtItsEnd) {
  Stage2Engine e(SectionPolicy::kBatched);
  const uint64_t other = SIpa(1, 2, 3, 6);
  Map(e, kIpa, 3, Page(1));
  Map(e, other, 3, Page(6));
  CriticalSection cs;
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  ASSERT_EQ(cs.clear_npt(kIpa, 3), NptError::kOk);
  ASSERT_EQ(cs.set_npt(other, 3, Page(7)), NptError::kOk);  // a remap
  ASSERT_EQ(cs.set_npt(SIpa(1, 2, 3, 8), 3, Page(8)), NptError::kOk);
  const Section s = cs.close();
  EXPECT_TRUE(s.barriers.empty());
  EXPECT_EQ(s.maintenance, (std::vector<TlbMaintenance>{Dsb(3), Tlbi(3, TlbiKind::kIpas2e1is, kIpa, 3),
                                                         Tlbi(3, TlbiKind::kIpas2e1is, other, 3), Dsb(3),
                                                         Tlbi(3, TlbiKind::kVmalle1is), Dsb(3)}));
}

// The caller's steps come after the engine's flush of what the section removed so far, at the
// current write; a DSB between writes is a barrier, one after the last write the closing barrier
// (even under missing-barrier).
TEST(TlbMaintenanceTest, CallerStepsFollowTheEnginesFlush) {
  Stage2Engine e(SectionPolicy::kBatched);
  Map(e, kIpa, 3, Page(1));
  CriticalSection cs;
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  ASSERT_EQ(cs.clear_npt(kIpa, 3), NptError::kOk);
  ASSERT_EQ(cs.maintain(Tlbi(0, TlbiKind::kAlle1is)), NptError::kOk);
  std::vector<TlbMaintenance> want = FlushIpa(1, kIpa, 3);
  want.push_back(Tlbi(1, TlbiKind::kAlle1is));
  EXPECT_EQ(cs.close().maintenance, want);
}

TEST(TlbMaintenanceTest, CallerStepsAndTheirBarriers) {
  Stage2Engine e(SectionPolicy::kBatched, EngineVariant::kMissingBarrier);
  CriticalSection cs;
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  ASSERT_EQ(cs.maintain(Dsb(99)), NptError::kOk);  // before any write: no barrier; `at` is set by the engine
  ASSERT_EQ(cs.set_npt(kIpa, 3, Page(1)), NptError::kOk);  // 4 writes
  ASSERT_EQ(cs.maintain(Dsb(0)), NptError::kOk);
  ASSERT_EQ(cs.set_npt(SIpa(1, 2, 3, 5), 3, Page(5)), NptError::kOk);
  ASSERT_EQ(cs.maintain(Tlbi(0, TlbiKind::kIpas2e1is, kIpa, 0)), NptError::kOk);
  ASSERT_EQ(cs.maintain(Dsb(0)), NptError::kOk);
  const Section s = cs.close();
  EXPECT_EQ(s.maintenance, (std::vector<TlbMaintenance>{Dsb(0), Dsb(4), Tlbi(5, TlbiKind::kIpas2e1is, kIpa, 0), Dsb(5)}));
  EXPECT_EQ(s.barriers, (std::vector<uint32_t>{4}));
  EXPECT_TRUE(s.closing_barrier);
  EXPECT_EQ(CriticalSection().maintain(Dsb(0)), NptError::kLockNotHeld);
}

}  // namespace
}  // namespace ptx
