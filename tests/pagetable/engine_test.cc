// SPDX-License-Identifier: BSD-2-Clause
// Stage2Engine: allocation from the bump pointers, parent records, the pt_updates list of every
// row of SPEC §5's case table, critical sections (CriticalSection RAII), section policies, and the
// walk (pt_map / get_npt_level) of what was mapped.
//
// Expected entry addresses and values come from SPEC §2 formulas written out below, not from
// pagetable/constants.h.
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/constants.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "pagetable/npt_image.h"
#include "pagetable/section.h"
#include "pagetable/update.h"
#include "tests/support/spec_model.h"

namespace ptx {
namespace {

// ---- SPEC §2, independently (tests/spec_model.h) ------------------------------------------
using namespace ptx::spec;

constexpr uint64_t Page(uint64_t n) { return (0x40000000ULL + n * kPage) | 0x4C3; }   // a 4 KiB page
constexpr uint64_t Block(uint64_t n) { return (0x80000000ULL + n * 0x200000) | 0x4C1; }  // a 2 MiB block

Update U(UpdateKind k, uint64_t entry, uint64_t old_value, uint64_t new_value) {
  return Update{k, entry, old_value, new_value};
}

// Opens a section, makes one set_npt, closes it; returns the section. Fails the test on error.
Section MapOne(Stage2Engine& e, uint32_t vm, uint64_t ipa, int level, uint64_t desc) {
  CriticalSection cs;
  EXPECT_EQ(e.open_section(vm, &cs), NptError::kOk);
  EXPECT_EQ(cs.set_npt(ipa, level, desc), NptError::kOk) << std::hex << ipa;
  return cs.close();
}

// ---- constants.h against the SPEC --------------------------------------------------------------

TEST(ConstantsTest, PoolLayoutMatchesSpec) {
  for (uint64_t vm = 0; vm <= 16; ++vm) {
    EXPECT_EQ(pool_start(vm), SPoolStart(vm));
    EXPECT_EQ(pgd_start(vm), SPgdStart(vm));
    EXPECT_EQ(pud_start(vm), SPudStart(vm));
    EXPECT_EQ(pmd_start(vm), SPmdStart(vm));
    EXPECT_EQ(pool_end(vm), SPoolEnd(vm));
    EXPECT_EQ(pt_vttbr(vm), SPoolStart(vm) | (vm << 48));
  }
  EXPECT_EQ(pool_start(0), 0x10000u);
  EXPECT_EQ(pool_end(14), 0x1e010000u);  // PT_POOL_END covers VMs 0..14
  EXPECT_EQ((SPudStart(0) - SPgdStart(0)) / kPage, 256u);
  EXPECT_EQ((SPmdStart(0) - SPudStart(0)) / kPage, 2048u);
  EXPECT_EQ((SPoolEnd(0) - SPmdStart(0)) / kPage, 5887u);
  EXPECT_TRUE(valid_vmid(0));
  EXPECT_TRUE(valid_vmid(16));
  EXPECT_FALSE(valid_vmid(17));
  EXPECT_TRUE(valid_addr((uint64_t{1} << 48) - 1));
  EXPECT_FALSE(valid_addr(uint64_t{1} << 48));
  EXPECT_EQ(phys_page(~uint64_t{0}), 0x0000FFFFFFFFF000ULL);
  EXPECT_EQ(pmd_table(0x1237), 3u);
}

TEST(UpdateKindTest, NamesParseAndLevels) {
  const UpdateKind kinds[] = {UpdateKind::kPgd, UpdateKind::kPud, UpdateKind::kPmd, UpdateKind::kPte};
  const char* names[] = {"PGD", "PUD", "PMD", "PTE"};
  const char* lower[] = {"pgd", "pUd", "pmD", "pte"};
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(update_kind_name(kinds[i]), names[i]);
    UpdateKind k = UpdateKind::kPgd;
    ASSERT_TRUE(parse_update_kind(names[i], &k));
    EXPECT_EQ(k, kinds[i]);
    ASSERT_TRUE(parse_update_kind(lower[i], &k));
    EXPECT_EQ(k, kinds[i]);
    EXPECT_EQ(kind_at_level(i, 4), kinds[i]);
    EXPECT_EQ(level_of_kind(kinds[i], 4), i);
  }
  UpdateKind k = UpdateKind::kPmd;
  EXPECT_FALSE(parse_update_kind("", &k));
  EXPECT_FALSE(parse_update_kind("PT", &k));
  EXPECT_FALSE(parse_update_kind("PTEX", &k));
  EXPECT_EQ(k, UpdateKind::kPmd);
  // 3 levels: aligned at the leaf.
  EXPECT_EQ(kind_at_level(0, 3), UpdateKind::kPud);
  EXPECT_EQ(kind_at_level(2, 3), UpdateKind::kPte);
  EXPECT_EQ(level_of_kind(UpdateKind::kPmd, 3), 1);
}

// ---- Fresh engine ------------------------------------------------------------------------------

TEST(EngineTest, FreshEngineIsEmptyAndValid) {
  Stage2Engine e;
  EXPECT_EQ(e.policy(), SectionPolicy::kSekvm);
  EXPECT_EQ(Stage2Engine::geometry(), Geometry::sekvm());
  EXPECT_FALSE(e.halted());
  for (uint32_t vm = 0; vm <= 16; ++vm) {
    EXPECT_EQ(e.pt_pgd_next(vm), SPgdStart(vm));
    EXPECT_EQ(e.pt_pud_next(vm), SPudStart(vm));
    EXPECT_EQ(e.pt_pmd_next(vm), SPmdStart(vm));
    EXPECT_EQ(e.tstate(vm), 0);
    EXPECT_TRUE(e.pending_updates(vm).empty());
    EXPECT_EQ(e.sections_completed(vm), 0u);
    EXPECT_EQ(e.parent_of(vm, SPgdStart(vm)), 0u);
    EXPECT_EQ(e.parent_of(vm, SPmdStart(vm)), 0u);
    EXPECT_EQ(e.pt_map(vm, 0), 0u);
    EXPECT_EQ(e.pt_map(vm, (uint64_t{1} << 48) - 1), 0u);
    EXPECT_EQ(e.get_npt_level(vm, 0x123000), 0);
    EXPECT_TRUE(e.check_valid_lnpt(vm).ok());
  }
}

// ---- Case table rows (SPEC §5) -------------------------------------------------------------------

class CaseTableTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  uint32_t vm() const { return GetParam(); }
  Stage2Engine e_;
};

