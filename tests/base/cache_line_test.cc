// SPDX-License-Identifier: BSD-2-Clause
// base/cache_line.h: CacheAligned slots of one array never share a cache line.
#include "base/cache_line.h"

#include <array>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace ptx {
namespace {

template <typename T>
void ExpectSlotsOnTheirOwnLines() {
  std::array<CacheAligned<T>, 17> slots{};
  for (size_t i = 0; i < slots.size(); ++i) {
    const auto at = reinterpret_cast<uintptr_t>(&*slots[i]);
    EXPECT_EQ(at % kCacheLine, 0u) << i;
    if (i > 0) {
      EXPECT_GE(at - reinterpret_cast<uintptr_t>(&*slots[i - 1]), kCacheLine) << i;
    }
  }
}

TEST(CacheAligned, EverySlotStartsItsOwnLine) {
  ExpectSlotsOnTheirOwnLines<uint8_t>();
  ExpectSlotsOnTheirOwnLines<uint64_t>();
  ExpectSlotsOnTheirOwnLines<std::vector<int>>();
  struct Large {
    char bytes[100];
  };
  ExpectSlotsOnTheirOwnLines<Large>();  // 100 bytes: two lines, the next slot on a third
}

TEST(CacheAligned, HeapArraysKeepTheAlignment) {
  std::vector<CacheAligned<uint64_t>> v(9);
  for (const CacheAligned<uint64_t>& s : v) EXPECT_EQ(reinterpret_cast<uintptr_t>(&s) % kCacheLine, 0u);
}

TEST(CacheAligned, AccessReachesTheValue) {
  CacheAligned<std::vector<int>> s;
  EXPECT_TRUE(s->empty());
  s->push_back(7);
  (*s).push_back(8);
  const CacheAligned<std::vector<int>>& c = s;
  EXPECT_EQ(*c, (std::vector<int>{7, 8}));
  EXPECT_EQ(c->size(), 2u);
}

}  // namespace
}  // namespace ptx
