// SPDX-License-Identifier: BSD-2-Clause
// ScatteredPages (workload/scattered_pages.h) against a plain sorted list of the same faults: at(k)
// and for_each give the k-th fault in (region, page) order, on random sets of pages and blocks
// (regions of 1..512 pages, long runs of blocks, buckets spanning many regions), and the
// prefetch hints leave every answer unchanged.
#include "workload/scattered_pages.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace ptx::workload {
namespace {

constexpr uint64_t kRegion = uint64_t{2} << 20;
using Plain = std::vector<ScatteredPages::Fault>;

// A random set: regions from base upward, some skipped, some blocks (in runs when `blocky`), the
// others with 1..512 random pages added in random order. `plain` gets the faults in rank order.
ScatteredPages RandomSet(std::mt19937_64& rng, bool blocky, Plain* plain) {
  ScatteredPages s;
  std::vector<uint64_t> slots(512);
  uint64_t base = 0x40000000;
  const int regions = 1 + static_cast<int>(rng() % 60);
  for (int r = 0; r < regions; ++r, base += kRegion * (1 + rng() % 3)) {
    if (rng() % (blocky ? 2 : 8) == 0) {
      s.add_block(base);
      plain->push_back({base, 2});
      continue;
    }
    std::iota(slots.begin(), slots.end(), 0);
    std::shuffle(slots.begin(), slots.end(), rng);
    const uint64_t n = rng() % 4 == 0 ? 512 : 1 + rng() % 512;
    for (uint64_t i = 0; i < n; ++i) s.add_page(base + slots[i] * 4096);
    std::sort(slots.begin(), slots.begin() + static_cast<std::ptrdiff_t>(n));
    for (uint64_t i = 0; i < n; ++i) plain->push_back({base + slots[i] * 4096, 3});
  }
  return s;
}

void ExpectSame(const ScatteredPages& s, const Plain& plain) {
  ASSERT_EQ(s.size(), plain.size());
  for (uint64_t k = 0; k < plain.size(); ++k) {
    if (k + 1 < plain.size()) s.prefetch_bucket(k + 1);
    if (k + 1 < plain.size()) s.prefetch_region(k + 1);
    const ScatteredPages::Fault f = s.at(k);
    ASSERT_EQ(f.ipa, plain[k].ipa) << "rank " << k;
    ASSERT_EQ(f.level, plain[k].level) << "rank " << k;
  }
  uint64_t k = 0;
  s.for_each([&](const ScatteredPages::Fault& f) {
    ASSERT_LT(k, plain.size());
    EXPECT_EQ(f.ipa, plain[k].ipa) << "for_each, rank " << k;
    EXPECT_EQ(f.level, plain[k].level) << "for_each, rank " << k;
    ++k;
  });
  EXPECT_EQ(k, plain.size());
}

TEST(ScatteredPages, MatchesASortedListOnRandomSets) {
  std::mt19937_64 rng(2026);
  for (int round = 0; round < 300; ++round) {
    Plain plain;
    const ScatteredPages s = RandomSet(rng, round % 3 == 0, &plain);
    ExpectSame(s, plain);
  }
}

TEST(ScatteredPages, EdgesOfTheRegion) {
  ScatteredPages s;
  Plain plain;
  for (uint64_t slot : {511u, 0u, 63u, 64u, 255u, 256u}) s.add_page(0x40000000 + slot * 4096);
  for (uint64_t slot : {0u, 63u, 64u, 255u, 256u, 511u}) plain.push_back({0x40000000 + slot * 4096, 3});
  for (int b = 1; b <= 600; ++b) {  // more blocks than a bucket's 256 ranks
    s.add_block(0x40000000 + b * kRegion);
    plain.push_back({0x40000000 + b * kRegion, 2});
  }
  s.add_page(0x40000000 + 601 * kRegion);
  plain.push_back({0x40000000 + 601 * kRegion, 3});
  ExpectSame(s, plain);
  EXPECT_EQ(ScatteredPages().size(), 0u);
}

}  // namespace
}  // namespace ptx::workload