// Row 1: level 3, nothing mapped under the root entry: PGD PUD PMD PTE. The first pages are the
// pools' first pages, and parent_of records the entries that point at them.
TEST_P(CaseTableTest, Level3NothingMapped) {
  const uint64_t ipa = SIpa(3, 7, 11, 13, 0x5);
  const Section s = MapOne(e_, vm(), ipa, 3, Page(1));
  const uint64_t root_e = SEntry(SPoolStart(vm()), 3);
  const uint64_t pud_e = SEntry(SPgdStart(vm()), 7);
  const uint64_t pmd_e = SEntry(SPudStart(vm()), 11);
  const uint64_t pte_e = SEntry(SPmdStart(vm()), 13);
  EXPECT_EQ(s.updates, (std::vector<Update>{U(UpdateKind::kPgd, root_e, 0, SPgdStart(vm()) | 3),
                                             U(UpdateKind::kPud, pud_e, 0, SPudStart(vm()) | 3),
                                             U(UpdateKind::kPmd, pmd_e, 0, SPmdStart(vm()) | 3),
                                             U(UpdateKind::kPte, pte_e, 0, Page(1))}));
  EXPECT_EQ(s.vmid, vm());
  EXPECT_EQ(s.seq, 0u);
  EXPECT_EQ(s.ops, (std::vector<MapOp>{MapOp{ipa, 3, Page(1)}}));
  EXPECT_EQ(e_.parent_of(vm(), SPgdStart(vm())), root_e);
  EXPECT_EQ(e_.parent_of(vm(), SPudStart(vm())), pud_e);
  EXPECT_EQ(e_.parent_of(vm(), SPmdStart(vm())), pmd_e);
  EXPECT_EQ(e_.parent_of(vm(), SPgdStart(vm()) + kPage), 0u);
  EXPECT_EQ(e_.pt_pgd_next(vm()), SPgdStart(vm()) + kPage);
  EXPECT_EQ(e_.pt_pud_next(vm()), SPudStart(vm()) + kPage);
  EXPECT_EQ(e_.pt_pmd_next(vm()), SPmdStart(vm()) + kPage);
  EXPECT_EQ(e_.read_entry(vm(), 0, root_e), SPgdStart(vm()) | 3);
  EXPECT_EQ(e_.read_entry(vm(), 1, pud_e), SPudStart(vm()) | 3);
  EXPECT_EQ(e_.read_entry(vm(), 2, pmd_e), SPmdStart(vm()) | 3);
  EXPECT_EQ(e_.read_entry(vm(), 3, pte_e), Page(1));
  EXPECT_EQ(e_.read_entry(vm(), 3, pte_e + 7), Page(1));  // rounded down to the entry
  EXPECT_EQ(e_.pt_map(vm(), ipa), Page(1));
  EXPECT_EQ(e_.get_npt_level(vm(), ipa), 3);
  EXPECT_TRUE(e_.check_valid_lnpt(vm()).ok());
}

