// SPDX-License-Identifier: BSD-2-Clause
// ScatteredPages: the RAM faults of the qemu-virt generator's step 5 (workload/qemu_virt.h), held
// as a set instead of a list: for each 2 MiB region of guest RAM, in increasing order, either one
// 2 MiB block or a bitmap of which of its 512 pages fault. About 80 bytes a region (some 26 KiB
// per GiB of RAM) instead of bytes per fault; the order the faults come in is a KeyedPermutation
// of the set's ranks (workload/keyed_permutation.h), computed as they are pulled.
#ifndef PTX_WORKLOAD_SCATTERED_PAGES_H_
#define PTX_WORKLOAD_SCATTERED_PAGES_H_

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace ptx::workload {

class ScatteredPages {
 public:
  // A fault of the set: the page's or block's IPA (bytes) and level (3: a 4 KiB page, 2: a 2 MiB
  // block).
  struct Fault {
    uint64_t ipa;
    int level;
  };

  // Adds the 2 MiB region at `base` as one block. REQUIRES: base 2 MiB-aligned and above every
  // region added so far.
  void add_block(uint64_t base);
  // Adds the 4 KiB page at `ipa`. REQUIRES: ipa 4 KiB-aligned, in the last region added by
  // add_page or above every region added so far, not added before.
  void add_page(uint64_t ipa);

  // Faults in the set (blocks and pages).
  uint64_t size() const { return size_; }
  // The fault of rank k: regions in increasing order, a region's pages in increasing order.
  // REQUIRES: k < size(). Constant time: a bucket of 256 ranks names the region to start from.
  Fault at(uint64_t k) const;
  // Hints that at(k) comes soon, in two steps: prefetch_bucket(k), then, a little later,
  // prefetch_region(k) (which reads what the first fetched). They only move cache lines. REQUIRES:
  // k < size().
  void prefetch_bucket(uint64_t k) const { __builtin_prefetch(&buckets_[k >> kBucketShift]); }
  void prefetch_region(uint64_t k) const {
    const size_t i = buckets_[k >> kBucketShift];
    __builtin_prefetch(&starts_[i]);
    __builtin_prefetch(&pages_[i]);
  }
  // Calls f(Fault) for every fault, in rank order.
  template <class F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < starts_.size(); ++i) {
      if (is_block(i)) f(Fault{starts_[i].base, 2});
      for (int w = 0; w < kWords; ++w) {
        for (uint64_t bits = pages_[i].words[w]; bits != 0; bits &= bits - 1) {
          f(Fault{starts_[i].base + uint64_t(64 * w + std::countr_zero(bits)) * kPage, 3});
        }
      }
    }
  }

 private:
  static constexpr int kWords = 8;  // 512 pages of a 2 MiB region
  static constexpr uint64_t kPage = 4096;
  static constexpr int kBucketShift = 8;  // ranks per bucket: 256, at most one region of pages
  struct Start {
    uint64_t first;  // rank of the region's first fault
    uint64_t base;
    std::array<uint16_t, kWords> before{};  // [w]: pages in words 0..w-1 of the region's bitmap
  };
  // One cache line a region, apart from Start (two a line): a pull misses the cache on buckets_,
  // starts_ and this line, each once. A block's line is all zero.
  struct alignas(64) Pages {
    std::array<uint64_t, kWords> words;  // bit i: the page at base + i * 4 KiB
  };
  bool is_block(size_t i) const { return pages_[i].words == std::array<uint64_t, kWords>{}; }
  void add_region(uint64_t base);
  void add_rank();

  std::vector<Start> starts_;
  std::vector<Pages> pages_;
  std::vector<uint32_t> buckets_;  // [k >> kBucketShift]: the region of rank k & ~255
  uint64_t size_ = 0;
};

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_SCATTERED_PAGES_H_
