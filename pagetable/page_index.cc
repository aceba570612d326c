// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/page_index.h"

#include <algorithm>

namespace ptx {

void PageIndex::insert(EntryKey k, uint32_t id) {
  Window& w = windows_[static_cast<size_t>(k.level())];
  const uint64_t p = k.entry() >> page_shift_;
  if (w.ids.empty()) {
    w.base = p;
    w.ids.assign(1, id);
    return;
  }
  const uint64_t lo = std::min(w.base, p), hi = std::max(w.base + w.ids.size(), p + 1);
  if (hi - lo > kMaxWindowPages) {
    far_.emplace(k, id);
    return;
  }
  if (p >= w.base) {
    if (p - w.base >= w.ids.size()) w.ids.resize(p - w.base + 1, 0);
  } else {
    // Growing downwards: leave as much room again below (as push_back does above), within the
    // window's limit and above page 0, so that descending allocation stays amortised O(1).
    const uint64_t room = std::min({w.base - p + w.ids.size(), p, kMaxWindowPages - (hi - lo)});
    const uint64_t new_base = p - room;
    w.ids.insert(w.ids.begin(), w.base - new_base, 0);
    w.base = new_base;
  }
  w.ids[p - w.base] = id;
}

size_t PageIndex::memory_bytes() const {
  size_t bytes = far_.size() * (sizeof(EntryKey) + sizeof(uint32_t) + 2 * sizeof(void*));
  for (const Window& w : windows_) bytes += w.ids.capacity() * sizeof(uint32_t);
  return bytes;
}

}  // namespace ptx