// Row 2: level 3, level-1 table exists (same pgd index): PUD PMD PTE.
TEST_P(CaseTableTest, Level3Level1TableExists) {
  MapOne(e_, vm(), SIpa(3, 7, 11, 13), 3, Page(1));
  const uint64_t ipa = SIpa(3, 8, 4, 2);
  const Section s = MapOne(e_, vm(), ipa, 3, Page(2));
  const uint64_t l2 = SPudStart(vm()) + kPage, l3 = SPmdStart(vm()) + kPage;
  EXPECT_EQ(s.updates, (std::vector<Update>{
                           U(UpdateKind::kPud, SEntry(SPgdStart(vm()), 8), 0, l2 | 3),
                           U(UpdateKind::kPmd, SEntry(l2, 4), 0, l3 | 3),
                           U(UpdateKind::kPte, SEntry(l3, 2), 0, Page(2))}));
  EXPECT_EQ(s.seq, 1u);
  EXPECT_EQ(e_.pt_pgd_next(vm()), SPgdStart(vm()) + kPage);  // unchanged
  EXPECT_EQ(e_.pt_pud_next(vm()), SPudStart(vm()) + 2 * kPage);
  EXPECT_EQ(e_.pt_pmd_next(vm()), SPmdStart(vm()) + 2 * kPage);
  EXPECT_EQ(e_.parent_of(vm(), l2), SEntry(SPgdStart(vm()), 8));
  EXPECT_EQ(e_.parent_of(vm(), l3), SEntry(l2, 4));
  EXPECT_EQ(e_.pt_map(vm(), ipa), Page(2));
  EXPECT_EQ(e_.pt_map(vm(), SIpa(3, 7, 11, 13)), Page(1));
  EXPECT_TRUE(e_.check_valid_lnpt(vm()).ok());
}

// Row 3: level 3, level-2 table exists (same pgd and pud indexes): PMD PTE.
TEST_P(CaseTableTest, Level3Level2TableExists) {
  MapOne(e_, vm(), SIpa(3, 7, 11, 13), 3, Page(1));
  const uint64_t ipa = SIpa(3, 7, 12, 0);
  const Section s = MapOne(e_, vm(), ipa, 3, Page(3));
  const uint64_t l3 = SPmdStart(vm()) + kPage;
  EXPECT_EQ(s.updates, (std::vector<Update>{U(UpdateKind::kPmd, SEntry(SPudStart(vm()), 12), 0, l3 | 3),
                                             U(UpdateKind::kPte, SEntry(l3, 0), 0, Page(3))}));
  EXPECT_EQ(e_.pt_pud_next(vm()), SPudStart(vm()) + kPage);
  EXPECT_EQ(e_.pt_pmd_next(vm()), SPmdStart(vm()) + 2 * kPage);
  EXPECT_EQ(e_.parent_of(vm(), l3), SEntry(SPudStart(vm()), 12));
  EXPECT_EQ(e_.pt_map(vm(), ipa), Page(3));
  EXPECT_TRUE(e_.check_valid_lnpt(vm()).ok());
}

// Row 4: level 3, level-3 table exists (same 2 MiB region): PTE only.
TEST_P(CaseTableTest, Level3Level3TableExists) {
  MapOne(e_, vm(), SIpa(3, 7, 11, 13), 3, Page(1));
  const uint64_t ipa = SIpa(3, 7, 11, 511, 0xFFF);
  const Section s = MapOne(e_, vm(), ipa, 3, Page(4));
  EXPECT_EQ(s.updates, (std::vector<Update>{U(UpdateKind::kPte, SEntry(SPmdStart(vm()), 511), 0, Page(4))}));
  EXPECT_EQ(e_.pt_pgd_next(vm()), SPgdStart(vm()) + kPage);
  EXPECT_EQ(e_.pt_pud_next(vm()), SPudStart(vm()) + kPage);
  EXPECT_EQ(e_.pt_pmd_next(vm()), SPmdStart(vm()) + kPage);
  EXPECT_EQ(e_.pt_map(vm(), ipa), Page(4));
  EXPECT_EQ(e_.pt_map(vm(), SIpa(3, 7, 11, 510)), 0u);
  EXPECT_TRUE(e_.check_valid_lnpt(vm()).ok());
}

