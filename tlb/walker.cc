// SPDX-License-Identifier: BSD-2-Clause
#include "tlb/walker.h"

#include <algorithm>

namespace ptx::tlb {

// f(value, from_memory) for each distinct valid visible value of `word`, memory's first. Before the
// event, a word the event changed held only its old values (which OldValues has).
template <class F>
void Walker::for_each_visible(uint64_t word, F&& f, bool before_event) const {
  const bool changed = before_event && event_olds_ != nullptr && event_olds_->contains(word);
  const uint64_t now = changed ? 0 : memory_.read(0, word);
  if (now & 1) f(now, true);
  if (olds_.empty()) return;
  const auto it = olds_.find(word);
  if (it == olds_.end()) return;
  for (size_t i = 0; i < it->second.size(); ++i) {
    const uint64_t v = it->second[i];
    if (v == now || std::find(it->second.begin(), it->second.begin() + i, v) != it->second.begin() + i) continue;
    f(v, false);
  }
}

bool Walker::value_before(uint64_t word, uint64_t value, bool from_memory) const {
  if (event_olds_ != nullptr) {
    if (const uint64_t* old = event_olds_->find(word)) return *old == value;
  }
  return from_memory;
}

void Walker::derive(const Context& c, int level, uint64_t table, uint64_t ia, uint64_t lo, uint64_t hi, bool before,
                    const Visit& f) const {
  const int wl = c.walk_level(level);
  const int shift = c.g.index_shift(wl);
  const uint64_t span = c.g.granule_size(wl) * c.g.entries_per_table();
  if (hi <= ia || lo >= ia + span) return;
  const uint64_t first = lo > ia ? (lo - ia) >> shift : 0;
  const uint64_t last = std::min(c.g.entries_per_table() - 1, (hi - 1 - ia) >> shift);
  const uint64_t* words = memory_.table(0, table);
  if (words == nullptr && olds_.empty()) return;
  for (uint64_t s = first; s <= last; ++s) {
    if (olds_.empty() && (words[s] & 1) == 0) continue;
    const uint64_t word = table + s * 8;
    const uint64_t base = ia + (s << shift);
    for_each_visible(word, [&](uint64_t v, bool from_memory) {
      const Cacheable k = cacheable(c.g, wl, v, c.ha, bbm_level_);
      if (!k.cached) return;
      const bool b = before && value_before(word, v, from_memory);
      f(Found{EntryKey{base, level, k.kind, v}, word, b});
      if (k.kind == EntryKind::kWalk) {
        derive(c, level + 1, c.g.table_address(v), base, std::max(lo, base), std::min(hi, base + c.g.granule_size(wl)),
               b, f);
      }
    });
  }
}

bool Walker::reaches(const Context& c, int level, uint64_t table, const EntryKey& k, bool before_event) const {
  const int wl = c.walk_level(level);
  const uint64_t word = c.g.entry_address(table, wl, k.ia);
  bool found = false;
  for_each_visible(word, [&](uint64_t v, bool) {
    if (found) return;
    const Cacheable ck = cacheable(c.g, wl, v, c.ha, bbm_level_);
    if (!ck.cached) return;
    if (level == k.level) {
      found = v == k.desc && ck.kind == k.kind;
    } else if (ck.kind == EntryKind::kWalk && level < k.level) {
      found = reaches(c, level + 1, c.g.table_address(v), k, before_event);
    }
  }, before_event);
  return found;
}

bool Walker::live(const Context& c, const EntryKey& k, bool before_event) const {
  uint64_t table = c.root;
  for (int level = c.top_level(); level <= k.level; ++level) {
    const int wl = c.walk_level(level);
    const uint64_t word = c.g.entry_address(table, wl, k.ia);
    const uint64_t* old = before_event && event_olds_ != nullptr ? event_olds_->find(word) : nullptr;
    const uint64_t v = old != nullptr ? *old : memory_.read(0, word);
    const Cacheable ck = cacheable(c.g, wl, v, c.ha, bbm_level_);
    if (!ck.cached) return false;
    if (level == k.level) return v == k.desc && ck.kind == k.kind;
    if (ck.kind != EntryKind::kWalk) return false;
    table = c.g.table_address(v);
  }
  return false;
}

Walker::Leaf Walker::leaf_now(const Context& c, uint64_t ia) const {
  uint64_t table = c.root;
  for (int wl = 0; wl < c.g.levels; ++wl) {
    const uint64_t v = memory_.read(0, c.g.entry_address(table, wl, ia));
    switch (c.g.classify(wl, v)) {
      case EntryType::kInvalid: return Leaf{};
      case EntryType::kTable: table = c.g.table_address(v); break;
      case EntryType::kBlock:
      case EntryType::kPage: return Leaf{c.top_level() + wl, v};
    }
  }
  return Leaf{};
}

}  // namespace ptx::tlb
