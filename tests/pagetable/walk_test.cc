// SPDX-License-Identifier: BSD-2-Clause
// Geometry, the generic stage-2 walker (Coq `pt_map` / `walk_npt`) and NptImage.
//
// Every expected address/value here is computed from SPEC §2-§3 by hand (shifts and masks written
// out in this file), never by calling the helper under test to produce its own expectation.
#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/constants.h"
#include "pagetable/geometry.h"
#include "pagetable/npt_image.h"
#include "pagetable/update.h"
#include "pagetable/walk.h"

namespace ptx {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;

// SPEC §2, written out independently of constants.h.
constexpr uint64_t SpecPhysPage(uint64_t x) { return x & 0x0000FFFFFFFFF000ULL; }
constexpr uint64_t SpecPgdIndex(uint64_t a) { return (a / (512 * kGiB)) % 512; }
constexpr uint64_t SpecPudIndex(uint64_t a) { return (a / kGiB) % 512; }
constexpr uint64_t SpecPmdIndex(uint64_t a) { return (a / (2 * kMiB)) % 512; }
constexpr uint64_t SpecPteIndex(uint64_t a) { return (a / (4 * kKiB)) % 512; }
constexpr uint64_t SpecIpa(uint64_t pgd, uint64_t pud, uint64_t pmd, uint64_t pte, uint64_t off = 0) {
  return pgd * 512 * kGiB + pud * kGiB + pmd * 2 * kMiB + pte * 4 * kKiB + off;
}

// ---------------------------------------------------------------------------------------------
// Geometry

TEST(GeometryTest, SekvmAndReducedAreValid) {
  EXPECT_TRUE(Geometry::sekvm().validate().ok());
  EXPECT_TRUE(Geometry::reduced().validate().ok());
  EXPECT_TRUE(Geometry::reduced(3, 2).validate().ok());
  EXPECT_TRUE(Geometry::reduced(2, 1).validate().ok());
  EXPECT_TRUE((Geometry{3, 9, 16}).validate().ok());  // 16 + 27 = 43 bits
  EXPECT_TRUE((Geometry{4, 9, 12}).validate().ok());  // exactly 48 bits
}

TEST(GeometryTest, ValidateRejectsEachBrokenRule) {
  const std::vector<Geometry> bad_levels = {{1, 9, 12}, {0, 9, 12}, {5, 2, 12}, {-1, 2, 12}};
  const std::vector<Geometry> bad_bits = {{4, 0, 12}, {4, 10, 12}, {4, -3, 12}};
  const std::vector<Geometry> bad_shift = {{4, 2, 11}, {4, 2, 17}, {4, 2, 0}};
  const std::vector<Geometry> too_wide = {{4, 9, 13}, {4, 9, 16}};  // 49 and 52 IPA bits
  std::set<std::string> messages;
  for (const auto* group : {&bad_levels, &bad_bits, &bad_shift, &too_wide}) {
    std::set<std::string> group_messages;
    for (const Geometry& g : *group) {
      const std::string why = g.validate().message();
      EXPECT_FALSE(why.empty()) << g.levels << "x" << g.bits_per_level << " shift " << g.page_shift;
      group_messages.insert(why);
    }
    // One rule, one message; different rules, different messages.
    EXPECT_EQ(group_messages.size(), 1u);
    messages.insert(group_messages.begin(), group_messages.end());
  }
  EXPECT_EQ(messages.size(), 4u);
}

TEST(GeometryTest, SekvmShape) {
  const Geometry g = Geometry::sekvm();
  EXPECT_EQ(g.levels, 4);
  EXPECT_EQ(g.leaf_level(), 3);
  EXPECT_EQ(g.block_level(), 2);
  EXPECT_EQ(g.entries_per_table(), 512u);
  EXPECT_EQ(g.page_size(), 4096u);
  EXPECT_EQ(g.ipa_bits(), 48);
  EXPECT_EQ(g.ipa_limit(), KVM_ADDR_SPACE);
  EXPECT_EQ(g.granule_size(3), 4 * kKiB);
  EXPECT_EQ(g.granule_size(2), 2 * kMiB);
  EXPECT_EQ(g.granule_size(1), 1 * kGiB);
  EXPECT_EQ(g.granule_size(0), 512 * kGiB);
}

TEST(GeometryTest, SekvmIndexMatchesSpecIndexes) {
  const Geometry g = Geometry::sekvm();
  std::mt19937_64 rng(42);
  std::vector<uint64_t> ipas = {0, 0xFFF, 0x1000, 2 * kMiB - 1, 2 * kMiB, kGiB, 512 * kGiB,
                                (uint64_t{1} << 48) - 1, SpecIpa(511, 0, 511, 0, 7)};
  for (int i = 0; i < 2000; ++i) ipas.push_back(rng() & ((uint64_t{1} << 48) - 1));
  for (uint64_t a : ipas) {
    EXPECT_EQ(g.index(0, a), SpecPgdIndex(a)) << std::hex << a;
    EXPECT_EQ(g.index(1, a), SpecPudIndex(a)) << std::hex << a;
    EXPECT_EQ(g.index(2, a), SpecPmdIndex(a)) << std::hex << a;
    EXPECT_EQ(g.index(3, a), SpecPteIndex(a)) << std::hex << a;
    // constants.h spells the same indexes.
    EXPECT_EQ(pgd_index(a), SpecPgdIndex(a));
    EXPECT_EQ(pud_index(a), SpecPudIndex(a));
    EXPECT_EQ(pmd_index(a), SpecPmdIndex(a));
    EXPECT_EQ(pte_index(a), SpecPteIndex(a));
    EXPECT_EQ(g.phys_page(a | (uint64_t{0xABC} << 52)), SpecPhysPage(a));
  }
  // entry_address: Coq `Z.lor table (idx * 8)`.
  const uint64_t a = SpecIpa(3, 4, 5, 6);
  EXPECT_EQ(g.entry_address(0x200000, 0, a), 0x200000u + 3 * 8);
  EXPECT_EQ(g.entry_address(0x200000, 1, a), 0x200000u + 4 * 8);
  EXPECT_EQ(g.entry_address(0x200000, 2, a), 0x200000u + 5 * 8);
  EXPECT_EQ(g.entry_address(0x200000, 3, a), 0x200000u + 6 * 8);
}

TEST(GeometryTest, ReducedShapeAndIndex) {
  const Geometry g = Geometry::reduced(4, 2);
  EXPECT_EQ(g.entries_per_table(), 4u);
  EXPECT_EQ(g.ipa_bits(), 20);
  EXPECT_EQ(g.ipa_limit(), 1 * kMiB);
  EXPECT_EQ(g.granule_size(3), 4 * kKiB);
  EXPECT_EQ(g.granule_size(2), 16 * kKiB);
  EXPECT_EQ(g.granule_size(1), 64 * kKiB);
  EXPECT_EQ(g.granule_size(0), 256 * kKiB);
  for (uint64_t page = 0; page < 256; ++page) {
    const uint64_t ipa = page * 4096 + (page * 37 % 4096);
    EXPECT_EQ(g.index(0, ipa), (page >> 6) & 3);
    EXPECT_EQ(g.index(1, ipa), (page >> 4) & 3);
    EXPECT_EQ(g.index(2, ipa), (page >> 2) & 3);
    EXPECT_EQ(g.index(3, ipa), page & 3);
  }
  const Geometry g3 = Geometry::reduced(3, 2);
  EXPECT_EQ(g3.leaf_level(), 2);
  EXPECT_EQ(g3.block_level(), 1);
  EXPECT_EQ(g3.granule_size(1), 16 * kKiB);
}

TEST(GeometryTest, IsTableFollowsCoqRules) {
  for (const Geometry& g : {Geometry::sekvm(), Geometry::reduced()}) {
    for (int level = 0; level < g.levels; ++level) {
      EXPECT_FALSE(g.is_table(level, 0)) << level;  // zero is never a table
    }
    // Above the block level: any non-zero value is followed.
    for (uint64_t v : {uint64_t{0x200000}, uint64_t{0x200001}, uint64_t{0x200002}, uint64_t{0x200003},
                       uint64_t{1}, uint64_t{0xFFFF'0000'0000'0000}}) {
      EXPECT_TRUE(g.is_table(0, v)) << std::hex << v;
      EXPECT_TRUE(g.is_table(1, v)) << std::hex << v;
    }
    // Block level: a table only when pmd_table(x) == 3.
    EXPECT_TRUE(g.is_table(2, 0x200003));
    EXPECT_TRUE(g.is_table(2, 3));
    EXPECT_FALSE(g.is_table(2, 0x200000));
    EXPECT_FALSE(g.is_table(2, 0x200001));
    EXPECT_FALSE(g.is_table(2, 0x200002));
    // Leaf: never a table.
    EXPECT_FALSE(g.is_table(3, 0x200003));
  }
}

// ---------------------------------------------------------------------------------------------
// The generic walker on hand-built sekvm images.

// Hand-built sekvm image: root at pool_start(0) = 0x10000, one level-1 page L1, one level-2 page
// L2, one level-3 page L3. Region kIpaBase..+2 MiB is a block; the next 2 MiB is a table.
class SekvmWalkTest : public ::testing::Test {
 protected:
  static constexpr uint64_t kRoot = 0x10000;
  static constexpr uint64_t kL1 = 0x200000;
  static constexpr uint64_t kL2 = 0x300000;
  static constexpr uint64_t kL3 = 0x400000;
  static constexpr uint64_t kPgd = 2, kPud = 5, kPmdBlock = 7, kPmdTable = 8;
  static constexpr uint64_t kBlock = 0x80000000ULL | 0x401;      // 2 MiB block (low bits 01)
  static constexpr uint64_t kBlockBase = SpecIpa(kPgd, kPud, kPmdBlock, 0);
  static constexpr uint64_t kTableBase = SpecIpa(kPgd, kPud, kPmdTable, 0);

  static uint64_t Pte(uint64_t i) { return 0x90000000ULL + i * 0x1000 + 0x443; }

  void SetUp() override {
    img_.write(0, kRoot + kPgd * 8, kL1 | 3);
    img_.write(1, kL1 + kPud * 8, kL2 | 3);
    img_.write(2, kL2 + kPmdBlock * 8, kBlock);
    img_.write(2, kL2 + kPmdTable * 8, kL3 | 3);
    for (uint64_t i = 0; i < 512; i += 2) img_.write(3, kL3 + i * 8, Pte(i));  // odd ptes unmapped
  }

  NptImage img_{Geometry::sekvm(), pt_vttbr(0)};
};

TEST_F(SekvmWalkTest, RootIsPhysPageOfVttbr) {
  EXPECT_EQ(img_.root(), kRoot);
  NptImage vm5(Geometry::sekvm(), pt_vttbr(5));
  EXPECT_EQ(vm5.root(), 0x10000u + 5 * 0x2000000u);  // the VMID bits 48+ are not an address
  vm5.write(0, 0x10000 + 5 * 0x2000000 + 1 * 8, kL1 | 3);
  vm5.write(1, kL1 + 0, kL2 | 3);
  vm5.write(2, kL2 + 0, kBlock);
  EXPECT_EQ(vm5.pt_map(SpecIpa(1, 0, 0, 0)), kBlock);
  EXPECT_EQ(vm5.pt_map(SpecIpa(0, 0, 0, 0)), 0u);
}

TEST_F(SekvmWalkTest, BlockCoversEveryIpaOfItsTwoMiB) {
  for (uint64_t off = 0; off < 2 * kMiB; off += 4096) {
    for (uint64_t in_page : {uint64_t{0}, uint64_t{8}, uint64_t{4095}}) {
      const uint64_t ipa = kBlockBase + off + in_page;
      ASSERT_EQ(img_.pt_map(ipa), kBlock) << std::hex << ipa;
      const WalkResult r = img_.walk(ipa);
      ASSERT_EQ(r.descriptor, kBlock);
      ASSERT_EQ(r.steps, 3);
      ASSERT_EQ(r.last_level(), 2);
      ASSERT_EQ(r.npt_level(img_.geometry()), 2);
    }
  }
  // Just outside the block on the low side is another, unmapped, 2 MiB region.
  EXPECT_EQ(img_.pt_map(kBlockBase - 1), 0u);
  EXPECT_EQ(img_.walk(kBlockBase - 1).steps, 3);
}

TEST_F(SekvmWalkTest, TableDescriptorAtLevel2GoesOnToLevel3) {
  for (uint64_t i = 0; i < 512; ++i) {
    const uint64_t ipa = kTableBase + i * 4096 + (i % 7);
    const WalkResult r = img_.walk(ipa);
    ASSERT_EQ(r.steps, 4) << i;
    ASSERT_EQ(r.last_level(), 3);
    if (i % 2 == 0) {
      ASSERT_EQ(r.descriptor, Pte(i));
      ASSERT_EQ(img_.pt_map(ipa), Pte(i));
      ASSERT_EQ(r.npt_level(img_.geometry()), 3);
    } else {
      ASSERT_EQ(r.descriptor, 0u);
      ASSERT_EQ(img_.pt_map(ipa), 0u);
      ASSERT_EQ(r.npt_level(img_.geometry()), 0);
    }
  }
}

TEST_F(SekvmWalkTest, WalkPathRecordsEveryEntryRead) {
  const uint64_t ipa = kTableBase + 6 * 4096 + 123;
  const WalkResult r = img_.walk(ipa);
  ASSERT_EQ(r.steps, 4);
  EXPECT_EQ(r.path[0].entry, kRoot + kPgd * 8);
  EXPECT_EQ(r.path[0].value, kL1 | 3);
  EXPECT_EQ(r.path[1].entry, kL1 + kPud * 8);
  EXPECT_EQ(r.path[1].value, kL2 | 3);
  EXPECT_EQ(r.path[2].entry, kL2 + kPmdTable * 8);
  EXPECT_EQ(r.path[2].value, kL3 | 3);
  EXPECT_EQ(r.path[3].entry, kL3 + 6 * 8);
  EXPECT_EQ(r.path[3].value, Pte(6));
  EXPECT_EQ(r.descriptor, Pte(6));

  const WalkResult b = img_.walk(kBlockBase + 5 * 4096);
  ASSERT_EQ(b.steps, 3);
  EXPECT_EQ(b.path[2].entry, kL2 + kPmdBlock * 8);
  EXPECT_EQ(b.path[2].value, kBlock);
  EXPECT_EQ(b.path[3].entry, 0u);  // not read
  EXPECT_EQ(b.path[3].value, 0u);
}

TEST_F(SekvmWalkTest, ZeroAtEachLevelIsUnmapped) {
  // Level 0: another pgd index.
  WalkResult r = img_.walk(SpecIpa(kPgd + 1, kPud, kPmdTable, 0));
  EXPECT_EQ(r.descriptor, 0u);
  EXPECT_EQ(r.steps, 1);
  EXPECT_EQ(r.path[0].entry, kRoot + (kPgd + 1) * 8);
  EXPECT_EQ(r.npt_level(img_.geometry()), 0);
  // Level 1.
  r = img_.walk(SpecIpa(kPgd, kPud + 1, kPmdTable, 0));
  EXPECT_EQ(r.descriptor, 0u);
  EXPECT_EQ(r.steps, 2);
  EXPECT_EQ(r.path[1].entry, kL1 + (kPud + 1) * 8);
  // Level 2.
  r = img_.walk(SpecIpa(kPgd, kPud, kPmdTable + 1, 0));
  EXPECT_EQ(r.descriptor, 0u);
  EXPECT_EQ(r.steps, 3);
  EXPECT_EQ(r.path[2].entry, kL2 + (kPmdTable + 1) * 8);
  // Level 3.
  r = img_.walk(SpecIpa(kPgd, kPud, kPmdTable, 1));
  EXPECT_EQ(r.descriptor, 0u);
  EXPECT_EQ(r.steps, 4);
  EXPECT_EQ(r.path[3].entry, kL3 + 1 * 8);
  for (uint64_t ipa : {SpecIpa(kPgd + 1, 0, 0, 0), SpecIpa(kPgd, kPud + 1, 0, 0),
                       SpecIpa(kPgd, kPud, kPmdTable + 1, 0), SpecIpa(kPgd, kPud, kPmdTable, 1)}) {
    EXPECT_EQ(img_.pt_map(ipa), 0u);
  }
}

TEST_F(SekvmWalkTest, LevelsAboveBlockFollowAnyNonZeroValue) {
  const uint64_t ipa = kTableBase + 4 * 4096;
  for (uint64_t low : {uint64_t{0}, uint64_t{1}, uint64_t{2}, uint64_t{0x7F8}}) {
    for (uint64_t high : {uint64_t{0}, uint64_t{0xABC} << 52}) {
      NptImage img = img_;
      img.write(0, kRoot + kPgd * 8, kL1 | low | high);  // no table bits: still followed
      EXPECT_EQ(img.pt_map(ipa), Pte(4)) << std::hex << low << " " << high;
      img.write(1, kL1 + kPud * 8, kL2 | low | high);
      EXPECT_EQ(img.pt_map(ipa), Pte(4)) << std::hex << low << " " << high;
      EXPECT_EQ(img.walk(ipa).steps, 4);
      EXPECT_EQ(img.pt_map(kBlockBase + 77), kBlock);
    }
  }
}

TEST_F(SekvmWalkTest, BlockLevelNeedsBothLowBitsToBeATable) {
  const uint64_t ipa = kTableBase + 4 * 4096;
  for (uint64_t low : {uint64_t{0}, uint64_t{1}, uint64_t{2}}) {
    NptImage img = img_;
    img.write(2, kL2 + kPmdTable * 8, kL3 | low);  // points at L3 but is a block
    EXPECT_EQ(img.pt_map(ipa), kL3 | low);
    const WalkResult r = img.walk(ipa);
    EXPECT_EQ(r.steps, 3);
    EXPECT_EQ(r.npt_level(img.geometry()), 2);
  }
}

TEST_F(SekvmWalkTest, NptLevelIsZeroWhenPhysPageIsZero) {
  NptImage img = img_;
  img.write(2, kL2 + kPmdBlock * 8, 0x1);  // a non-zero block with output address 0
  img.write(3, kL3 + 0 * 8, 0x443);        // a non-zero page with output address 0
  img.write(3, kL3 + 2 * 8, uint64_t{0xF} << 48 | 0x3);  // only bits above PHYS_MASK set
  WalkResult r = img.walk(kBlockBase);
  EXPECT_EQ(r.descriptor, 1u);
  EXPECT_EQ(img.pt_map(kBlockBase), 1u);  // pt_map still returns the raw value
  EXPECT_EQ(r.npt_level(img.geometry()), 0);
  r = img.walk(kTableBase);
  EXPECT_EQ(r.descriptor, 0x443u);
  EXPECT_EQ(r.npt_level(img.geometry()), 0);
  r = img.walk(kTableBase + 2 * 4096);
  EXPECT_EQ(r.npt_level(img.geometry()), 0);
  EXPECT_EQ(img.walk(kTableBase + 4 * 4096).npt_level(img.geometry()), 3);
}

// A memory that records every read, to check "each entry is read exactly once", in level order,
// from the pool of that level.
struct RecordingMemory {
  const NptImage* img;
  mutable std::vector<std::pair<int, uint64_t>> reads;
  uint64_t read(int level, uint64_t entry) const {
    reads.emplace_back(level, entry);
    return img->read(level, entry);
  }
};

TEST_F(SekvmWalkTest, GenericWalkerReadsEachLevelOnceInOrder) {
  const Geometry g = Geometry::sekvm();
  for (uint64_t ipa : {kTableBase + 6 * 4096, kBlockBase + 9, SpecIpa(0, 0, 0, 0)}) {
    RecordingMemory mem{&img_, {}};
    const WalkResult r = walk(g, pt_vttbr(0), ipa, mem);
    ASSERT_EQ(static_cast<int>(mem.reads.size()), r.steps);
    for (int l = 0; l < r.steps; ++l) {
      EXPECT_EQ(mem.reads[l].first, l);
      EXPECT_EQ(mem.reads[l].second, r.path[l].entry);
    }
    RecordingMemory mem2{&img_, {}};
    EXPECT_EQ(pt_map(g, pt_vttbr(0), ipa, mem2), r.descriptor);
    EXPECT_EQ(mem2.reads, mem.reads);
  }
}

TEST_F(SekvmWalkTest, PoolsAreSeparatedByLevel) {
  // The level-1 entry address written at level 2 is a different pool: the walk does not see it.
  NptImage img(Geometry::sekvm(), pt_vttbr(0));
  img.write(0, kRoot + kPgd * 8, kL1 | 3);
  img.write(2, kL1 + kPud * 8, kL2 | 3);  // wrong pool
  EXPECT_EQ(img.read(1, kL1 + kPud * 8), 0u);
  EXPECT_EQ(img.read(2, kL1 + kPud * 8), kL2 | 3);
  const WalkResult r = img.walk(SpecIpa(kPgd, kPud, 0, 0));
  EXPECT_EQ(r.steps, 2);
  EXPECT_EQ(r.descriptor, 0u);
}

// ---------------------------------------------------------------------------------------------
// Reduced geometry 4 x 2 bits: brute force all 256 pages against a hand-derived table.

struct Expected {
  uint64_t descriptor;
  int steps;
};

// Table pages of the hand-built 4 x 2 image (byte addresses); each table has 4 entries of 8 bytes.
constexpr uint64_t R = 0x1000;
constexpr uint64_t P1a = 0x10000, P1b = 0x11000, P1c = 0x12000;
constexpr uint64_t P2a = 0x20000, P2b = 0x21000, P2c = 0x22000;
constexpr uint64_t P3a = 0x30000, P3b = 0x31000;
constexpr uint64_t kJunkHigh = uint64_t{0xABC} << 52;

NptImage HandBuiltImage(const Geometry& g) {
  NptImage img(g, R | 0x5);  // low bits of the root are ignored, like a VTTBR's
  // Level 0 (root).
  img.write(0, R + 0 * 8, P1a | 3);
  img.write(0, R + 1 * 8, P1b);                  // no table bits: followed anyway
  img.write(0, R + 3 * 8, P1c | 1 | kJunkHigh);  // junk bits: phys_page strips them
  // Level 1.
  img.write(1, P1a + 0 * 8, P2a | 3);
  img.write(1, P1a + 2 * 8, P2b | 3);
  img.write(1, P1a + 3 * 8, P2a);  // alias of [0] without table bits
  img.write(1, P1b + 0 * 8, P2c | 2);
  img.write(1, P1c + 1 * 8, P2a | 3);
  // Level 2 (the block level).
  img.write(2, P2a + 0 * 8, P3a | 3);
  img.write(2, P2a + 1 * 8, 0x40000001);  // block
  img.write(2, P2a + 3 * 8, 0x50000000);  // non-zero, low bits 00: block
  img.write(2, P2b + 0 * 8, P3b | 3);
  img.write(2, P2b + 1 * 8, P3a | 3);     // alias table
  img.write(2, P2b + 2 * 8, 0x5);         // block (low bits 01) with output address 0
  img.write(2, P2b + 3 * 8, P3b | 1);     // looks like a table pointer, is a block
  img.write(2, P2c + 3 * 8, P3b | 3);
  // Level 3.
  img.write(3, P3a + 0 * 8, 0x10000403);
  img.write(3, P3a + 2 * 8, 0x10002003);
  img.write(3, P3a + 3 * 8, 0x3);
  img.write(3, P3b + 0 * 8, 0x20000003);
  img.write(3, P3b + 1 * 8, 0x20001003);
  img.write(3, P3b + 3 * 8, 0x20003003);
  return img;
}

// The hand-derived meaning of HandBuiltImage, per index tuple (i0, i1, i2, i3).
Expected L3a(uint64_t i3) {
  const uint64_t v[4] = {0x10000403, 0, 0x10002003, 0x3};
  return {v[i3], 4};
}
Expected L3b(uint64_t i3) {
  const uint64_t v[4] = {0x20000003, 0x20001003, 0, 0x20003003};
  return {v[i3], 4};
}
Expected L2a(uint64_t i2, uint64_t i3) {
  switch (i2) {
    case 0: return L3a(i3);
    case 1: return {0x40000001, 3};
    case 2: return {0, 3};
    default: return {0x50000000, 3};
  }
}
Expected L2b(uint64_t i2, uint64_t i3) {
  switch (i2) {
    case 0: return L3b(i3);
    case 1: return L3a(i3);
    case 2: return {0x5, 3};
    default: return {P3b | 1, 3};
  }
}
Expected L2c(uint64_t i2, uint64_t i3) { return i2 == 3 ? L3b(i3) : Expected{0, 3}; }
Expected HandDerived(uint64_t i0, uint64_t i1, uint64_t i2, uint64_t i3) {
  switch (i0) {
    case 0:
      switch (i1) {
        case 0: return L2a(i2, i3);
        case 1: return {0, 2};
        case 2: return L2b(i2, i3);
        default: return L2a(i2, i3);
      }
    case 1: return i1 == 0 ? L2c(i2, i3) : Expected{0, 2};
    case 2: return {0, 1};
    default: return i1 == 1 ? L2a(i2, i3) : Expected{0, 2};
  }
}

TEST(ReducedWalkTest, BruteForceAll256PagesAgainstHandDerivedTable) {
  const Geometry g = Geometry::reduced(4, 2);
  ASSERT_TRUE(g.validate().ok());
  const NptImage img = HandBuiltImage(g);
  int mapped = 0, blocks = 0, pages = 0;
  for (uint64_t page = 0; page < 256; ++page) {
    const Expected e = HandDerived(page >> 6, (page >> 4) & 3, (page >> 2) & 3, page & 3);
    for (uint64_t off : {uint64_t{0}, uint64_t{0x8}, uint64_t{0xFFF}}) {
      const uint64_t ipa = page * 4096 + off;
      const WalkResult r = img.walk(ipa);
      ASSERT_EQ(img.pt_map(ipa), e.descriptor) << "page " << page;
      ASSERT_EQ(r.descriptor, e.descriptor) << "page " << page;
      ASSERT_EQ(r.steps, e.steps) << "page " << page;
      // get_npt_level: leaf 3 / block 2 unless the output address is 0.
      const int level = (e.descriptor & 0x0000FFFFFFFFF000ULL) == 0 ? 0 : e.steps - 1;
      ASSERT_EQ(r.npt_level(g), level) << "page " << page;
    }
    if (e.descriptor != 0) ++mapped;
    if (e.descriptor != 0 && e.steps == 3) ++blocks;
    if (e.descriptor != 0 && e.steps == 4) ++pages;
  }
  // Sanity of the fixture itself: both kinds of mapping and holes occur.
  EXPECT_GT(blocks, 0);
  EXPECT_GT(pages, 0);
  EXPECT_LT(mapped, 256);
}

TEST(ReducedWalkTest, ThreeLevelGeometryHasBlockAtLevel1) {
  const Geometry g = Geometry::reduced(3, 2);  // 2^18 bytes, 64 pages
  NptImage img(g, 0x1000);
  img.write(0, 0x1000 + 1 * 8, 0x2000);           // level 0 follows any non-zero value
  img.write(1, 0x2000 + 2 * 8, 0x60000001);       // block at level 1 (16 KiB)
  img.write(1, 0x2000 + 3 * 8, 0x3000 | 3);       // table
  img.write(2, 0x3000 + 1 * 8, 0x70000003);       // page
  for (uint64_t page = 0; page < 64; ++page) {
    const uint64_t i0 = page >> 4, i1 = (page >> 2) & 3, i2 = page & 3;
    uint64_t want = 0;
    if (i0 == 1 && i1 == 2) want = 0x60000001;
    if (i0 == 1 && i1 == 3 && i2 == 1) want = 0x70000003;
    EXPECT_EQ(img.pt_map(page * 4096), want) << page;
  }
  EXPECT_EQ(img.walk(1 * 0x10000 + 2 * 0x4000).npt_level(g), 1);  // block_level() of this geometry
  EXPECT_EQ(img.walk(1 * 0x10000 + 3 * 0x4000 + 1 * 0x1000).npt_level(g), 2);
}

// ---------------------------------------------------------------------------------------------
// NptImage

std::vector<uint64_t> Referrers(const NptImage& img, int level, uint64_t page) {
  const auto s = img.referrers(level, page);
  std::vector<uint64_t> v(s.begin(), s.end());
  std::sort(v.begin(), v.end());
  return v;
}

TEST(NptImageTest, ReadWriteRoundsToEntryAndKeepsPoolsApart) {
  NptImage img;
  EXPECT_EQ(img.page_count(), 0u);
  EXPECT_EQ(img.read(1, 0x5000), 0u);
  EXPECT_EQ(img.table(1, 0x5000), nullptr);
  img.write(1, 0x5013, 0xAA);  // rounded down to 0x5010
  EXPECT_EQ(img.read(1, 0x5010), 0xAAu);
  EXPECT_EQ(img.read(1, 0x5008), 0u);
  EXPECT_EQ(img.read(2, 0x5010), 0u);  // another pool
  EXPECT_EQ(img.page_count(), 1u);
  const uint64_t* t = img.table(1, 0x5000);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t[2], 0xAAu);
  EXPECT_EQ(t[0], 0u);
  EXPECT_EQ(img.table(1, 0x5FF8), t);  // any address in the page names the page
  // Writing 0 to an absent page allocates nothing.
  img.write(3, 0x9000, 0);
  EXPECT_EQ(img.page_count(), 1u);
  EXPECT_EQ(img.table(3, 0x9000), nullptr);

  std::set<std::pair<int, uint64_t>> pages;
  img.write(3, 0x9000, 1);
  img.for_each_page([&](int level, uint64_t page, const uint64_t* entries) {
    pages.emplace(level, page);
    EXPECT_EQ(entries, img.table(level, page));
  });
  EXPECT_EQ(pages, (std::set<std::pair<int, uint64_t>>{{1, 0x5000}, {3, 0x9000}}));
}

TEST(NptImageTest, ApplyWritesThePoolOfTheUpdateKind) {
  NptImage img;
  img.apply(Update{UpdateKind::kPgd, 0x10008, 0, 0x11003});
  img.apply(Update{UpdateKind::kPud, 0x11010, 0, 0x111003});
  img.apply(Update{UpdateKind::kPmd, 0x111018, 0, 0x911003});
  img.apply(Update{UpdateKind::kPte, 0x911020, 0, 0xC0DE003});
  EXPECT_EQ(img.read(0, 0x10008), 0x11003u);
  EXPECT_EQ(img.read(1, 0x11010), 0x111003u);
  EXPECT_EQ(img.read(2, 0x111018), 0x911003u);
  EXPECT_EQ(img.read(3, 0x911020), 0xC0DE003u);
  EXPECT_EQ(img.pt_map(SpecIpa(1, 2, 3, 4)), 0xC0DE003u);

  // In a 3-level geometry the kinds are aligned at the leaf: PUD is the root.
  NptImage three(Geometry::reduced(3, 2), 0x1000);
  three.apply(Update{UpdateKind::kPud, 0x1008, 0, 0x2003});
  EXPECT_EQ(three.read(0, 0x1008), 0x2003u);
  three.apply(Update{UpdateKind::kPte, 0x3008, 0, 0x5003});
  EXPECT_EQ(three.read(2, 0x3008), 0x5003u);
}

TEST(NptImageTest, ReferrersTrackWritesOverwritesAndUnlinks) {
  NptImage img;  // sekvm
  const uint64_t P = 0x200000, Q = 0x201000;
  EXPECT_TRUE(Referrers(img, 1, P).empty());
  img.write(0, 0x10000, P | 3);
  EXPECT_EQ(Referrers(img, 1, P), (std::vector<uint64_t>{0x10000}));
  img.write(0, 0x10008, P);  // level 0 follows any non-zero value: also a referrer
  EXPECT_EQ(Referrers(img, 1, P), (std::vector<uint64_t>{0x10000, 0x10008}));
  img.write(0, 0x10008, P);  // same value again: no duplicate
  EXPECT_EQ(Referrers(img, 1, P), (std::vector<uint64_t>{0x10000, 0x10008}));
  EXPECT_EQ(Referrers(img, 1, P + 0x7F8), (std::vector<uint64_t>{0x10000, 0x10008}));
  // Overwrite moves the entry to the new target.
  img.write(0, 0x10000, Q | 3);
  EXPECT_EQ(Referrers(img, 1, P), (std::vector<uint64_t>{0x10008}));
  EXPECT_EQ(Referrers(img, 1, Q), (std::vector<uint64_t>{0x10000}));
  // Unlink.
  img.write(0, 0x10008, 0);
  EXPECT_TRUE(Referrers(img, 1, P).empty());
  EXPECT_EQ(Referrers(img, 1, Q), (std::vector<uint64_t>{0x10000}));
  // Level-2 pages are pointed at by level-1 entries.
  img.write(1, Q + 16, P | 1);
  EXPECT_EQ(Referrers(img, 2, P), (std::vector<uint64_t>{Q + 16}));
  EXPECT_TRUE(Referrers(img, 1, P).empty());
  // Block level: only table descriptors refer.
  const uint64_t L3 = 0x300000;
  img.write(2, P + 8, L3 | 1);
  EXPECT_TRUE(Referrers(img, 3, L3).empty());
  img.write(2, P + 8, L3 | 3);
  EXPECT_EQ(Referrers(img, 3, L3), (std::vector<uint64_t>{P + 8}));
  img.write(2, P + 8, L3 | 2);  // table -> block unlinks
  EXPECT_TRUE(Referrers(img, 3, L3).empty());
  // The leaf level never refers; level 0 pages have no referrers.
  img.write(3, L3, 0x10000 | 3);
  EXPECT_TRUE(Referrers(img, 0, 0x10000).empty());
  for (int level = 0; level < 4; ++level) EXPECT_TRUE(Referrers(img, level, 0x10000).empty());
}

TEST(NptImageTest, ReferrersMatchABruteForceScanAfterRandomWrites) {
  const Geometry g = Geometry::reduced(4, 2);
  NptImage img(g, 0x1000);
  std::mt19937_64 rng(7);
  const uint64_t pages[] = {0x1000, 0x2000, 0x3000, 0x4000};
  for (int i = 0; i < 4000; ++i) {
    const int level = static_cast<int>(rng() % 4);
    const uint64_t entry = pages[rng() % 4] + (rng() % 4) * 8;
    uint64_t value = 0;
    if (rng() % 4 != 0) value = pages[rng() % 4] | (rng() % 4);
    img.write(level, entry, value);
    if (i % 50 != 0) continue;
    for (int l = 1; l < 4; ++l) {
      for (uint64_t p : pages) {
        std::vector<uint64_t> want;
        for (uint64_t q : pages) {
          for (uint64_t k = 0; k < 4; ++k) {
            const uint64_t v = img.read(l - 1, q + k * 8);
            const bool table = v != 0 && (l - 1 < 2 || (v & 3) == 3);  // is_table in 4 levels
            if (table && (v & ~uint64_t{0xFFF}) == p) want.push_back(q + k * 8);
          }
        }
        ASSERT_EQ(Referrers(img, l, p), want) << "level " << l << " page " << std::hex << p;
      }
    }
  }
}

// In a flat memory (Arm rules), set_table_pages keeps only pointers into [begin, end) in the reverse
// index: the referrers of a page inside are those of the unrestricted image, those of a page
// outside are none, and a copy keeps the restriction.
TEST(NptImageTest, TablePagesRestrictTheReverseIndexOfAFlatMemory) {
  NptImage all(Geometry::arm(), 0);
  NptImage pools(Geometry::arm(), 0);
  pools.set_table_pages(0x10000, 0x20000);
  std::mt19937_64 rng(11);
  const uint64_t pages[] = {0x10000, 0x11000, 0x1f000, 0x20000, 0x80000000};  // 3 inside, 2 outside
  for (int i = 0; i < 3000; ++i) {
    const uint64_t entry = pages[rng() % 3] + (rng() % 8) * 8;  // tables are written inside only
    const uint64_t value = rng() % 4 == 0 ? 0 : pages[rng() % 5] | 3;
    all.write(0, entry, value);
    pools.write(0, entry, value);
    if (i % 100 != 0) continue;
    const NptImage copy = pools;
    for (uint64_t p : pages) {
      const bool inside = p >= 0x10000 && p < 0x20000;
      const std::vector<uint64_t> want = inside ? Referrers(all, 1, p) : std::vector<uint64_t>{};
      ASSERT_EQ(Referrers(pools, 1, p), want) << std::hex << p;
      ASSERT_EQ(Referrers(copy, 1, p), want) << std::hex << p;
    }
  }
  // The unrestricted image does index the pages outside: the restriction dropped them.
  EXPECT_FALSE(Referrers(all, 1, 0x20000).empty());
  EXPECT_FALSE(Referrers(all, 1, 0x80000000).empty());
}

TEST(NptImageTest, CopyIsDeep) {
  NptImage a;
  a.write(0, 0x10000, 0x200003);
  a.write(1, 0x200000, 0x300003);
  a.write(2, 0x300000, 0x80000001);
  NptImage b = a;
  EXPECT_EQ(b.geometry(), a.geometry());
  EXPECT_EQ(b.root(), a.root());
  EXPECT_EQ(b.page_count(), 3u);
  EXPECT_NE(b.table(2, 0x300000), a.table(2, 0x300000));
  EXPECT_EQ(b.pt_map(0x1234), 0x80000001u);
  // Changing the original does not change the copy ...
  a.write(2, 0x300000, 0x90000001);
  a.write(0, 0x10000, 0x400003);
  EXPECT_EQ(b.read(2, 0x300000), 0x80000001u);
  EXPECT_EQ(b.pt_map(0x1234), 0x80000001u);
  EXPECT_EQ(Referrers(b, 1, 0x200000), (std::vector<uint64_t>{0x10000}));
  EXPECT_TRUE(Referrers(b, 1, 0x400000).empty());
  EXPECT_EQ(Referrers(a, 1, 0x400000), (std::vector<uint64_t>{0x10000}));
  // ... and the other way round.
  b.write(1, 0x200000, 0);
  EXPECT_EQ(a.read(1, 0x200000), 0x300003u);
  EXPECT_TRUE(Referrers(b, 2, 0x300000).empty());
  EXPECT_EQ(Referrers(a, 2, 0x300000), (std::vector<uint64_t>{0x200000}));
  // Copy assignment, including over a non-empty image of another geometry.
  NptImage c(Geometry::reduced(), 0x1000);
  c.write(3, 0x5000, 9);
  c = a;
  EXPECT_EQ(c.geometry(), Geometry::sekvm());
  EXPECT_EQ(c.read(3, 0x5000), 0u);
  EXPECT_EQ(c.read(2, 0x300000), 0x90000001u);
  a.write(2, 0x300000, 1);
  EXPECT_EQ(c.read(2, 0x300000), 0x90000001u);
  const NptImage& same = c;
  c = same;  // self-assignment keeps the content
  EXPECT_EQ(c.read(2, 0x300000), 0x90000001u);
}

}  // namespace
}  // namespace ptx
