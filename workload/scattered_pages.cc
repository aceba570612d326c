// SPDX-License-Identifier: BSD-2-Clause
#include "workload/scattered_pages.h"

#include <algorithm>
#include <bit>
#include <cassert>


namespace ptx::workload {
namespace {

constexpr uint64_t kRegionBytes = uint64_t{2} << 20;

// The position of the j-th (from 0) set bit of w. REQUIRES: j < popcount(w).
int select_bit(uint64_t w, int j) {
  int at = 0;
  for (int width = 32; width > 0; width /= 2) {
    const uint64_t low = w & ((uint64_t{1} << width) - 1);
    const int n = std::popcount(low);
    if (j >= n) {
      j -= n;
      w >>= width;
      at += width;
    } else {
      w = low;
    }
  }
  return at;
}

}  // namespace

void ScatteredPages::add_region(uint64_t base) {
  assert(base % kRegionBytes == 0 && (starts_.empty() || base > starts_.back().base));
  starts_.push_back(Start{size_, base});
  pages_.push_back(Pages{});
}

void ScatteredPages::add_rank() {
  if (size_ % (uint64_t{1} << kBucketShift) == 0) buckets_.push_back(static_cast<uint32_t>(starts_.size() - 1));
  ++size_;
}

void ScatteredPages::add_block(uint64_t base) {
  add_region(base);
  add_rank();
}

void ScatteredPages::add_page(uint64_t ipa) {
  assert(ipa % kPage == 0);
  const uint64_t base = ipa & ~(kRegionBytes - 1);
  if (starts_.empty() || starts_.back().base != base) add_region(base);
  const uint64_t slot = (ipa - base) / kPage;
  uint64_t& word = pages_.back().words[slot / 64];
  assert((word >> (slot % 64) & 1) == 0);
  word |= uint64_t{1} << (slot % 64);
  add_rank();
}

ScatteredPages::Fault ScatteredPages::at(uint64_t k) const {
  assert(k < size_);
  size_t i = buckets_[k >> kBucketShift];
  while (i + 1 < starts_.size() && starts_[i + 1].first <= k) ++i;
  if (is_block(i)) return Fault{starts_[i].base, 2};
  int j = static_cast<int>(k - starts_[i].first);
  for (int w = 0; w < kWords; ++w) {
    const uint64_t bits = pages_[i].words[w];
    const int n = std::popcount(bits);
    if (j < n) return Fault{starts_[i].base + uint64_t(64 * w + select_bit(bits, j)) * kPage, 3};
    j -= n;
  }
  assert(false && "rank past its region");
  return Fault{starts_[i].base, 3};
}

}  // namespace ptx::workload
