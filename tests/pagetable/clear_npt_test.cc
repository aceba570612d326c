// SPDX-License-Identifier: BSD-2-Clause
// Stage2Engine::clear_npt (the sekvm engine): a level-3 unmap clears the page's entry; a level-2
// unmap clears a block, or every mapped entry of the level-3 table that maps the range (the table
// stays linked, valid_lnpt holds); each is recorded as an unmap op; under the sekvm policy an
// unmap is the section's one leaf op. Refusals are in errors_test.cc.
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

constexpr uint64_t Page(uint64_t n) { return (0x40000000ULL + n * kPage) | 0x4C3; }
constexpr uint64_t Block(uint64_t n) { return (0x80000000ULL + n * 0x200000) | 0x4C1; }
constexpr uint32_t kVm = 5;

Section RunOp(Stage2Engine& e, const MapOp& op) { return test::run_op(e, kVm, op); }
MapOp Map(uint64_t ipa, int level, uint64_t desc) { return test::map_op(ipa, level, desc); }
MapOp Unmap(uint64_t ipa, int level) { return test::unmap_op(ipa, level); }

TEST(OpKindTest, Names) {
  EXPECT_EQ(op_kind_name(OpKind::kMap), "map");
  EXPECT_EQ(op_kind_name(OpKind::kUnmap), "unmap");
  EXPECT_EQ(parse_enum(kOpKindNames, "unmap"), OpKind::kUnmap);
  EXPECT_EQ(parse_enum(kOpKindNames, "clear"), std::nullopt);
  EXPECT_EQ(MapOp{}.kind, OpKind::kMap);
}

TEST(ClearNptTest, Level3ClearsThePageEntryOnly) {
  Stage2Engine e;
  const uint64_t ipa = SIpa(1, 2, 3, 4), next = SIpa(1, 2, 3, 5);
  RunOp(e, Map(ipa, 3, Page(1)));
  RunOp(e, Map(next, 3, Page(2)));
  const uint64_t l3 = SPmdStart(kVm);
  const Section s = RunOp(e, Unmap(ipa, 3));
  EXPECT_EQ(s.ops, (std::vector<MapOp>{Unmap(ipa, 3)}));
  EXPECT_EQ(s.updates, (std::vector<Update>{{UpdateKind::kPte, SEntry(l3, 4), Page(1), 0}}));
  EXPECT_TRUE(s.barriers.empty());
  EXPECT_TRUE(s.closing_barrier);
  EXPECT_EQ(e.pt_map(kVm, ipa), 0u);
  EXPECT_EQ(e.pt_map(kVm, next), Page(2));
  EXPECT_EQ(e.pt_pmd_next(kVm), l3 + kPage);  // the table stays allocated and linked
  EXPECT_TRUE(e.check_valid_lnpt(kVm).ok());
  // Mapping it again writes the page entry only.
  EXPECT_EQ(RunOp(e, Map(ipa, 3, Page(3))).updates,
            (std::vector<Update>{{UpdateKind::kPte, SEntry(l3, 4), 0, Page(3)}}));
}

TEST(ClearNptTest, Level2ClearsABlock) {
  Stage2Engine e;
  const uint64_t ipa = SIpa(1, 2, 7, 0);
  RunOp(e, Map(ipa, 2, Block(1)));
  const Section s = RunOp(e, Unmap(ipa + 5 * kPage, 2));  // any IPA of the range
  EXPECT_EQ(s.updates, (std::vector<Update>{{UpdateKind::kPmd, SEntry(SPudStart(kVm), 7), Block(1), 0}}));
  EXPECT_EQ(e.pt_map(kVm, ipa), 0u);
  EXPECT_TRUE(e.check_valid_lnpt(kVm).ok());
  RunOp(e, Map(ipa, 3, Page(4)));  // the range can now take a level-3 table
  EXPECT_EQ(e.get_npt_level(kVm, ipa), 3);
}

