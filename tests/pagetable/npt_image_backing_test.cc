// SPDX-License-Identifier: BSD-2-Clause
// NptImage over lent memory (set_backing, pagetable/pool_memory.h): pages inside the memory keep
// their entries there, pages outside on the image's heap; rewind_backing / replay_backing move the
// memory between a section's before- and after-state without the image; a copy owns its pages; a
// flat backed image reads the memory directly. The engine's own pool is lent the same way
// (Stage2Engine::pool_memory): the image then walks what the engine wrote.
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/constants.h"
#include "pagetable/engine.h"
#include "pagetable/npt_image.h"
#include "tests/support/engine_ops.h"

namespace ptx {
namespace {

constexpr uint64_t kBegin = 0x100000;  // the lent range: 4 pages
constexpr uint64_t kPages = 4;

struct Lent {
  std::vector<uint64_t> words = std::vector<uint64_t>(kPages * PAGE_SIZE / 8, 0);
  PoolMemory memory() { return PoolMemory{kBegin, kBegin + kPages * PAGE_SIZE, words.data()}; }
  uint64_t& at(uint64_t addr) { return words[(addr - kBegin) / 8]; }
};

TEST(NptImageBacking, PagesInsideLiveInTheLentMemoryAndOthersOnTheHeap) {
  Lent lent;
  NptImage image(Geometry::arm(), kBegin);
  image.set_backing(lent.memory());
  image.write(0, kBegin + 0x18, 0x1234);
  image.write(0, 0x900000, 0x5678);  // outside the lent range
  EXPECT_EQ(lent.at(kBegin + 0x18), 0x1234u);
  EXPECT_EQ(image.read(0, kBegin + 0x18), 0x1234u);
  EXPECT_EQ(image.read(0, 0x900000), 0x5678u);
  EXPECT_EQ(image.page_count(), 2u);
  NptImage own(Geometry::arm(), kBegin);  // the same writes, every page on the heap
  own.write(0, kBegin + 0x18, 0x1234);
  own.write(0, 0x900000, 0x5678);
  EXPECT_EQ(image.memory_bytes() + PAGE_SIZE, own.memory_bytes()) << "only the page outside is the image's own";
}

TEST(NptImageBacking, RewindAndReplayMoveTheMemoryBetweenBeforeAndAfter) {
  Lent lent;
  NptImage image(Geometry::arm(), kBegin);
  image.set_backing(lent.memory());
  image.write(0, kBegin + 8, 0x1003);
  // The owner writes twice to one entry and once to another, behind the image's back.
  const std::vector<Update> section = {{UpdateKind::kPte, kBegin + 8, 0x1003, 0},
                                       {UpdateKind::kPte, kBegin + 8, 0, 0x2003},
                                       {UpdateKind::kPte, kBegin + 0x2000, 0, 0x77},
                                       {UpdateKind::kPte, 0x900000, 0, 0x99}};  // outside: skipped
  lent.at(kBegin + 8) = 0x2003;
  lent.at(kBegin + 0x2000) = 0x77;
  image.rewind_backing(section);
  EXPECT_EQ(lent.at(kBegin + 8), 0x1003u);  // the oldest write's old value
  EXPECT_EQ(lent.at(kBegin + 0x2000), 0u);
  EXPECT_EQ(image.read(0, 0x900000), 0u);
  image.replay_backing(section);
  EXPECT_EQ(lent.at(kBegin + 8), 0x2003u);
  EXPECT_EQ(lent.at(kBegin + 0x2000), 0x77u);
}

TEST(NptImageBacking, ACopyOwnsItsPages) {
  Lent lent;
  NptImage image(Geometry::arm(), kBegin);
  image.set_backing(lent.memory());
  image.write(0, kBegin + 0x10, 0xabc);
  NptImage copy = image;
  lent.at(kBegin + 0x10) = 0xdef;  // the owner writes on
  EXPECT_EQ(image.read(0, kBegin + 0x10), 0xdefu);
  EXPECT_EQ(copy.read(0, kBegin + 0x10), 0xabcu);
  EXPECT_FALSE(copy.backing());
}

// The engine's pool, lent to a per-level-pool image that applies the engine's sections: the image
// walks to what the engine maps, its pages in the engine's memory.
TEST(NptImageBacking, AnImageOverTheEnginesPoolWalksWhatTheEngineWrote) {
  Stage2Engine engine;
  NptImage image(Geometry::sekvm(), pt_vttbr(2)), own(Geometry::sekvm(), pt_vttbr(2));  // own: on the heap
  image.set_backing(engine.pool_memory(2));
  for (uint64_t i = 0; i < 3; ++i) {
    const uint64_t ipa = 0x40000000 + i * PAGE_SIZE;
    const Section s = test::run_op(engine, 2, test::map_op(ipa, 3, (0x80000000 + i * PAGE_SIZE) | 0x7FF));
    image.rewind_backing(s.updates);
    EXPECT_EQ(image.pt_map(ipa), 0u);  // the before-state
    for (const Update& u : s.updates) {
      image.apply(u);
      own.apply(u);
    }
    EXPECT_EQ(image.pt_map(ipa), engine.pt_map(2, ipa));
  }
  EXPECT_EQ(image.page_count(), 4u);  // root, PGD, PUD and PMD pages
  EXPECT_EQ(image.memory_bytes() + 4 * PAGE_SIZE, own.memory_bytes()) << "no page of entries of its own";
}

}  // namespace
}  // namespace ptx
