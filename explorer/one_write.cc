// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/one_write.h"

#include <algorithm>
#include <array>

#include "explorer/address_classes.h"

namespace ptx {
namespace {

// The section's one write: its entry (8-byte aligned, as the walks read it), level and values.
struct LeafWrite {
  int level = 0;        // the update's level (per-level pools: the only one a walk reads it at)
  uint64_t entry = 0;
  uint64_t before = 0;  // the entry's value in the before-state
  uint64_t after = 0;   // the written value
};

// The before-walk prefixes that reach the written entry's table, by level: in per-level pools at
// the update's level (filled by set_classes), in a flat memory at every level (leaf_write_of).
using LevelPrefixes = std::array<TablePrefixes, kMaxLevels>;
// The prefixes a memory model needs: per-level pools read the entry at its own level only.
template <bool kFlat>
using Prefixes = std::conditional_t<kFlat, LevelPrefixes, TablePrefixes>;
template <bool kFlat>
TablePrefixes& at_level(Prefixes<kFlat>& p, int level) {
  if constexpr (kFlat) {
    return p[static_cast<size_t>(level)];
  } else {
    return p;
  }
}

// Each function below is instantiated for one memory model (kFlat: the geometry's memory is
// MemoryModel::kFlat), so that the per-level pools of an engine section pay nothing for the flat
// case's levels.
//
// The levels at which a walk may read the write's entry: its pool's, or in a flat memory any.
template <bool kFlat>
int first_level(const LeafWrite& w) { return kFlat ? 0 : w.level; }
template <bool kFlat>
int last_level(const Geometry& g, const LeafWrite& w) { return kFlat ? g.leaf_level() : w.level; }

// table_prefixes of `page` at every level of a flat memory, from one climb up the reverse index
// (not one per level): a chain of `depth` referrers from `page` that ends at the root table is a
// before-walk prefix reaching `page` at level `depth` when each referrer, read at its level
// (known once the chain's length is), is a table; chain[j] is read at level depth - 1 - j. The
// climb goes on above the root table, as a walk may reach it again (a page linked at two levels).
void flat_prefixes(const Tables& t, uint64_t page, int depth, std::array<uint64_t, kMaxLevels>& chain,
                   LevelPrefixes* out) {
  const Geometry& g = t.geometry;
  if (page == t.root) {
    uint64_t bits = 0;
    int j = 0;
    for (; j < depth; ++j) {
      const int level = depth - 1 - j;
      const uint64_t slot = g.slot_of(chain[static_cast<size_t>(j)]);
      if (slot >= g.entries_per_table() || !g.is_table(level, t.read(level, chain[static_cast<size_t>(j)]))) break;
      bits |= g.ipa_of_index(level, slot);
    }
    if (j == depth) (*out)[static_cast<size_t>(depth)].push_back(bits);
  }
  if (depth == g.leaf_level()) return;
  for (const uint64_t r : t.memory.referrers(depth + 1, page)) {
    chain[static_cast<size_t>(depth)] = r;
    flat_prefixes(t, g.table_of(r), depth + 1, chain, out);
  }
}

// The write, when the section is one this path takes (is_one_leaf_write). In a flat memory a walk
// may read the entry at any level its table is reached at: neither value may be a table at any of
// them (then no state's walk goes below the entry, and no walk reads it twice), and *prefixes
// gets each level's prefixes.
template <bool kFlat>
bool leaf_write_of(const Tables& t, std::span<const Update> updates, LeafWrite* w, Prefixes<kFlat>* prefixes) {
  const Geometry& g = t.geometry;
  if (updates.size() != 1) return false;
  w->level = t.key_level(updates[0].kind);
  w->entry = updates[0].entry & ~uint64_t{7};
  w->before = t.read(w->level, w->entry);
  w->after = updates[0].new_value;
  if constexpr (!kFlat) {
    return !g.is_table(w->level, w->before) && !g.is_table(w->level, w->after);
  } else {
    if (g.slot_of(w->entry) >= g.entries_per_table()) return true;  // no walk reads it: no class
    std::array<uint64_t, kMaxLevels> chain{};
    flat_prefixes(t, g.table_of(w->entry), 0, chain, prefixes);
    for (int level = 0; level <= g.leaf_level(); ++level) {
      const bool reached = !(*prefixes)[static_cast<size_t>(level)].empty();
      if (reached && (g.is_table(level, w->before) || g.is_table(level, w->after))) return false;
    }
    return true;
  }
}

// Counts of an address mapped `before` in the before-state and `after` in the after-state: the
// list [] gives the first, [u] the second.
Counts counts_of(uint64_t before, uint64_t after) { return before == after ? Counts{2, 0, 0} : Counts{1, 1, 0}; }

// The mapping of the walk of `ipa` that reads `v` at `level`, in the before-state or (`after`)
// the after-state: `v` itself, unless a walk the prefixes missed reads a table there.
template <bool kFlat>
uint64_t finish(const Tables& t, const LeafWrite& w, CompareMode compare, uint64_t ipa, int level, uint64_t v,
                bool after) {
  const Geometry& g = t.geometry;
  while (g.is_table(level, v)) {
    ++level;
    const uint64_t entry = g.entry_address(g.table_address(v), level, ipa);
    v = after && entry == w.entry && (kFlat || level == w.level) ? w.after : t.read(level, entry);
  }
  return mapping_of(compare, g, ipa, v, level);
}

// The counts of `ipa`: its before-walk, and, when that reads the written entry, the write's two
// values there (neither is a table at a level a walk reads it: the walk ends at the entry in both
// states).
template <bool kFlat>
Counts counts_at(const Tables& t, const LeafWrite& w, CompareMode compare, uint64_t ipa) {
  const Geometry& g = t.geometry;
  uint64_t table = g.phys_page(t.root);
  for (int level = 0;; ++level) {
    const uint64_t entry = g.entry_address(table, level, ipa);
    if (entry == w.entry && (kFlat || level == w.level)) {
      return counts_of(finish<kFlat>(t, w, compare, ipa, level, w.before, false),
                       finish<kFlat>(t, w, compare, ipa, level, w.after, true));
    }
    const uint64_t v = t.read(level, entry);
    if (!g.is_table(level, v)) {
      const uint64_t m = mapping_of(compare, g, ipa, v, level);
      return counts_of(m, m);
    }
    table = g.table_address(v);
  }
}

// One class per before-walk prefix reaching the written entry's table (per level it is reached
// at), in representative order. The records *classes already holds are reused, every field
// assigned (a value-initialised class costs a memset of its counts).
template <bool kFlat>
void set_classes(const Tables& t, const LeafWrite& w, CompareMode compare, Prefixes<kFlat>& prefixes,
                 std::vector<AddressClass>* classes) {
  const Geometry& g = t.geometry;
  const uint64_t slot = g.slot_of(w.entry);
  size_t n = 0;  // none when no walk reads the entry: every address unaffected
  for (int level = first_level<kFlat>(w); level <= last_level<kFlat>(g, w) && slot < g.entries_per_table(); ++level) {
    TablePrefixes& p = at_level<kFlat>(prefixes, level);
    if (!kFlat) table_prefixes(t, level, g.table_of(w.entry), &p);
    if (p.size() > 1) {
      std::sort(p.begin(), p.end());
      p.erase(std::unique(p.begin(), p.end()), p.end());
    }
    n += p.size();
  }
  classes->resize(n);
  size_t i = 0;
  for (int level = first_level<kFlat>(w); level <= last_level<kFlat>(g, w) && i < n; ++level) {
    const uint64_t pages = g.granule_size(level) / g.page_size();
    for (const uint64_t prefix : at_level<kFlat>(prefixes, level)) {
      AddressClass& c = (*classes)[i++];
      c.ipa = prefix | g.ipa_of_index(level, slot);
      c.before = mapping_of(compare, g, c.ipa, w.before, level);
      c.after = mapping_of(compare, g, c.ipa, w.after, level);
      const bool same = c.before == c.after;  // counts_of
      c.counts.before = same ? 2 : 1;
      c.counts.after = same ? 0 : 1;
      c.counts.other = 0;
      c.epoch = 0;
      c.pages = pages;
    }
  }
  // Levels' classes interleave (no IPA is in two: its walk reads the entry once).
  if (kFlat) {
    std::sort(classes->begin(), classes->end(), [](const AddressClass& a, const AddressClass& b) { return a.ipa < b.ipa; });
  }
}

template <bool kFlat>
bool explore_leaf_write(const Tables& before, std::span<const Update> updates, std::span<const uint64_t> targets,
                        CompareMode compare, Exploration* out) {
  LeafWrite w;
  Prefixes<kFlat> prefixes;
  if (!leaf_write_of<kFlat>(before, updates, &w, &prefixes)) return false;
  out->updates = 1;
  out->sequences = 2;
  out->targets.clear();
  out->violations.clear();
  out->pending = 0;
  set_classes<kFlat>(before, w, compare, prefixes, &out->classes);
  for (const uint64_t ipa : targets) {
    auto it = std::lower_bound(out->classes.begin(), out->classes.end(), ipa,
                               [](const AddressClass& c, uint64_t a) { return c.ipa < a; });
    out->targets.push_back(it != out->classes.end() && it->ipa == ipa ? it->counts
                                                                       : counts_at<kFlat>(before, w, compare, ipa));
  }
  return true;
}

}  // namespace

bool is_one_leaf_write(const Tables& before, std::span<const Update> updates) {
  LeafWrite w;
  if (before.geometry.memory == MemoryModel::kFlat) {
    LevelPrefixes prefixes;
    return leaf_write_of<true>(before, updates, &w, &prefixes);
  }
  TablePrefixes prefix;
  return leaf_write_of<false>(before, updates, &w, &prefix);
}

bool explore_one_leaf_write(const Tables& before, std::span<const Update> updates, std::span<const uint64_t> targets,
                            CompareMode compare, Exploration* out) {
  return before.geometry.memory == MemoryModel::kFlat ? explore_leaf_write<true>(before, updates, targets, compare, out)
                                                      : explore_leaf_write<false>(before, updates, targets, compare, out);
}

}  // namespace ptx
