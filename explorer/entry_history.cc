// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/entry_history.h"

#include <algorithm>

namespace ptx {

EntryHistories::EntryHistories(const Tables& t, std::span<const Update> updates)
    : g_(t.geometry), n_(updates.size()) {
  if (updates.size() <= kLinearEntries) {
    build_small(t, updates);
  } else {
    build_large(t, updates);
  }
}

const EntryHistory* EntryHistories::find_indexed(EntryKey k) const {
  auto it = index_.find(k);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

// The record is built from its fields: emplace_back() would value-initialise it, zeroing all of
// it (its inline vectors too) before the constructors run, which cost more than the rest of add.
void EntryHistories::add(const NptImage& before, int level, EntryKey k, uint64_t entry) {
  const uint64_t e = entry & ~uint64_t{7};
  const uint64_t value = before.read(level, e);
  entries_.emplace_back(level, e, value).values.push_back(value);
  keys_.push_back(k);
}

namespace {

void record(EntryHistory& e, uint32_t i, uint64_t value) {
  e.writes.emplace_back(i, value);
  if (std::find(e.values.begin(), e.values.end(), value) == e.values.end()) e.values.push_back(value);
}

}  // namespace

void EntryHistories::build_small(const Tables& t, std::span<const Update> updates) {
  for (uint32_t i = 0; i < updates.size(); ++i) {
    const Update& u = updates[i];
    const int level = t.key_level(u.kind);
    const EntryKey k = g_.key(level, u.entry);
    size_t j = 0;
    while (j < keys_.size() && keys_[j] != k) ++j;
    if (j == keys_.size()) add(t.memory, level, k, u.entry);
    record(entries_[j], i, u.new_value);
  }
}

// Sorts (key, update index) once, so that n updates cost O(n log n) (a map inserted into one
// update at a time would move O(n) entries per new key).
void EntryHistories::build_large(const Tables& t, std::span<const Update> updates) {
  std::vector<std::pair<EntryKey, uint32_t>> by_key(updates.size());
  for (uint32_t i = 0; i < updates.size(); ++i) by_key[i] = {g_.key(t.key_level(updates[i].kind), updates[i].entry), i};
  std::sort(by_key.begin(), by_key.end());
  // Each key's first write, in program order: the order of the entries.
  std::vector<std::pair<uint32_t, size_t>> first;  // (first update index, start in by_key)
  for (size_t j = 0; j < by_key.size(); ++j) {
    if (j == 0 || by_key[j].first != by_key[j - 1].first) first.emplace_back(by_key[j].second, j);
  }
  std::sort(first.begin(), first.end());
  entries_.reserve(first.size());
  keys_.reserve(first.size());
  std::vector<std::pair<EntryKey, uint32_t>> index;
  index.reserve(first.size());
  for (const auto& [i0, start] : first) {
    const EntryKey k = by_key[start].first;
    index.emplace_back(k, static_cast<uint32_t>(entries_.size()));
    add(t.memory, t.key_level(updates[i0].kind), k, updates[i0].entry);
    for (size_t j = start; j < by_key.size() && by_key[j].first == k; ++j) {
      record(entries_.back(), by_key[j].second, updates[by_key[j].second].new_value);
    }
  }
  std::sort(index.begin(), index.end());
  index_.insert(boost::container::ordered_unique_range, index.begin(), index.end());
}

}  // namespace ptx