// Row 5: level 2, nothing mapped: PGD PUD PMD (the PMD write is the block itself).
TEST_P(CaseTableTest, Level2NothingMapped) {
  const uint64_t ipa = SIpa(511, 511, 511, 0);
  const Section s = MapOne(e_, vm(), ipa, 2, Block(1));
  EXPECT_EQ(s.updates, (std::vector<Update>{
                           U(UpdateKind::kPgd, SEntry(SPoolStart(vm()), 511), 0, SPgdStart(vm()) | 3),
                           U(UpdateKind::kPud, SEntry(SPgdStart(vm()), 511), 0, SPudStart(vm()) | 3),
                           U(UpdateKind::kPmd, SEntry(SPudStart(vm()), 511), 0, Block(1))}));
  EXPECT_EQ(s.ops, (std::vector<MapOp>{MapOp{ipa, 2, Block(1)}}));
  EXPECT_EQ(e_.pt_pgd_next(vm()), SPgdStart(vm()) + kPage);
  EXPECT_EQ(e_.pt_pud_next(vm()), SPudStart(vm()) + kPage);
  EXPECT_EQ(e_.pt_pmd_next(vm()), SPmdStart(vm()));  // no level-3 table for a block
  EXPECT_EQ(e_.parent_of(vm(), SPmdStart(vm())), 0u);
  EXPECT_EQ(e_.parent_of(vm(), SPudStart(vm())), SEntry(SPgdStart(vm()), 511));
  EXPECT_EQ(e_.get_npt_level(vm(), ipa), 2);
  EXPECT_TRUE(e_.check_valid_lnpt(vm()).ok());
}

// Row 6: level 2 with the level-2 table existing: PMD only.
TEST_P(CaseTableTest, Level2Level2TableExists) {
  MapOne(e_, vm(), SIpa(511, 511, 511, 0), 2, Block(1));
  const uint64_t ipa = SIpa(511, 511, 0, 0);
  const Section s = MapOne(e_, vm(), ipa, 2, Block(2));
  EXPECT_EQ(s.updates, (std::vector<Update>{U(UpdateKind::kPmd, SEntry(SPudStart(vm()), 0), 0, Block(2))}));
  EXPECT_EQ(e_.pt_pud_next(vm()), SPudStart(vm()) + kPage);
  // A level-3 table in another 2 MiB region of the same level-2 table is fine too.
  const Section s2 = MapOne(e_, vm(), SIpa(511, 511, 1, 9), 3, Page(9));
  EXPECT_EQ(s2.updates, (std::vector<Update>{
                            U(UpdateKind::kPmd, SEntry(SPudStart(vm()), 1), 0, SPmdStart(vm()) | 3),
                            U(UpdateKind::kPte, SEntry(SPmdStart(vm()), 9), 0, Page(9))}));
  EXPECT_EQ(e_.pt_map(vm(), ipa), Block(2));
  EXPECT_EQ(e_.pt_map(vm(), SIpa(511, 511, 511, 3)), Block(1));
  EXPECT_EQ(e_.pt_map(vm(), SIpa(511, 511, 1, 9)), Page(9));
  EXPECT_TRUE(e_.check_valid_lnpt(vm()).ok());
}

INSTANTIATE_TEST_SUITE_P(Vmids, CaseTableTest, ::testing::Values(0u, 1u, 7u, 15u, 16u));

// ---- Bump pointers -------------------------------------------------------------------------------

TEST(EngineTest, BumpPointersAdvanceOnePagePerAllocation) {
  Stage2Engine e;
  const uint32_t vm = 4;
  for (uint64_t i = 0; i < 20; ++i) {
    // Each op needs a new level-1, level-2 and level-3 page (distinct pgd index).
    MapOne(e, vm, SIpa(i, i, i, i), 3, Page(i));
    EXPECT_EQ(e.pt_pgd_next(vm), SPgdStart(vm) + (i + 1) * kPage);
    EXPECT_EQ(e.pt_pud_next(vm), SPudStart(vm) + (i + 1) * kPage);
    EXPECT_EQ(e.pt_pmd_next(vm), SPmdStart(vm) + (i + 1) * kPage);
    EXPECT_EQ(e.parent_of(vm, SPgdStart(vm) + i * kPage), SEntry(SPoolStart(vm), i));
    EXPECT_EQ(e.parent_of(vm, SPudStart(vm) + i * kPage), SEntry(SPgdStart(vm) + i * kPage, i));
    EXPECT_EQ(e.parent_of(vm, SPmdStart(vm) + i * kPage), SEntry(SPudStart(vm) + i * kPage, i));
  }
  // Other VMs are untouched.
  for (uint32_t other : {3u, 5u}) {
    EXPECT_EQ(e.pt_pgd_next(other), SPgdStart(other));
    EXPECT_EQ(e.pt_map(other, SIpa(0, 0, 0, 0)), 0u);
  }
  // Not a pool page / not page-aligned / root page: parent_of is 0.
  EXPECT_EQ(e.parent_of(vm, SPoolStart(vm)), 0u);
  EXPECT_EQ(e.parent_of(vm, SPgdStart(vm) + 8), 0u);
  EXPECT_EQ(e.parent_of(vm, SPoolEnd(vm)), 0u);
  EXPECT_EQ(e.parent_of(vm, SPgdStart(vm + 1)), 0u);
  EXPECT_TRUE(e.check_valid_lnpt(vm).ok());
}

