// SPDX-License-Identifier: BSD-2-Clause
#include "workload/scattered_pages.h"

#include <algorithm>
#include <bit>
#include <cassert>


namespace ptx::workload {
namespace {

constexpr uint64_t kRegionBytes = uint64_t{2} << 20;

// The position of the j-th (from 0) set bit of w. REQUIRES: j < the bits set in w. (No popcount:
// without -mpopcnt, std::popcount is a call into libgcc.)
int select_bit(uint64_t w, int j) {
  for (; j > 0; --j) w &= w - 1;
  return std::countr_zero(w);
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
  for (uint64_t w = slot / 64 + 1; w < kWords; ++w) ++starts_.back().before[w];
  add_rank();
}

ScatteredPages::Fault ScatteredPages::at(uint64_t k) const {
  assert(k < size_);
  size_t i = buckets_[k >> kBucketShift];
  while (i + 1 < starts_.size() && starts_[i + 1].first <= k) ++i;
  if (is_block(i)) return Fault{starts_[i].base, 2};
  const Start& start = starts_[i];
  const uint64_t j = k - start.first;
  int w = kWords - 1;
  while (start.before[w] > j) --w;  // the last word with at most j pages before it holds rank k
  const int bit = select_bit(pages_[i].words[w], static_cast<int>(j - start.before[w]));
  return Fault{start.base + uint64_t(64 * w + bit) * kPage, 3};
}

}  // namespace ptx::workload
