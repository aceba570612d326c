// SPDX-License-Identifier: BSD-2-Clause
// PageIndex: the index of NptImage's table pages — from a page key (the EntryKey of a page's
// first entry: level and page address) to a small non-zero id.
//
// Why not a hash map: the explorer reads a shadow image ~30 times per SeKVM section (walks,
// reverse-index climbs), and std::unordered_map lookups were the largest cost of checking.
// Page-table pages are allocated from pools (SeKVM: bump pointers inside a VM's 32 MiB region),
// so the pages of one key level sit in a few narrow bands of addresses. Each key level keeps up
// to kMaxWindows dense windows: a vector of ids over a contiguous range of page numbers, grown as
// pages arrive, found with one subtraction and one load (the first window, the band of the
// level's first page, is tried first). A page that no window can take without stretching past
// kMaxWindowPages opens a new window, while the level has fewer than kMaxWindows and the index
// holds fewer than kMaxIndexPages ids in all; else it goes to an overflow std::unordered_map, so
// memory stays bounded (kMaxIndexPages ids, 4 bytes each, plus the overflow's pages). The overflow
// map is consulted only when it is not empty.
//
// A flat memory (a casemate trace) needs the extra windows: every page-shaped value a PTE holds
// may be a table descriptor, so the pages that guests' memory is mapped from are indexed too, a
// few GiB-wide bands away from the tables (ptx check of a 2-VM qemu-virt trace: one insert and
// several finds per mapped page, once 17% of the check in the overflow map's hashing).
//
// Not thread-safe: one writer, or any number of readers with no writer.
#ifndef PTX_PAGETABLE_PAGE_INDEX_H_
#define PTX_PAGETABLE_PAGE_INDEX_H_

#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "pagetable/geometry.h"

namespace ptx {

class PageIndex {
 public:
  // The widest window a key level may have, in pages (4 bytes each: 1 MiB of index, covering
  // 1 GiB of 4 KiB pages).
  static constexpr uint64_t kMaxWindowPages = uint64_t{1} << 18;
  // Windows per key level, and ids in every window together (32 MiB of index at most).
  static constexpr size_t kMaxWindows = 16;
  static constexpr uint64_t kMaxIndexPages = uint64_t{1} << 23;

  // `page_shift`: log2 of the page size (Geometry::page_shift).
  explicit PageIndex(int page_shift) : page_shift_(page_shift) {}

  // The id of the page whose key is `k`, or 0 when it has none. `k` must be a page key: its
  // address page aligned (the low bits below page_shift are ignored).
  uint32_t find(EntryKey k) const {
    // window_slot()'s loop, written out: through window_slot every lookup of a casemate check
    // ran 0.7 % more instructions (callgrind), and find() is the index's hottest path.
    const uint64_t p = k.entry() >> page_shift_;
    for (const Window& w : windows_[static_cast<size_t>(k.level())]) {
      const uint64_t i = p - w.base;
      if (i < w.ids.size()) {
        if (w.ids[i] != 0) return w.ids[i];
        break;  // windows do not overlap
      }
    }
    if (far_.empty()) return 0;  // (a window may have grown over a page placed in far_ earlier)
    auto it = far_.find(k);
    return it == far_.end() ? 0 : it->second;
  }

  // Where find(k) reads k's id in a window (windows do not overlap: one at most covers k), or
  // nullptr when no window covers k; also for a prefetch, the slot's cache line fetched before
  // find(k) needs it. Valid until the next insert.
  const uint32_t* window_slot(EntryKey k) const {
    const uint64_t p = k.entry() >> page_shift_;
    for (const Window& w : windows_[static_cast<size_t>(k.level())]) {
      const uint64_t i = p - w.base;
      if (i < w.ids.size()) return &w.ids[i];
    }
    return nullptr;
  }

  // Gives page `k` the id `id`. REQUIRES: find(k) == 0, id != 0.
  void insert(EntryKey k, uint32_t id);

  // Bytes of the windows and the overflow map (an estimate).
  size_t memory_bytes() const;

 private:
  struct Window {
    uint64_t base = 0;          // page number of ids[0]
    std::vector<uint32_t> ids;  // 0: no page
  };
  bool grow(std::vector<Window>& level, size_t w, uint64_t p);

  int page_shift_;
  std::array<std::vector<Window>, 8> windows_;  // by key level (EntryKey holds 3 level bits)
  uint64_t index_pages_ = 0;                    // ids in every window
  std::unordered_map<EntryKey, uint32_t> far_;  // pages outside their level's window
};

}  // namespace ptx

#endif  // PTX_PAGETABLE_PAGE_INDEX_H_
