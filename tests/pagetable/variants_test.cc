// SPDX-License-Identifier: BSD-2-Clause
// The engine variants (engine_variant.h): each one's write sequence, barriers and closing barrier,
// against the sekvm engine's for the same ops; and the one name table.
#include <cstdint>
#include <set>
#include <string>
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

constexpr uint32_t kVm = 3;
constexpr uint64_t kOutput = 0x0000FFFFFFFFF000ULL;
// A page at output n with attribute bits `attrs` (low 12 bits and the upper bits).
constexpr uint64_t Page(uint64_t n, uint64_t attrs = 0x4C3) { return (0x40000000ULL + n * kPage) | attrs; }
constexpr uint64_t Block(uint64_t n) { return (0x80000000ULL + n * 0x200000) | 0x4C1; }
constexpr uint64_t kIpa = SIpa(1, 2, 3, 4);

Section RunOp(Stage2Engine& e, const MapOp& op) { return test::run_op(e, kVm, op); }
Section Map(Stage2Engine& e, uint64_t ipa, int level, uint64_t desc) { return RunOp(e, test::map_op(ipa, level, desc)); }
Section Unmap(Stage2Engine& e, uint64_t ipa, int level) { return RunOp(e, test::unmap_op(ipa, level)); }

Update Pte(uint64_t entry, uint64_t from, uint64_t to) { return Update{UpdateKind::kPte, entry, from, to}; }
const uint64_t kPte = SEntry(SPmdStart(kVm), 4);  // kIpa's level-3 entry (first level-3 page)

TEST(EngineVariantTest, OneNameTable) {
  std::set<std::string> names;
  for (const auto& [v, name] : kEngineVariantNames) {
    EXPECT_EQ(engine_variant_name(v), name);
    EXPECT_EQ(parse_enum(kEngineVariantNames, name), v);
    names.emplace(name);
  }
  EXPECT_EQ(names, (std::set<std::string>{"sekvm", "bbm", "dirty-reuse", "two-step-update", "missing-barrier"}));
  EXPECT_EQ(Stage2Engine().variant(), EngineVariant::kSekvm);
  EXPECT_EQ(Stage2Engine(SectionPolicy::kBatched, EngineVariant::kBbm).variant(), EngineVariant::kBbm);
}

TEST(EngineVariantTest, SekvmRemapsInOneWrite) {
  Stage2Engine e;
  Map(e, kIpa, 3, Page(1));
  const Section s = Map(e, kIpa, 3, Page(2, 0x7FF));
  EXPECT_EQ(s.updates, (std::vector<Update>{Pte(kPte, Page(1), Page(2, 0x7FF))}));
  EXPECT_TRUE(s.barriers.empty());
  EXPECT_TRUE(s.closing_barrier);
}

TEST(EngineVariantTest, BbmBreaksABarrierThenMakes) {
  Stage2Engine e(SectionPolicy::kSekvm, EngineVariant::kBbm);
  EXPECT_EQ(Map(e, kIpa, 3, Page(1)).updates.size(), 4u);  // 0 -> valid: no break
  const Section s = Map(e, kIpa, 3, Page(2));
  EXPECT_EQ(s.updates, (std::vector<Update>{Pte(kPte, Page(1), 0), Pte(kPte, 0, Page(2))}));
  EXPECT_EQ(s.barriers, (std::vector<uint32_t>{1}));
  EXPECT_TRUE(s.closing_barrier);
  EXPECT_EQ(Map(e, kIpa, 3, Page(2)).updates.size(), 1u);  // the same value: nothing to break
  EXPECT_TRUE(Unmap(e, kIpa, 3).barriers.empty());      // an unmap is only the break
  // A block replaced by another block.
  const uint64_t block = SIpa(1, 2, 9, 0), pmd = SEntry(SPudStart(kVm), 9);
  Map(e, block, 2, Block(1));
  const Section b = Map(e, block, 2, Block(2));
  EXPECT_EQ(b.updates, (std::vector<Update>{{UpdateKind::kPmd, pmd, Block(1), 0}, {UpdateKind::kPmd, pmd, 0, Block(2)}}));
  EXPECT_EQ(b.barriers, (std::vector<uint32_t>{1}));
  EXPECT_TRUE(e.check_valid_lnpt(kVm).ok());
}

TEST(EngineVariantTest, BbmBarrierIndexesCountTheSectionsEarlierWrites) {
  Stage2Engine e(SectionPolicy::kBatched, EngineVariant::kBbm);
  Map(e, kIpa, 3, Page(1));
  CriticalSection cs;
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  ASSERT_EQ(cs.set_npt(SIpa(5, 0, 0, 0), 3, Page(7)), NptError::kOk);  // 4 writes
  ASSERT_EQ(cs.set_npt(kIpa, 3, Page(2)), NptError::kOk);              // break, barrier, make
  const Section s = cs.close();
  ASSERT_EQ(s.updates.size(), 6u);
  EXPECT_EQ(s.barriers, (std::vector<uint32_t>{5}));
  EXPECT_EQ(s.updates[4], Pte(kPte, Page(1), 0));
}

