// SPDX-License-Identifier: BSD-2-Clause
// RootCache (armcheck/root_cache.h): an answer is kept until the roots change or a write changes a
// pointer to a page its climb read; writes of pointers elsewhere, and of values that cannot be
// table descriptors, keep it. (RandomStreamsTest compares whole checks with and without it.)
#include "armcheck/root_cache.h"

#include <gtest/gtest.h>

namespace ptx::armcheck {
namespace {

constexpr uint64_t kRoot = 0x10000, kMiddle = 0x20000, kLeaf = 0x30000, kElsewhere = 0x7000000;

// The registered root cached for `page`: nullopt when nothing is cached, {nullopt} when "no
// root" is.
std::optional<std::optional<uint64_t>> find(const RootCache& c, uint64_t page) {
  const std::optional<PageRoots> f = c.facts(page);
  if (!f) return std::nullopt;
  return f->registered;
}

// A climb from kLeaf that read kLeaf's and kMiddle's referrers and found kRoot.
RootCache climbed() {
  RootCache c;
  c.read(kLeaf);
  c.read(kMiddle);
  c.put(kLeaf, PageRoots{kRoot});
  return c;
}

TEST(RootCache, KeepsAnAnswerAndNoneAsAnAnswer) {
  RootCache c = climbed();
  EXPECT_EQ(find(c, kLeaf), std::optional<std::optional<uint64_t>>(kRoot));
  EXPECT_FALSE(find(c, kMiddle).has_value());  // never asked
  c.put(kElsewhere, PageRoots{});
  ASSERT_TRUE(find(c, kElsewhere).has_value());
  EXPECT_FALSE(find(c, kElsewhere)->has_value());  // asked: no root
  c.put(kMiddle, PageRoots{kRoot, 0b101, 1, 2});    // the live roots above, Arm level, distance too
  const std::optional<PageRoots> f = c.facts(kMiddle);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->registered, std::optional<uint64_t>(kRoot));
  EXPECT_EQ(f->live, 0b101u);
  EXPECT_EQ(f->arm_level, 1);
  EXPECT_EQ(f->live_distance, 2);
}

TEST(RootCache, APointerToAReadPageChangingEmptiesIt) {
  const Geometry g = Geometry::arm();
  for (const auto& [old_value, new_value] : {std::pair<uint64_t, uint64_t>{0, kMiddle | 3}, {kLeaf | 3, 0},
                                             {kLeaf | 3, kElsewhere | 3}}) {
    RootCache c = climbed();
    c.written(g, old_value, new_value);
    EXPECT_FALSE(find(c, kLeaf).has_value()) << std::hex << old_value << " -> " << new_value;
  }
}

TEST(RootCache, OtherWritesKeepIt) {
  const Geometry g = Geometry::arm();
  RootCache c = climbed();
  c.written(g, 0, kElsewhere | 3);          // a pointer to a page no climb read
  c.written(g, kMiddle | 3, kMiddle | 3);   // no change
  c.written(g, 0, kMiddle);                 // invalid: not a table descriptor
  EXPECT_EQ(find(c, kLeaf), std::optional<std::optional<uint64_t>>(kRoot));
  c.clear();                                // the roots changed
  EXPECT_FALSE(find(c, kLeaf).has_value());
  c.written(g, 0, kMiddle | 3);             // the filter was cleared with the answers
  c.put(kLeaf, PageRoots{kRoot});
  c.written(g, 0, kMiddle | 3);
  EXPECT_TRUE(find(c, kLeaf).has_value());
}

// clear() forgets every page read, whether it zeroes the filter's words it kept track of (a few
// pages read) or the whole filter (many): a pointer to any of them no longer empties the cache.
TEST(RootCache, ClearForgetsEveryPageRead) {
  const Geometry g = Geometry::arm();
  for (const uint64_t pages : {uint64_t{3}, uint64_t{200}, uint64_t{5000}}) {
    RootCache c;
    for (uint64_t i = 0; i < pages; ++i) c.read(kElsewhere + i * 0x1000);
    c.clear();
    c.put(kLeaf, PageRoots{kRoot});
    for (uint64_t i = 0; i < pages; ++i) c.written(g, 0, (kElsewhere + i * 0x1000) | 3);
    EXPECT_TRUE(find(c, kLeaf).has_value()) << pages << " pages";
    c.read(kElsewhere);  // read again: a pointer to it empties the cache again
    c.written(g, 0, kElsewhere | 3);
    EXPECT_FALSE(find(c, kLeaf).has_value()) << pages << " pages";
  }
}

}  // namespace
}  // namespace ptx::armcheck