TEST(ClearNptTest, Level2OverATableClearsEveryMappedEntryAndKeepsTheTable) {
  Stage2Engine e;
  for (uint64_t i : {9u, 0u, 511u}) RunOp(e, Map(SIpa(1, 2, 3, i), 3, Page(i)));
  const uint64_t l3 = SPmdStart(kVm), pmd = SEntry(SPudStart(kVm), 3);
  const Section s = RunOp(e, Unmap(SIpa(1, 2, 3, 0), 2));
  // In entry order, each mapped entry once; the level-2 entry keeps the table.
  EXPECT_EQ(s.updates, (std::vector<Update>{{UpdateKind::kPte, SEntry(l3, 0), Page(0), 0},
                                             {UpdateKind::kPte, SEntry(l3, 9), Page(9), 0},
                                             {UpdateKind::kPte, SEntry(l3, 511), Page(511), 0}}));
  EXPECT_EQ(s.ops, (std::vector<MapOp>{Unmap(SIpa(1, 2, 3, 0), 2)}));
  EXPECT_EQ(e.read_entry(kVm, 2, pmd), l3 | 3);
  EXPECT_EQ(e.parent_of(kVm, l3), pmd);
  for (uint64_t i : {9u, 0u, 511u}) EXPECT_EQ(e.pt_map(kVm, SIpa(1, 2, 3, i)), 0u);
  EXPECT_TRUE(e.check_valid_lnpt(kVm).ok());
  // A second level-2 unmap finds nothing to clear.
  CriticalSection cs;
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  EXPECT_EQ(cs.clear_npt(SIpa(1, 2, 3, 0), 2), NptError::kNotMapped);
}

TEST(ClearNptTest, AnUnmapIsTheSectionsOneLeafOpUnderSekvm) {
  Stage2Engine e;
  RunOp(e, Map(SIpa(1, 2, 3, 4), 3, Page(1)));
  CriticalSection cs;
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  ASSERT_EQ(cs.clear_npt(SIpa(1, 2, 3, 4), 3), NptError::kOk);
  EXPECT_EQ(e.tstate(kVm), 1);
  EXPECT_EQ(cs.set_npt(SIpa(1, 2, 3, 4), 3, Page(2)), NptError::kSecondLeafWrite);
  cs.close();
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  ASSERT_EQ(cs.set_npt(SIpa(1, 2, 3, 4), 3, Page(2)), NptError::kOk);
  EXPECT_EQ(cs.clear_npt(SIpa(1, 2, 3, 4), 3), NptError::kSecondLeafWrite);
}

TEST(ClearNptTest, BatchedSectionsMixMapsAndUnmaps) {
  Stage2Engine e(SectionPolicy::kBatched);
  CriticalSection cs;
  ASSERT_EQ(e.open_section(kVm, &cs), NptError::kOk);
  const uint64_t ipa = SIpa(0, 0, 1, 2);
  ASSERT_EQ(cs.set_npt(ipa, 3, Page(1)), NptError::kOk);
  ASSERT_EQ(cs.clear_npt(ipa, 3), NptError::kOk);
  ASSERT_EQ(cs.set_npt(ipa, 3, Page(2)), NptError::kOk);
  const Section s = cs.close();
  EXPECT_EQ(s.ops, (std::vector<MapOp>{Map(ipa, 3, Page(1)), Unmap(ipa, 3), Map(ipa, 3, Page(2))}));
  ASSERT_EQ(s.updates.size(), 6u);  // PGD PUD PMD PTE, then the PTE twice
  EXPECT_EQ(s.updates[4], (Update{UpdateKind::kPte, s.updates[3].entry, Page(1), 0}));
  EXPECT_EQ(s.updates[5], (Update{UpdateKind::kPte, s.updates[3].entry, 0, Page(2)}));
  EXPECT_EQ(e.pt_map(kVm, ipa), Page(2));
}

}  // namespace
}  // namespace ptx