TEST(EngineVariantTest, TwoStepUpdateWritesTheOldOutputWithTheNewAttributesFirst) {
  Stage2Engine e(SectionPolicy::kSekvm, EngineVariant::kTwoStepUpdate);
  Map(e, kIpa, 3, Page(1, 0x77F));  // read-only
  const uint64_t rw = Page(2, 0x7FF);
  const uint64_t step = (Page(1, 0x77F) & kOutput) | 0x7FF;  // page 1, read/write
  EXPECT_EQ(Map(e, kIpa, 3, rw).updates, (std::vector<Update>{Pte(kPte, Page(1, 0x77F), step), Pte(kPte, step, rw)}));
  // Only the attributes, or only the output, change: one write.
  EXPECT_EQ(Map(e, kIpa, 3, Page(2, 0x77F)).updates, (std::vector<Update>{Pte(kPte, rw, Page(2, 0x77F))}));
  EXPECT_EQ(Map(e, kIpa, 3, Page(3, 0x77F)).updates, (std::vector<Update>{Pte(kPte, Page(2, 0x77F), Page(3, 0x77F))}));
  EXPECT_TRUE(Map(e, kIpa, 3, Page(4)).barriers.empty());
  EXPECT_TRUE(e.check_valid_lnpt(kVm).ok());
}

TEST(EngineVariantTest, MissingBarrierClosesWithoutIt) {
  Stage2Engine sekvm, e(SectionPolicy::kSekvm, EngineVariant::kMissingBarrier);
  for (const MapOp& op : {MapOp{kIpa, 3, Page(1)}, MapOp{kIpa, 3, Page(2)}, MapOp{kIpa, 3, 0, OpKind::kUnmap}}) {
    Section want = RunOp(sekvm, op);
    const Section got = RunOp(e, op);
    EXPECT_FALSE(got.closing_barrier);
    want.closing_barrier = false;
    std::erase_if(want.maintenance, [](const TlbMaintenance& m) { return m.kind == TlbMaintenance::Kind::kDsb; });
    EXPECT_EQ(got, want);  // the same writes, and the same TLBIs without their DSBs
  }
}

// Dirty reuse: a table-mapped range unmapped at level 2 unlinks and frees its table, entries and
// all; the next level-3 table comes from the free list, is linked, then its stale entries cleared.
TEST(EngineVariantTest, DirtyReuseFreesTheTableAndLinksItBeforeClearingIt) {
  Stage2Engine e(SectionPolicy::kSekvm, EngineVariant::kDirtyReuse);
  const uint64_t t = SPmdStart(kVm), pmd_a = SEntry(SPudStart(kVm), 3), pmd_b = SEntry(SPudStart(kVm), 8);
  for (uint64_t i : {4u, 6u, 7u}) Map(e, SIpa(1, 2, 3, i), 3, Page(i));
  const Section unplug = Unmap(e, SIpa(1, 2, 3, 0), 2);
  EXPECT_EQ(unplug.updates, (std::vector<Update>{{UpdateKind::kPmd, pmd_a, t | 3, 0}}));
  EXPECT_EQ(e.read_entry(kVm, 3, SEntry(t, 6)), Page(6));  // the freed page keeps its entries
  EXPECT_EQ(e.parent_of(kVm, t), 0u);
  EXPECT_FALSE(e.check_valid_lnpt(kVm).ok()) << "valid_lnpt does not hold for a dirty free page";
  // A page of another range reuses the table (no bump), linked first.
  const Section reuse = Map(e, SIpa(1, 2, 8, 6), 3, Page(9));
  EXPECT_EQ(reuse.updates, (std::vector<Update>{{UpdateKind::kPmd, pmd_b, 0, t | 3},
                                                 Pte(SEntry(t, 4), Page(4), 0), Pte(SEntry(t, 7), Page(7), 0),
                                                 Pte(SEntry(t, 6), Page(6), Page(9))}));
  EXPECT_EQ(e.pt_pmd_next(kVm), t + kPage);
  EXPECT_EQ(e.parent_of(kVm, t), pmd_b);
  EXPECT_TRUE(e.check_valid_lnpt(kVm).ok());
  // The next new range takes a fresh page from the bump pointer.
  EXPECT_EQ(Map(e, SIpa(1, 2, 10, 0), 3, Page(10)).updates[0],
            (Update{UpdateKind::kPmd, SEntry(SPudStart(kVm), 10), 0, (t + kPage) | 3}));
  // A block unmap does not free anything.
  Map(e, SIpa(1, 2, 20, 0), 2, Block(1));
  EXPECT_EQ(Unmap(e, SIpa(1, 2, 20, 0), 2).updates.size(), 1u);
  EXPECT_TRUE(e.check_valid_lnpt(kVm).ok());
}

}  // namespace
}  // namespace ptx
