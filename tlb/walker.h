// SPDX-License-Identifier: BSD-2-Clause
// Walker: the walks of the TLB pass over the checker's flat memory (TLB-MODEL.md §2 "Per word",
// §3 "Fill"). A word's *visible* values are its value in memory plus the values that writes not
// yet followed by a DSB ISH/ISHST of their writer overwrote (OldValues): a walk may read any of
// them, so a walk over visible values branches. Live = read from the root through memory values
// only.
//
// Levels are Arm levels (the root of a 3-level context is level 1); a table's `ia` is the input
// address its first entry maps. REQUIRES for every call: the memory and OldValues outlive the
// Walker, and `c` is a context of that memory.
#ifndef PTX_TLB_WALKER_H_
#define PTX_TLB_WALKER_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>

#include <boost/container/small_vector.hpp>

#include "pagetable/npt_image.h"
#include "tlb/context.h"

namespace ptx::tlb {

// word -> the overwritten values still visible (one per pending write that had a valid old value).
using OldValues = std::unordered_map<uint64_t, boost::container::small_vector<uint64_t, 2>>;
// A word the current event changes: its value before the event (`old`) and after it (`now`).
struct WordChange {
  uint64_t word, old, now;
};

// The words the current event changes, with their values before it: a view of the event's
// changes, in increasing word order (as for_each_changed_word lists them; a mem-write has one).
class EventOlds {
 public:
  EventOlds() = default;
  // REQUIRES: `changes` sorted by word, each word once, and alive while the view is used.
  explicit EventOlds(std::span<const WordChange> changes) : changes_(changes) {}
  // The value `word` had before the event, or null when the event does not change it.
  const uint64_t* find(uint64_t word) const {
    const auto it = std::lower_bound(changes_.begin(), changes_.end(), word,
                                     [](const WordChange& c, uint64_t w) { return c.word < w; });
    return it != changes_.end() && it->word == word ? &it->old : nullptr;
  }
  bool contains(uint64_t word) const { return find(word) != nullptr; }

 private:
  std::span<const WordChange> changes_;
};

class Walker {
 public:
  // `event_olds` (may be null): the words the event being processed changed, with their values
  // before it; derive() then says which found entries were read through values before the event.
  Walker(const NptImage& memory, const OldValues& olds, const EventOlds* event_olds, int bbm_level)
      : memory_(memory), olds_(olds), event_olds_(event_olds), bbm_level_(bbm_level) {}

  struct Found {
    EntryKey key;
    uint64_t word = 0;
    bool before = false;  // every value on its path (from the start table) was the value before the event
  };
  using Visit = std::function<void(const Found&)>;

  // Calls f with every entry a walk of `c` may cache reading the table at `table` (Arm level
  // `level`, first entry mapping `ia`) and the tables below it, through visible values, whose
  // range overlaps [lo, hi). `before`: the path down to `table` read values before the event.
  void derive(const Context& c, int level, uint64_t table, uint64_t ia, uint64_t lo, uint64_t hi, bool before,
              const Visit& f) const;
  // Can a walk of `c` starting at that table read the entry `k` (through visible values; with
  // `before_event`, through the values visible before the current event)?
  bool reaches(const Context& c, int level, uint64_t table, const EntryKey& k, bool before_event = false) const;
  // Is `k` read by the walk of `c` from its root through memory values now (with `before_event`:
  // through the memory before the current event)?
  bool live(const Context& c, const EntryKey& k, bool before_event = false) const;

  // The leaf memory maps at `ia` in `c` now (level -1: none).
  struct Leaf {
    int level = -1;
    uint64_t desc = 0;
  };
  Leaf leaf_now(const Context& c, uint64_t ia) const;

 private:
  template <class F>
  void for_each_visible(uint64_t word, F&& f, bool before_event = false) const;
  bool value_before(uint64_t word, uint64_t value, bool from_memory) const;

  const NptImage& memory_;
  const OldValues& olds_;
  const EventOlds* event_olds_;
  int bbm_level_;
};

}  // namespace ptx::tlb

#endif  // PTX_TLB_WALKER_H_
