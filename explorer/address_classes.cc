// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/address_classes.h"

#include <algorithm>

#include "pagetable/walk.h"

namespace ptx {

ClassRoots::ClassRoots(const Tables& t, const EntryHistories& h) : t_(t), before_(t.memory), h_(h), g_(t.geometry) {
  for (const EntryHistory& e : h_.all()) {
    const uint64_t slot = g_.slot_of(e.entry);
    if (slot < g_.entries_per_table()) {
      written_.emplace_back(g_.key(e.level, g_.table_of(e.entry)), static_cast<uint32_t>(slot));
    }
  }
  std::sort(written_.begin(), written_.end());
  find_roots(&roots_);
  std::sort(roots_.begin(), roots_.end());
  roots_.erase(std::unique(roots_.begin(), roots_.end()), roots_.end());
}

AddressClasses::AddressClasses(const Tables& t, const EntryHistories& h)
    : before_(t.memory), h_(h), g_(t.geometry), roots_(t, h) {
  for (const auto& [level, ipa, f] : roots_.roots()) {
    const Pages pages = below(*f, level);
    if (pages.empty() || level == g_.leaf_level()) {
      add_rep(ipa, g_.granule_size(level) / g_.page_size());
    } else {
      expand(level + 1, ipa, pages, 1);
    }
  }
  std::sort(found_.begin(), found_.end());
  reps_.reserve(found_.size());
  pages_.reserve(found_.size());
  for (const auto& [ipa, n] : found_) {
    if (!reps_.empty() && reps_.back() == ipa) continue;  // classes partition the IPAs: one each
    reps_.push_back(ipa);
    pages_.push_back(n);
  }
  found_.clear();
  found_.shrink_to_fit();
}

// Roots: for every written entry, every before-walk prefix reaching its table; the root of a
// prefix is cut at the first written entry on it. Entries of one table share its prefixes (a
// batched section writes many): they are found once per run of such entries.
// In per-level pools, a walk through an entry at level wl reads no written entry above it when no
// entry above wl is written: the entry itself is then the first written one (no walk needed).
void ClassRoots::find_roots(Roots* roots) const {
  TablePrefixes pre;
  int pre_level = -1;
  uint64_t pre_table = 0;
  const bool flat = g_.memory == MemoryModel::kFlat;
  int top = g_.levels;  // the lowest level of a written entry (per-level pools)
  for (const EntryHistory& w : h_.all()) top = std::min(top, w.level);
  for (const EntryHistory& w : h_.all()) {
    const uint64_t slot = g_.slot_of(w.entry);
    if (slot >= g_.entries_per_table()) continue;  // no walk reads it
    // The levels a walk may read the entry at: its pool's, or in a flat memory any.
    for (int wl = flat ? 0 : w.level; wl <= (flat ? g_.leaf_level() : w.level); ++wl) {
      if (wl != pre_level || g_.table_of(w.entry) != pre_table) {
        pre.clear();
        table_prefixes(t_, wl, g_.table_of(w.entry), &pre);
        pre_level = wl;
        pre_table = g_.table_of(w.entry);
      }
      for (uint64_t p : pre) {
        const uint64_t ipa = p | g_.ipa_of_index(wl, slot);
        int level = wl;
        if (const EntryHistory* f = !flat && wl <= top ? &w : first_written(ipa, wl, &level)) {
          roots->push_back(Root{level, ipa & ~(g_.granule_size(level) - 1), f});
        }
      }
    }
  }
}

void AddressClasses::add_rep(uint64_t ipa, uint64_t pages) { found_.emplace_back(ipa, pages); }

const EntryHistory* ClassRoots::first_written(uint64_t ipa, int max_level, int* level) const {
  const EntryHistory* f = nullptr;
  walk_ipa(g_, t_.root, ipa, t_, [&](const WalkVisit& v) {
    f = h_.find(v.level, v.entry);
    *level = v.level;
    return f != nullptr || v.level >= max_level ? WalkAction::kStop : WalkAction::kDescend;
  });
  return f;
}

namespace {

// table_prefixes over every referrer, each checked at the level it is read (flat memories, other
// geometries of the image's memory, pages with several referrers).
void all_table_prefixes(const Tables& t, int level, uint64_t page, TablePrefixes* out) {
  const Geometry& g = t.geometry;
  if (level == 0) {
    if (page == t.root) out->push_back(0);
    return;
  }
  for (uint64_t r : t.memory.referrers(level, page)) {
    const uint64_t slot = g.slot_of(r);
    if (slot >= g.entries_per_table()) continue;
    if (!g.is_table(level - 1, t.read(level - 1, r))) continue;  // flat: read at level - 1
    const size_t first = out->size();
    all_table_prefixes(t, level - 1, g.table_of(r), out);
    for (size_t i = first; i < out->size(); ++i) (*out)[i] |= g.ipa_of_index(level - 1, slot);
  }
}

}  // namespace

// A page with one referrer (every table of a SeKVM VM has one parent) is climbed in a loop. In
// per-level pools walked with the image's own geometry the reverse index holds exactly the entries
// whose value is a table descriptor pointing at the page (NptImage::write links and unlinks them
// by is_table at their level), so the referrer needs no read to be checked.
void table_prefixes(const Tables& t, int level, uint64_t page, TablePrefixes* out) {
  const Geometry& g = t.geometry;
  const bool exact_index = g.memory == MemoryModel::kPerLevelPools && g == t.memory.geometry();
  uint64_t bits = 0;
  while (exact_index && level > 0) {
    const std::span<const uint64_t> refs = t.memory.referrers(level, page);
    if (refs.size() != 1) break;
    const uint64_t slot = g.slot_of(refs[0]);
    if (slot >= g.entries_per_table()) return;  // no walk reads the referrer: no prefix
    bits |= g.ipa_of_index(level - 1, slot);
    page = g.table_of(refs[0]);
    --level;
  }
  const size_t first = out->size();
  all_table_prefixes(t, level, page, out);
  for (size_t i = first; i < out->size(); ++i) (*out)[i] |= bits;
}

void ClassRoots::relevant(int level, const Pages& pages, Indexes* out, uint32_t* zero_rep) const {
  out->clear();
  const uint64_t n = g_.entries_per_table();
  for (uint64_t page : pages) {
    if (const uint64_t* t = before_.table(level, page)) {
      for (uint32_t i = 0; i < n; ++i) {
        if (t[i] != 0) out->push_back(i);
      }
    }
    const EntryKey k = g_.key(level, page);
    auto it = std::lower_bound(written_.begin(), written_.end(), std::pair<EntryKey, uint32_t>(k, 0));
    for (; it != written_.end() && it->first == k; ++it) out->push_back(it->second);
  }
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
  uint32_t z = 0;
  for (uint32_t i : *out) {
    if (i != z) break;
    ++z;
  }
  *zero_rep = z;  // == n when every index is relevant
}

namespace {

// Adds the table `v` points to, read at `level`, to `pages` (once).
template <class Pages>
void add_table(const Geometry& g, int level, uint64_t v, Pages* pages) {
  if (!g.is_table(level, v)) return;
  const uint64_t p = g.table_address(v);
  if (std::find(pages->begin(), pages->end(), p) == pages->end()) pages->push_back(p);
}

}  // namespace

AddressClasses::Pages AddressClasses::next_pages(int level, const Pages& pages, uint64_t index) const {
  Pages next;
  for (uint64_t page : pages) {
    const uint64_t entry = page | (index * 8);
    if (const EntryHistory* h = h_.find(level, entry)) {
      for (uint64_t v : h->values) add_table(g_, level, v, &next);
    } else {
      add_table(g_, level, before_.read(level, entry), &next);
    }
  }
  return next;
}

AddressClasses::Pages AddressClasses::below(const EntryHistory& f, int level) const {
  Pages next;
  for (uint64_t v : f.values) add_table(g_, level, v, &next);
  return next;
}

void AddressClasses::expand(int level, uint64_t prefix, const Pages& pages, uint64_t mult) {
  Indexes rel;
  uint32_t zero_rep = 0;
  roots_.relevant(level, pages, &rel, &zero_rep);
  const uint64_t n = g_.entries_per_table();
  const uint64_t zeros = n - rel.size();  // the indexes zero_rep stands for
  if (zero_rep < n) rel.push_back(zero_rep);
  for (uint32_t i : rel) {
    const uint64_t ipa = prefix | g_.ipa_of_index(level, i);
    const uint64_t m = mult * (i == zero_rep ? zeros : 1);
    const Pages next = level == g_.leaf_level() ? Pages{} : next_pages(level, pages, i);
    if (next.empty()) {
      add_rep(ipa, m * (g_.granule_size(level) / g_.page_size()));
    } else {
      expand(level + 1, ipa, next, m);
    }
  }
}

std::optional<uint64_t> AddressClasses::class_of(uint64_t ipa) const {
  int level = 0;
  const EntryHistory* f = roots_.first_written(ipa, g_.leaf_level(), &level);
  if (f == nullptr) return std::nullopt;  // the walk ends above every written entry
  uint64_t rep = ipa & ~(g_.granule_size(level) - 1);
  if (level == g_.leaf_level()) return rep;
  Pages pages = below(*f, level);
  Indexes rel;
  uint32_t zero_rep = 0;
  for (int l = level + 1; l < g_.levels && !pages.empty(); ++l) {
    roots_.relevant(l, pages, &rel, &zero_rep);
    uint64_t i = g_.index(l, ipa);
    if (!std::binary_search(rel.begin(), rel.end(), static_cast<uint32_t>(i))) i = zero_rep;
    rep |= g_.ipa_of_index(l, i);
    if (l == g_.leaf_level()) break;
    pages = next_pages(l, pages, i);
  }
  return rep;
}

}  // namespace ptx
