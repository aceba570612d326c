// SPDX-License-Identifier: BSD-2-Clause
// PageIndex (the page index of NptImage) against std::map on random and adversarial key sets:
// ascending, descending, scattered beyond the window limit, windows growing over keys placed in
// the overflow map, several key levels; and NptImage reads against a plain map of entries (with
// prefetch_write hints between the writes).
#include "pagetable/page_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <utility>
#include <vector>

#include "pagetable/npt_image.h"

namespace ptx {
namespace {

// Inserts `pages` (level, page number) in order and checks every inserted and some absent keys.
void check_against_map(const std::vector<std::pair<int, uint64_t>>& pages, int page_shift) {
  PageIndex index(page_shift);
  std::map<EntryKey, uint32_t> want;
  for (const auto& [level, page] : pages) {
    const EntryKey k = EntryKey::of(level, page << page_shift);
    if (want.count(k)) continue;
    ASSERT_EQ(index.find(k), 0u);
    const uint32_t id = static_cast<uint32_t>(want.size() + 1);
    index.insert(k, id);
    want[k] = id;
  }
  for (const auto& [k, id] : want) {
    ASSERT_EQ(index.find(k), id) << std::hex << k.bits();
    // The slot a prefetch fetches is where find() reads the id (0 there: the overflow map has it).
    if (const uint32_t* slot = index.window_slot(k)) {
      ASSERT_TRUE(*slot == id || *slot == 0) << std::hex << k.bits();
    }
    // Neighbours that were never inserted (in the window or outside it) are absent.
    for (int64_t d : {-1, 1, 2}) {
      const uint64_t p = (k.entry() >> page_shift) + static_cast<uint64_t>(d);
      const EntryKey n = EntryKey::of(k.level(), p << page_shift);
      ASSERT_EQ(index.find(n), want.count(n) ? want[n] : 0u);
    }
  }
}

TEST(PageIndexTest, AscendingAndDescendingPages) {
  std::vector<std::pair<int, uint64_t>> up, down;
  for (uint64_t p = 0; p < 3000; ++p) up.emplace_back(static_cast<int>(p % 4), 0x10 + p);
  for (uint64_t p = 3000; p > 0; --p) down.emplace_back(static_cast<int>(p % 4), 0x5000 + p * 3);
  check_against_map(up, 12);
  check_against_map(down, 12);
}

TEST(PageIndexTest, RandomPagesNearAndFar) {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 20; ++round) {
    std::vector<std::pair<int, uint64_t>> pages;
    const uint64_t span = round % 2 == 0 ? (uint64_t{1} << 12) : (uint64_t{1} << 30);  // far beyond the window
    for (int i = 0; i < 2000; ++i) pages.emplace_back(static_cast<int>(rng() % 5), 1000000 + rng() % span);
    check_against_map(pages, round % 3 == 0 ? 16 : 12);
  }
}

TEST(PageIndexTest, WindowGrowsOverPagesAlreadyInTheOverflowMap) {
  const uint64_t limit = PageIndex::kMaxWindowPages;
  // 0 opens the window; limit + 5 is too far (overflow); then pages walking up to it move the
  // window's end, and pages far below it move its start, until it covers the overflowed page.
  std::vector<std::pair<int, uint64_t>> pages = {{0, 2 * limit}, {0, 3 * limit + 5}};
  for (uint64_t p = 2 * limit; p < 3 * limit + 20; p += limit / 8) pages.emplace_back(0, p);
  for (uint64_t p = 2 * limit; p > limit; p -= limit / 8) pages.emplace_back(0, p);
  pages.emplace_back(0, 3 * limit + 5);  // already present
  check_against_map(pages, 12);
}

// Pages in many bands a GiB or more apart, interleaved (a flat memory's tables and the guests'
// pages their PTEs point at): a window each while the level has room, the rest in the overflow map.
TEST(PageIndexTest, ManyBandsMoreThanTheWindowsOfALevel) {
  const uint64_t limit = PageIndex::kMaxWindowPages;
  std::mt19937_64 rng(5);
  std::vector<std::pair<int, uint64_t>> pages;
  const uint64_t bands = 2 * PageIndex::kMaxWindows + 3;
  for (int i = 0; i < 6000; ++i) {
    const uint64_t band = rng() % bands;
    pages.emplace_back(static_cast<int>(rng() % 2), band * 3 * limit + rng() % (limit / 2));
  }
  check_against_map(pages, 12);
}

// A window growing downwards would leave room below that overlaps the window under it: it grows
// only to the page, and no window overlaps another.
TEST(PageIndexTest, WindowsDoNotOverlapWhenOneGrowsDownTowardsAnother) {
  const uint64_t limit = PageIndex::kMaxWindowPages;
  std::vector<std::pair<int, uint64_t>> pages = {{0, 0}, {0, limit + 10}, {0, limit - 5}, {0, limit + 2},
                                                 {0, limit - 4}, {0, limit + 1}, {0, limit - 3}, {0, limit}};
  for (uint64_t p = limit + 20; p > limit - 3; --p) pages.emplace_back(0, p);
  check_against_map(pages, 12);
}

TEST(PageIndexTest, NptImageReadsMatchAPlainMap) {
  std::mt19937_64 rng(11);
  for (const Geometry& g : {Geometry::sekvm(), Geometry::arm(), Geometry::reduced(4, 2)}) {
    NptImage img(g, 0x1000);
    std::map<std::pair<int, uint64_t>, uint64_t> want;
    for (int i = 0; i < 20000; ++i) {
      const int level = static_cast<int>(rng() % static_cast<uint64_t>(g.levels));
      const uint64_t region = (rng() % 4 == 0) ? (rng() % (uint64_t{1} << 36)) : (rng() % (uint64_t{1} << 24));
      const uint64_t entry = region & ~uint64_t{7};
      const uint64_t value = rng() % 3 == 0 ? 0 : ((rng() % (uint64_t{1} << 30)) << 12 | 3);
      img.prefetch_write(level, entry, value, i % 3);  // a hint: changes nothing
      img.prefetch_write(level, entry ^ 0x1000, value ^ 0x2000, (i + 1) % 3);
      img.write(level, entry, value);
      const int key_level = g.memory == MemoryModel::kFlat ? 0 : level;
      want[{key_level, entry}] = value;
    }
    for (const auto& [k, v] : want) {
      ASSERT_EQ(img.read(k.first, k.second), v);
      const auto other = std::make_pair(k.first, k.second ^ 8);
      const uint64_t want_other = want.count(other) ? want[other] : 0;
      ASSERT_EQ(img.read(k.first, k.second ^ 8), want_other);
    }
  }
}

}  // namespace
}  // namespace ptx
