// SPDX-License-Identifier: BSD-2-Clause
// EntryHistories: the value history of every entry a critical section writes.
//
// The states a walker can observe after some subset of a section's updates, in some order, are
// exactly the assignments that give each written entry one value of its history: its value before
// the section, or any value written to it (the write applied last wins, and any write can be the
// one applied last). Entries the section does not write keep their before-value in every state.
#ifndef PTX_EXPLORER_ENTRY_HISTORY_H_
#define PTX_EXPLORER_ENTRY_HISTORY_H_

#include <cstdint>
#include <span>
#include <vector>

#include <boost/container/flat_map.hpp>
#include <boost/container/small_vector.hpp>

#include "explorer/tables.h"
#include "pagetable/update.h"

namespace ptx {

struct EntryHistory {
  EntryHistory() = default;
  // From its fields, the write lists empty (EntryHistories::add builds records in place with it;
  // a constructor rather than C++20's parenthesised aggregate init, which clang 14 lacks).
  EntryHistory(int level, uint64_t entry, uint64_t before) : level(level), entry(entry), before(before) {}

  int level = 0;                 // the entry's key level: the walk level that reads it (its pool)
                                 // in a per-level-pool memory, 0 in a flat one (Tables::key_level)
  uint64_t entry = 0;            // byte address
  uint64_t before = 0;           // value in the before-state
  // The writes to this entry in program order: (index into the section's updates, value).
  boost::container::small_vector<std::pair<uint32_t, uint64_t>, 2> writes;
  // Distinct values of the history: before first, then each new written value in program order.
  boost::container::small_vector<uint64_t, 3> values;
};

// Cost: O(n log n) for n updates; sections of at most kLinearEntries updates (every SeKVM
// section) allocate nothing and are searched linearly.
class EntryHistories {
 public:
  // Sections with at most this many updates keep no index: find() scans the entries.
  static constexpr size_t kLinearEntries = 8;

  // REQUIRES: every update's kind is a level of t.geometry() (per-level pools); `t` outlives
  // this object.
  EntryHistories(const Tables& t, std::span<const Update> updates);

  // The history of the entry a walk reads at (level, entry), or nullptr when the section does not
  // write it.
  // Always inlined (the walks of the explorer call it for every entry they read); the indexed
  // search of large sections is out of line.
  [[gnu::always_inline]] const EntryHistory* find(int level, uint64_t entry) const {
    const EntryKey k = g_.key(level, entry);
    if (index_.empty()) {
      for (size_t i = 0; i < entries_.size(); ++i) {
        if (keys_[i] == k) return &entries_[i];
      }
      return nullptr;
    }
    return find_indexed(k);
  }
  // Every written entry, in order of first write.
  std::span<const EntryHistory> all() const { return {entries_.data(), entries_.size()}; }
  size_t update_count() const { return n_; }

 private:
  const EntryHistory* find_indexed(EntryKey k) const;
  void add(const NptImage& before, int level, EntryKey k, uint64_t entry);
  void build_small(const Tables& t, std::span<const Update> updates);
  void build_large(const Tables& t, std::span<const Update> updates);

  Geometry g_;
  size_t n_ = 0;
  boost::container::small_vector<EntryHistory, 4> entries_;  // in order of first write
  boost::container::small_vector<EntryKey, 4> keys_;         // keys_[i]: the key of entries_[i]
  boost::container::flat_map<EntryKey, uint32_t> index_;     // entry key -> entries_ index (large n)
};

}  // namespace ptx

#endif  // PTX_EXPLORER_ENTRY_HISTORY_H_