// ---- Critical sections ---------------------------------------------------------------------------

TEST(CriticalSectionTest, CloseReturnsTheRecordAndEmptiesTheBuffer) {
  Stage2Engine e;
  CriticalSection cs;
  EXPECT_FALSE(cs.is_open());
  ASSERT_EQ(e.open_section(6, &cs), NptError::kOk);
  EXPECT_TRUE(cs.is_open());
  EXPECT_EQ(cs.vmid(), 6u);
  EXPECT_EQ(e.tstate(6), 0);
  EXPECT_TRUE(e.pending_updates(6).empty());
  const uint64_t ipa = SIpa(1, 2, 3, 4);
  ASSERT_EQ(cs.set_npt(ipa, 3, Page(5)), NptError::kOk);
  EXPECT_EQ(e.tstate(6), 1);
  const std::vector<Update> pending = e.pending_updates(6);
  EXPECT_EQ(pending.size(), 4u);
  EXPECT_EQ(e.sections_completed(6), 0u);
  const Section s = cs.close();
  EXPECT_FALSE(cs.is_open());
  EXPECT_EQ(s.vmid, 6u);
  EXPECT_EQ(s.seq, 0u);
  EXPECT_EQ(s.ops, (std::vector<MapOp>{MapOp{ipa, 3, Page(5)}}));
  EXPECT_EQ(s.updates, pending);
  EXPECT_EQ(e.tstate(6), 0);
  EXPECT_TRUE(e.pending_updates(6).empty());
  EXPECT_EQ(e.sections_completed(6), 1u);
  // Closing again (or a never-opened guard) gives an empty record and changes nothing.
  EXPECT_EQ(cs.close(), Section{});
  EXPECT_EQ(e.sections_completed(6), 1u);
  // The lock was released: the VM can be opened again (from this or another thread).
  std::thread t([&] {
    CriticalSection other;
    ASSERT_EQ(e.open_section(6, &other), NptError::kOk);
    ASSERT_EQ(other.set_npt(ipa, 3, Page(6)), NptError::kOk);
    const Section s2 = other.close();
    EXPECT_EQ(s2.seq, 1u);
    EXPECT_EQ(s2.updates, (std::vector<Update>{U(UpdateKind::kPte, pending[3].entry, Page(5), Page(6))}));
  });
  t.join();
  EXPECT_EQ(e.sections_completed(6), 2u);
}

TEST(CriticalSectionTest, SeqCountsPerVm) {
  Stage2Engine e;
  for (uint64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(MapOne(e, 2, SIpa(0, 0, 0, i), 3, Page(i)).seq, i);
    if (i % 2 == 0) {
      EXPECT_EQ(MapOne(e, 9, SIpa(0, 0, 0, i), 3, Page(i)).seq, i / 2);
    }
  }
  EXPECT_EQ(e.sections_completed(2), 5u);
  EXPECT_EQ(e.sections_completed(9), 3u);
  EXPECT_EQ(e.sections_completed(3), 0u);
  // A section with no op still completes (and is counted).
  CriticalSection cs;
  ASSERT_EQ(e.open_section(3, &cs), NptError::kOk);
  const Section s = cs.close();
  EXPECT_EQ(s.vmid, 3u);
  EXPECT_EQ(s.seq, 0u);
  EXPECT_TRUE(s.ops.empty());
  EXPECT_TRUE(s.updates.empty());
  EXPECT_EQ(e.sections_completed(3), 1u);
}

TEST(CriticalSectionTest, DestructorAndMoveCloseTheSection) {
  Stage2Engine e;
  {
    CriticalSection cs;
    ASSERT_EQ(e.open_section(1, &cs), NptError::kOk);
    ASSERT_EQ(cs.set_npt(SIpa(0, 0, 0, 1), 3, Page(1)), NptError::kOk);
  }  // destroyed open: closed, record dropped
  EXPECT_EQ(e.sections_completed(1), 1u);
  EXPECT_EQ(e.tstate(1), 0);
  EXPECT_TRUE(e.pending_updates(1).empty());
  EXPECT_EQ(e.pt_map(1, SIpa(0, 0, 0, 1)), Page(1));  // the writes stay

  CriticalSection a;
  ASSERT_EQ(e.open_section(1, &a), NptError::kOk);
  CriticalSection b(std::move(a));
  EXPECT_FALSE(a.is_open());  // NOLINT(bugprone-use-after-move): moved-from state is specified
  EXPECT_TRUE(b.is_open());
  EXPECT_EQ(b.vmid(), 1u);
  EXPECT_EQ(a.set_npt(SIpa(0, 0, 0, 2), 3, Page(2)), NptError::kLockNotHeld);
  ASSERT_EQ(b.set_npt(SIpa(0, 0, 0, 2), 3, Page(2)), NptError::kOk);
  CriticalSection c;
  c = std::move(b);
  EXPECT_TRUE(c.is_open());
  EXPECT_FALSE(b.is_open());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(b.close(), Section{});
  const Section s = c.close();
  EXPECT_EQ(s.seq, 1u);
  EXPECT_EQ(s.ops.size(), 1u);

  // Move-assigning over an open guard closes the old section first. (Introspection of VM 2
  // waits until VM 3 is closed too: taking VM 2's lock while holding VM 3's would invert the
  // lock order 2 -> 3 used to open them.)
  CriticalSection d, f;
  ASSERT_EQ(e.open_section(2, &d), NptError::kOk);
  ASSERT_EQ(e.open_section(3, &f), NptError::kOk);
  d = std::move(f);
  EXPECT_EQ(d.vmid(), 3u);
  EXPECT_EQ(e.tstate(3), 0);  // VM 3 is held by this thread: no lock taken
  d.close();
  EXPECT_EQ(e.sections_completed(2), 1u);
  EXPECT_EQ(e.sections_completed(3), 1u);
}

