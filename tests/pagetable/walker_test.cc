// SPDX-License-Identifier: BSD-2-Clause
// The one walker (pagetable/walk.h): walk_range visits exactly the entries the walks of the IPAs
// in a range read, in IPA order, with their level, address, value, type and IPA span; the visitor
// controls descent and stops the walk; walk_ipa is the single-IPA case pt_map() and walk() use.
// And the one rule, Geometry::classify.
#include "pagetable/walk.h"

#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/npt_image.h"

namespace ptx {
namespace {

// Root -> L1 table at index 1 -> L2 table at index 2 with a block at index 0 and an L3 table at
// index 1 holding pages at 0 and 3; all in the 4 x 2 reduced geometry.
NptImage SmallImage() {
  NptImage img(Geometry::reduced(4, 2), 0x1000);
  img.write(0, 0x1000 + 1 * 8, 0x2000 | 3);
  img.write(1, 0x2000 + 2 * 8, 0x3000 | 3);
  img.write(2, 0x3000 + 0 * 8, 0x40000001);  // block
  img.write(2, 0x3000 + 1 * 8, 0x4000 | 3);  // table
  img.write(3, 0x4000 + 0 * 8, 0x50000003);
  img.write(3, 0x4000 + 3 * 8, 0x50003003);
  return img;
}

TEST(WalkRangeTest, VisitsEveryEntryReadInIpaOrder) {
  const NptImage img = SmallImage();
  const Geometry& g = img.geometry();
  std::vector<WalkVisit> seen;
  EXPECT_TRUE(walk_range(g, img.root(), 0, g.ipa_limit(), img, [&](const WalkVisit& v) {
    seen.push_back(v);
    return WalkAction::kDescend;
  }));
  // 4 root entries + 4 L1 + 4 L2 + 4 L3.
  ASSERT_EQ(seen.size(), 16u);
  uint64_t last_ipa = 0;
  for (const WalkVisit& v : seen) {
    EXPECT_GE(v.ipa, last_ipa);
    last_ipa = v.ipa;
    EXPECT_EQ(v.size, g.granule_size(v.level));
    EXPECT_EQ(v.ipa % v.size, 0u);
    EXPECT_EQ(v.type, g.classify(v.level, v.value));
    EXPECT_EQ(v.value, img.read(v.level, v.entry));
  }
  EXPECT_EQ(seen[1].type, EntryType::kTable);  // root[1]
  EXPECT_EQ(seen[1].ipa, g.ipa_of_index(0, 1));
  // Every leaf the walk visits agrees with pt_map at its first IPA.
  for (const WalkVisit& v : seen) {
    if (v.type == EntryType::kBlock || v.type == EntryType::kPage) {
      EXPECT_EQ(img.pt_map(v.ipa), v.value);
    }
  }
}

TEST(WalkRangeTest, ContinueSkipsASubtreeStopEndsTheWalk) {
  const NptImage img = SmallImage();
  const Geometry& g = img.geometry();
  int visits = 0;
  EXPECT_TRUE(walk_range(g, img.root(), 0, g.ipa_limit(), img, [&](const WalkVisit&) {
    ++visits;
    return WalkAction::kContinue;
  }));
  EXPECT_EQ(visits, 4);  // the root table only
  visits = 0;
  EXPECT_FALSE(walk_range(g, img.root(), 0, g.ipa_limit(), img, [&](const WalkVisit& v) {
    ++visits;
    return v.type == EntryType::kBlock ? WalkAction::kStop : WalkAction::kDescend;
  }));
  EXPECT_EQ(visits, 6);  // root[0], root[1] -> L1[0], L1[1], L1[2] -> L2[0] (the block): stop
}

TEST(WalkRangeTest, ARangeVisitsOnlyTheEntriesItsIpasRead) {
  const NptImage img = SmallImage();
  const Geometry& g = img.geometry();
  const uint64_t l3_base = g.ipa_of_index(0, 1) | g.ipa_of_index(1, 2) | g.ipa_of_index(2, 1);
  std::set<uint64_t> entries;
  walk_range(g, img.root(), l3_base + g.page_size(), l3_base + 3 * g.page_size(), img, [&](const WalkVisit& v) {
    entries.insert(v.entry);
    return WalkAction::kDescend;
  });
  EXPECT_EQ(entries, (std::set<uint64_t>{0x1000 + 8, 0x2000 + 16, 0x3000 + 8, 0x4000 + 8, 0x4000 + 16}));
}

TEST(WalkIpaTest, StopsWhereTheVisitorSays) {
  const NptImage img = SmallImage();
  const Geometry& g = img.geometry();
  const uint64_t ipa = g.ipa_of_index(0, 1) | g.ipa_of_index(1, 2) | g.ipa_of_index(2, 1) | g.ipa_of_index(3, 3);
  EXPECT_EQ(img.pt_map(ipa), 0x50003003u);
  int levels = 0;
  EXPECT_FALSE(walk_ipa(g, img.root(), ipa, img, [&](const WalkVisit& v) {
    ++levels;
    return v.level == 1 ? WalkAction::kStop : WalkAction::kDescend;
  }));
  EXPECT_EQ(levels, 2);
  const WalkResult r = img.walk(ipa);
  EXPECT_EQ(r.steps, 4);
  EXPECT_EQ(r.descriptor, 0x50003003u);
}

TEST(ClassifyTest, SekvmRules) {
  const Geometry g = Geometry::sekvm();
  EXPECT_EQ(g.classify(0, 0), EntryType::kInvalid);
  EXPECT_EQ(g.classify(0, 0x1000), EntryType::kTable);  // above the block level: any non-zero
  EXPECT_EQ(g.classify(1, 0x1), EntryType::kTable);
  EXPECT_EQ(g.classify(2, 0x1003), EntryType::kTable);
  EXPECT_EQ(g.classify(2, 0x1001), EntryType::kBlock);
  EXPECT_EQ(g.classify(2, 0x1000), EntryType::kBlock);
  EXPECT_EQ(g.classify(3, 0x1003), EntryType::kPage);
  EXPECT_EQ(g.classify(3, 0x2), EntryType::kPage);
  EXPECT_EQ(g.classify(3, 0), EntryType::kInvalid);
}

TEST(EntryKeyTest, LevelAndAddress) {
  const EntryKey k = EntryKey::of(2, 0x12345678);
  EXPECT_EQ(k.level(), 2);
  EXPECT_EQ(k.entry(), 0x12345678u & ~uint64_t{7});
  EXPECT_NE(EntryKey::of(2, 0x1000), EntryKey::of(3, 0x1000));
  EXPECT_LT(EntryKey::of(3, 0x1000), EntryKey::of(0, 0x1008));
  const Geometry g = Geometry::sekvm();
  EXPECT_EQ(g.table_of(0x12345678), 0x12345000u);
  EXPECT_EQ(g.slot_of(0x12345678), 0x678u / 8);
  EXPECT_EQ(g.index_shift(0), 39);
  EXPECT_EQ(g.index_shift(3), 12);
  EXPECT_EQ(g.index(1, g.ipa_of_index(1, 300)), 300u);
}

}  // namespace
}  // namespace ptx
