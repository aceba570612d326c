// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/page_index.h"

#include <algorithm>

namespace ptx {

void PageIndex::insert(EntryKey k, uint32_t id) {
  // A page inside a window (a window grown over it before it came) takes its slot there: the
  // window grow() would stretch (no other can take it, windows do not overlap), without trying
  // the others (a flat memory's random mapped pages mostly land inside windows).
  if (const uint32_t* slot = window_slot(k)) {
    *const_cast<uint32_t*>(slot) = id;  // a slot of this (non-const) index's own windows
    return;
  }
  std::vector<Window>& level = windows_[static_cast<size_t>(k.level())];
  const uint64_t p = k.entry() >> page_shift_;
  for (size_t w = 0; w < level.size(); ++w) {
    if (grow(level, w, p)) {
      level[w].ids[p - level[w].base] = id;
      return;
    }
  }
  if (level.size() < kMaxWindows && index_pages_ < kMaxIndexPages) {
    level.push_back(Window{p, std::vector<uint32_t>(1, id)});
    ++index_pages_;
    return;
  }
  far_.emplace(k, id);
}

// Stretches window `w` of `level` over page `p`, if it then spans at most kMaxWindowPages,
// overlaps no other window and the index stays within kMaxIndexPages. Growing downwards leaves
// as much room again below (as push_back does above), within those limits and above page 0, so
// that descending allocation stays amortised O(1).
bool PageIndex::grow(std::vector<Window>& level, size_t w, uint64_t p) {
  Window& win = level[w];
  const uint64_t end = win.base + win.ids.size();
  const uint64_t lo = std::min(win.base, p), hi = std::max(end, p + 1);
  if (hi - lo > kMaxWindowPages) return false;
  const auto fits = [&](uint64_t from) {
    for (size_t v = 0; v < level.size(); ++v) {
      if (v != w && from < level[v].base + level[v].ids.size() && level[v].base < hi) return false;
    }
    return index_pages_ + (hi - from) - win.ids.size() <= kMaxIndexPages;
  };
  uint64_t from = lo;
  if (p < win.base) {
    from = p - std::min({win.base - p + win.ids.size(), p, kMaxWindowPages - (hi - lo)});
    if (!fits(from)) from = lo;
  }
  if (!fits(from)) return false;
  index_pages_ += (hi - from) - win.ids.size();
  if (from < win.base) win.ids.insert(win.ids.begin(), win.base - from, 0);
  win.base = from;
  if (win.ids.size() < hi - from) win.ids.resize(hi - from, 0);
  return true;
}

size_t PageIndex::memory_bytes() const {
  size_t bytes = far_.size() * (sizeof(EntryKey) + sizeof(uint32_t) + 2 * sizeof(void*));
  for (const std::vector<Window>& level : windows_) {
    for (const Window& w : level) bytes += w.ids.capacity() * sizeof(uint32_t) + sizeof(Window);
  }
  return bytes;
}

}  // namespace ptx