TEST(CriticalSectionTest, CoqPtUpdatesIsNewestFirst) {
  Stage2Engine e;
  const Section s = MapOne(e, 0, SIpa(1, 1, 1, 1), 3, Page(1));
  const std::vector<Update> coq = coq_pt_updates(s);
  ASSERT_EQ(coq.size(), 4u);
  EXPECT_EQ(coq[0].kind, UpdateKind::kPte);
  EXPECT_EQ(coq[1].kind, UpdateKind::kPmd);
  EXPECT_EQ(coq[2].kind, UpdateKind::kPud);
  EXPECT_EQ(coq[3].kind, UpdateKind::kPgd);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(coq[i], s.updates[3 - i]);
  EXPECT_TRUE(coq_pt_updates(Section{}).empty());
}

// ---- Policies ------------------------------------------------------------------------------------

TEST(PolicyTest, BatchedAllowsSeveralLeafWritesPerSection) {
  Stage2Engine e(SectionPolicy::kBatched);
  EXPECT_EQ(e.policy(), SectionPolicy::kBatched);
  const uint32_t vm = 8;
  CriticalSection cs;
  ASSERT_EQ(e.open_section(vm, &cs), NptError::kOk);
  ASSERT_EQ(cs.set_npt(SIpa(0, 0, 0, 0), 3, Page(0)), NptError::kOk);
  ASSERT_EQ(cs.set_npt(SIpa(0, 0, 0, 1), 3, Page(1)), NptError::kOk);      // PTE only
  ASSERT_EQ(cs.set_npt(SIpa(0, 0, 1, 0), 2, Block(1)), NptError::kOk);     // PMD only
  ASSERT_EQ(cs.set_npt(SIpa(0, 0, 0, 0), 3, Page(7)), NptError::kOk);      // remap in-section
  ASSERT_EQ(cs.set_npt(SIpa(2, 0, 0, 0), 2, Block(2)), NptError::kOk);     // PGD PUD PMD
  EXPECT_EQ(e.tstate(vm), 1);
  const uint64_t pte0 = SEntry(SPmdStart(vm), 0);
  const std::vector<Update> want = {
      U(UpdateKind::kPgd, SEntry(SPoolStart(vm), 0), 0, SPgdStart(vm) | 3),
      U(UpdateKind::kPud, SEntry(SPgdStart(vm), 0), 0, SPudStart(vm) | 3),
      U(UpdateKind::kPmd, SEntry(SPudStart(vm), 0), 0, SPmdStart(vm) | 3),
      U(UpdateKind::kPte, pte0, 0, Page(0)),
      U(UpdateKind::kPte, SEntry(SPmdStart(vm), 1), 0, Page(1)),
      U(UpdateKind::kPmd, SEntry(SPudStart(vm), 1), 0, Block(1)),
      U(UpdateKind::kPte, pte0, Page(0), Page(7)),
      U(UpdateKind::kPgd, SEntry(SPoolStart(vm), 2), 0, (SPgdStart(vm) + kPage) | 3),
      U(UpdateKind::kPud, SEntry(SPgdStart(vm) + kPage, 0), 0, (SPudStart(vm) + kPage) | 3),
      U(UpdateKind::kPmd, SEntry(SPudStart(vm) + kPage, 0), 0, Block(2)),
  };
  EXPECT_EQ(e.pending_updates(vm), want);
  const Section s = cs.close();
  EXPECT_EQ(s.updates, want);
  EXPECT_EQ(s.ops.size(), 5u);
  EXPECT_EQ(s.ops[3], (MapOp{SIpa(0, 0, 0, 0), 3, Page(7)}));
  EXPECT_EQ(e.tstate(vm), 0);
  EXPECT_EQ(e.pt_map(vm, SIpa(0, 0, 0, 0)), Page(7));
  EXPECT_EQ(e.pt_map(vm, SIpa(0, 0, 1, 100)), Block(1));
  EXPECT_TRUE(e.check_valid_lnpt(vm).ok());
}

