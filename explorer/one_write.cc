// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/one_write.h"

#include <algorithm>

#include "explorer/address_classes.h"

namespace ptx {
namespace {

// The section's one write: its entry (8-byte aligned, as the walks read it), level and values.
struct LeafWrite {
  int level = 0;
  uint64_t entry = 0;
  uint64_t before = 0;  // the entry's value in the before-state
  uint64_t after = 0;   // the written value
};

// The write, when the section is one this path takes (is_one_leaf_write).
bool leaf_write_of(const Tables& t, std::span<const Update> updates, LeafWrite* w) {
  const Geometry& g = t.geometry;
  if (updates.size() != 1 || g.memory != MemoryModel::kPerLevelPools) return false;
  w->level = t.key_level(updates[0].kind);
  w->entry = updates[0].entry & ~uint64_t{7};
  w->before = t.read(w->level, w->entry);
  w->after = updates[0].new_value;
  return !g.is_table(w->level, w->before) && !g.is_table(w->level, w->after);
}

// Counts of an address mapped `before` in the before-state and `after` in the after-state: the
// list [] gives the first, [u] the second.
Counts counts_of(uint64_t before, uint64_t after) { return before == after ? Counts{2, 0, 0} : Counts{1, 1, 0}; }

// The counts of `ipa`: its before-walk, and, when that reads the written entry, the write's two
// values there (neither is a table: the walk ends at the entry in both states).
Counts counts_at(const Tables& t, const LeafWrite& w, CompareMode compare, uint64_t ipa) {
  const Geometry& g = t.geometry;
  uint64_t table = g.phys_page(t.root);
  for (int level = 0;; ++level) {
    const uint64_t entry = g.entry_address(table, level, ipa);
    if (level == w.level && entry == w.entry) {
      return counts_of(mapping_of(compare, g, ipa, w.before, level), mapping_of(compare, g, ipa, w.after, level));
    }
    const uint64_t v = t.read(level, entry);
    if (!g.is_table(level, v)) {
      const uint64_t m = mapping_of(compare, g, ipa, v, level);
      return counts_of(m, m);
    }
    table = g.table_address(v);
  }
}

// One class per before-walk prefix reaching the written entry's table, in representative order.
// The records *classes already holds are reused, every field assigned (a value-initialised class
// costs a memset of its counts).
void set_classes(const Tables& t, const LeafWrite& w, CompareMode compare, std::vector<AddressClass>* classes) {
  const Geometry& g = t.geometry;
  const uint64_t slot = g.slot_of(w.entry);
  TablePrefixes prefixes;  // none when no walk reads the entry: every address unaffected
  if (slot < g.entries_per_table()) table_prefixes(t, w.level, g.table_of(w.entry), &prefixes);
  if (prefixes.size() > 1) {
    std::sort(prefixes.begin(), prefixes.end());
    prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
  }
  classes->resize(prefixes.size());
  const uint64_t pages = g.granule_size(w.level) / g.page_size();
  for (size_t i = 0; i < prefixes.size(); ++i) {
    AddressClass& c = (*classes)[i];
    c.ipa = prefixes[i] | g.ipa_of_index(w.level, slot);
    c.before = mapping_of(compare, g, c.ipa, w.before, w.level);
    c.after = mapping_of(compare, g, c.ipa, w.after, w.level);
    const bool same = c.before == c.after;  // counts_of
    c.counts.before = same ? 2 : 1;
    c.counts.after = same ? 0 : 1;
    c.counts.other = 0;
    c.epoch = 0;
    c.pages = pages;
  }
}

}  // namespace

bool is_one_leaf_write(const Tables& before, std::span<const Update> updates) {
  LeafWrite w;
  return leaf_write_of(before, updates, &w);
}

bool explore_one_leaf_write(const Tables& before, std::span<const Update> updates, std::span<const uint64_t> targets,
                            CompareMode compare, Exploration* out) {
  LeafWrite w;
  if (!leaf_write_of(before, updates, &w)) return false;
  out->updates = 1;
  out->sequences = 2;
  out->targets.clear();
  out->violations.clear();
  out->pending = 0;
  set_classes(before, w, compare, &out->classes);
  for (const uint64_t ipa : targets) {
    auto it = std::lower_bound(out->classes.begin(), out->classes.end(), ipa,
                               [](const AddressClass& c, uint64_t a) { return c.ipa < a; });
    out->targets.push_back(it != out->classes.end() && it->ipa == ipa ? it->counts : counts_at(before, w, compare, ipa));
  }
  return true;
}

}  // namespace ptx
