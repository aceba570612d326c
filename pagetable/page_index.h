// SPDX-License-Identifier: BSD-2-Clause
// PageIndex: the index of NptImage's table pages — from a page key (the EntryKey of a page's
// first entry: level and page address) to a small non-zero id.
//
// Why not a hash map: the explorer reads a shadow image ~30 times per SeKVM section (walks,
// reverse-index climbs), and std::unordered_map lookups were the largest cost of checking.
// Page-table pages are allocated from pools (SeKVM: bump pointers inside a VM's 32 MiB region),
// so the pages of one key level sit in a narrow band of addresses. Each key level keeps a dense
// window: a vector of ids over a contiguous range of page numbers, grown as pages arrive, found
// with one subtraction and one load. A page that would stretch its level's window past
// kMaxWindowPages (a scattered flat memory, a hand-built image with far-apart tables) goes to an
// overflow std::unordered_map instead, so memory stays bounded by what is used; the overflow map
// is consulted only when it is not empty.
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

  // `page_shift`: log2 of the page size (Geometry::page_shift).
  explicit PageIndex(int page_shift) : page_shift_(page_shift) {}

  // The id of the page whose key is `k`, or 0 when it has none. `k` must be a page key: its
  // address page aligned (the low bits below page_shift are ignored).
  uint32_t find(EntryKey k) const {
    const Window& w = windows_[static_cast<size_t>(k.level())];
    const uint64_t i = (k.entry() >> page_shift_) - w.base;
    if (i < w.ids.size() && w.ids[i] != 0) return w.ids[i];
    if (far_.empty()) return 0;  // (a window may have grown over a page placed in far_ earlier)
    auto it = far_.find(k);
    return it == far_.end() ? 0 : it->second;
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
  int page_shift_;
  std::array<Window, 8> windows_;               // by key level (EntryKey holds 3 level bits)
  std::unordered_map<EntryKey, uint32_t> far_;  // pages outside their level's window
};

}  // namespace ptx

#endif  // PTX_PAGETABLE_PAGE_INDEX_H_