// ---- Walks after maps ----------------------------------------------------------------------------

TEST(EngineWalkTest, BlockCoversTwoMiBAndPageCoversFourKiB) {
  Stage2Engine e;
  const uint32_t vm = 5;
  const uint64_t blk = SIpa(1, 2, 3, 0);
  const uint64_t pg = SIpa(1, 2, 4, 17);
  MapOne(e, vm, blk, 2, Block(3));
  MapOne(e, vm, pg + 0x123, 3, Page(17));  // an unaligned IPA maps its page
  for (uint64_t off = 0; off < 0x200000; off += 0x1000) {
    ASSERT_EQ(e.pt_map(vm, blk + off + (off % 8)), Block(3));
    ASSERT_EQ(e.walk_npt(vm, blk + off), Block(3));
    ASSERT_EQ(e.get_npt_level(vm, blk + off), 2);
  }
  EXPECT_EQ(e.pt_map(vm, blk - 1), 0u);
  EXPECT_EQ(e.pt_map(vm, pg), Page(17));
  EXPECT_EQ(e.pt_map(vm, pg + 0xFFF), Page(17));
  EXPECT_EQ(e.get_npt_level(vm, pg), 3);
  EXPECT_EQ(e.pt_map(vm, pg - 1), 0u);
  EXPECT_EQ(e.pt_map(vm, pg + 0x1000), 0u);
  EXPECT_EQ(e.get_npt_level(vm, pg + 0x1000), 0);
  // Other VMs see nothing.
  EXPECT_EQ(e.pt_map(vm + 1, pg), 0u);
  EXPECT_EQ(e.pt_map(vm - 1, blk), 0u);

  const WalkResult r = e.walk(vm, pg);
  ASSERT_EQ(r.steps, 4);
  EXPECT_EQ(r.path[0].entry, SEntry(SPoolStart(vm), 1));
  EXPECT_EQ(r.path[0].value, SPgdStart(vm) | 3);
  EXPECT_EQ(r.path[1].entry, SEntry(SPgdStart(vm), 2));
  EXPECT_EQ(r.path[1].value, SPudStart(vm) | 3);
  EXPECT_EQ(r.path[2].entry, SEntry(SPudStart(vm), 4));
  EXPECT_EQ(r.path[2].value, SPmdStart(vm) | 3);
  EXPECT_EQ(r.path[3].entry, SEntry(SPmdStart(vm), 17));
  EXPECT_EQ(r.descriptor, Page(17));
  const WalkResult b = e.walk(vm, blk + 5);
  EXPECT_EQ(b.steps, 3);
  EXPECT_EQ(b.path[2].entry, SEntry(SPudStart(vm), 3));
  EXPECT_EQ(b.descriptor, Block(3));
}

TEST(EngineWalkTest, GetNptLevelIsZeroWhenOutputAddressIsZero) {
  Stage2Engine e;
  MapOne(e, 0, SIpa(0, 0, 0, 1), 3, 0x4C3);   // non-zero descriptor, phys_page 0
  MapOne(e, 0, SIpa(0, 0, 1, 0), 2, 0x1);     // block with phys_page 0
  EXPECT_EQ(e.pt_map(0, SIpa(0, 0, 0, 1)), 0x4C3u);
  EXPECT_EQ(e.get_npt_level(0, SIpa(0, 0, 0, 1)), 0);
  EXPECT_EQ(e.pt_map(0, SIpa(0, 0, 1, 0)), 0x1u);
  EXPECT_EQ(e.get_npt_level(0, SIpa(0, 0, 1, 0)), 0);
}

TEST(EngineWalkTest, RemapRecordsTheOldValue) {
  Stage2Engine e;
  const uint32_t vm = 11;
  MapOne(e, vm, SIpa(0, 1, 2, 3), 3, Page(1));
  Section s = MapOne(e, vm, SIpa(0, 1, 2, 3), 3, Page(2));
  EXPECT_EQ(s.updates, (std::vector<Update>{U(UpdateKind::kPte, SEntry(SPmdStart(vm), 3), Page(1), Page(2))}));
  EXPECT_EQ(e.pt_map(vm, SIpa(0, 1, 2, 3)), Page(2));
  MapOne(e, vm, SIpa(0, 1, 9, 0), 2, Block(1));
  s = MapOne(e, vm, SIpa(0, 1, 9, 400), 2, Block(2));  // any IPA in the 2 MiB names the block
  EXPECT_EQ(s.updates, (std::vector<Update>{U(UpdateKind::kPmd, SEntry(SPudStart(vm), 9), Block(1), Block(2))}));
  EXPECT_EQ(e.pt_map(vm, SIpa(0, 1, 9, 0)), Block(2));
  // Remapping with the same value is still a write with old == new.
  s = MapOne(e, vm, SIpa(0, 1, 9, 0), 2, Block(2));
  EXPECT_EQ(s.updates, (std::vector<Update>{U(UpdateKind::kPmd, SEntry(SPudStart(vm), 9), Block(2), Block(2))}));
  EXPECT_EQ(e.pt_pmd_next(vm), SPmdStart(vm) + kPage);
  EXPECT_TRUE(e.check_valid_lnpt(vm).ok());
}

TEST(EngineWalkTest, ReadEntryIsZeroOutsideTheLevelsPool) {
  Stage2Engine e;
  const uint32_t vm = 3;
  MapOne(e, vm, SIpa(0, 0, 0, 0), 3, Page(1));
  const uint64_t root_e = SEntry(SPoolStart(vm), 0);
  EXPECT_EQ(e.read_entry(vm, 0, root_e), SPgdStart(vm) | 3);
  EXPECT_EQ(e.read_entry(vm, 1, root_e), 0u);  // the level-1 pool does not contain the root
  EXPECT_EQ(e.read_entry(vm, 3, root_e), 0u);
  EXPECT_EQ(e.read_entry(vm, 0, SPgdStart(vm)), 0u);
  EXPECT_EQ(e.read_entry(vm, 1, SPgdStart(vm)), SPudStart(vm) | 3);
  EXPECT_EQ(e.read_entry(vm, 2, SPgdStart(vm)), 0u);
  EXPECT_EQ(e.read_entry(vm, 2, SPudStart(vm)), SPmdStart(vm) | 3);
  EXPECT_EQ(e.read_entry(vm, 3, SPmdStart(vm)), Page(1));
  EXPECT_EQ(e.read_entry(vm, 2, SPmdStart(vm)), 0u);
  // Another VM's pool is outside this VM's pools.
  EXPECT_EQ(e.read_entry(vm + 1, 3, SPmdStart(vm)), 0u);
  EXPECT_EQ(e.read_entry(vm, 0, 0), 0u);
}

// Applying every completed section's updates (cumulatively, in seq order) to a sparse image
// rebuilds exactly the engine's tables.
TEST(EngineWalkTest, ShadowImageFromSectionsEqualsEngine) {
  Stage2Engine e(SectionPolicy::kBatched);
  const uint32_t vm = 12;
  NptImage shadow(Geometry::sekvm(), pt_vttbr(vm));
  std::vector<uint64_t> ipas;
  uint64_t n = 0;
  for (uint64_t pgd : {0u, 5u}) {
    for (uint64_t pud : {0u, 1u, 300u}) {
      CriticalSection cs;
      ASSERT_EQ(e.open_section(vm, &cs), NptError::kOk);
      for (uint64_t pmd : {0u, 2u, 511u}) {
        const uint64_t ipa = SIpa(pgd, pud, pmd, pmd % 7);
        ipas.push_back(ipa);
        if (pmd == 2) {
          ASSERT_EQ(cs.set_npt(ipa, 2, Block(++n)), NptError::kOk);
        } else {
          ASSERT_EQ(cs.set_npt(ipa, 3, Page(++n)), NptError::kOk);
          ASSERT_EQ(cs.set_npt(ipa + 0x1000, 3, Page(++n)), NptError::kOk);
          ipas.push_back(ipa + 0x1000);
        }
      }
      for (const Update& u : cs.close().updates) shadow.apply(u);
    }
  }
  for (uint64_t ipa : ipas) {
    EXPECT_NE(e.pt_map(vm, ipa), 0u);
    EXPECT_EQ(shadow.pt_map(ipa), e.pt_map(vm, ipa)) << std::hex << ipa;
  }
  // Entry by entry, over every written page of the shadow: the same values.
  size_t pages = 0;
  shadow.for_each_page([&](int level, uint64_t page, const uint64_t* entries) {
    ++pages;
    for (uint64_t i = 0; i < 512; ++i) {
      ASSERT_EQ(e.read_entry(vm, level, page + i * 8), entries[i]);
    }
  });
  // 1 root + 2 level-1 + 6 level-2 + 12 level-3 pages.
  EXPECT_EQ(pages, 21u);
  EXPECT_EQ(e.pt_pgd_next(vm), SPgdStart(vm) + 2 * kPage);
  EXPECT_EQ(e.pt_pud_next(vm), SPudStart(vm) + 6 * kPage);
  EXPECT_EQ(e.pt_pmd_next(vm), SPmdStart(vm) + 12 * kPage);
}

}  // namespace
}  // namespace ptx
