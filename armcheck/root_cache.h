// SPDX-License-Identifier: BSD-2-Clause
// RootCache: the EventChecker's memo of what a climb up the memory's reverse index of table
// pointers from a table page finds (PageRoots): "which registered root's tree holds this table
// page" (EventChecker::roots_of, asked at every mem-write for the unlocked-write and
// no-root-lock findings), and, for the section that wrote it when it closes, the live roots above
// it and the Arm level it is reached at (roots_under, arm_level_of). One climb answers the three,
// so that neither a write nor its section's close climbs each time: ptx check of a 2-VM qemu-virt
// casemate trace (4.13 M records) spent 12% of its time in the write's climbs, and its closes
// climbed twice more per write.
//
// An answer depends on the roots registered and on the referrers of the pages the climb read
// (NptImage::referrers: which entries, and in which order). So the cache keeps, beside each answer, the pages whose
// referrers were read (a filter: a page may be reported as read when it was not, never the other
// way), and is emptied when
//   * the roots change (clear()), or
//   * a word changes from or to a value that may be a table descriptor pointing at such a page
//     (written()): that page's referrers change.
// Answers are emptied in O(1) (a generation count), the filter (a bitset small enough to stay in
// cache: the test runs at every write) is cleared (only its words set since the last clear, when
// they are few); its false positives only empty the cache more often. Entries are direct-mapped
// by a hash of the page number (SeKVM's pools are 32 MiB apart: the plain page number would put
// the same table of every VM in one slot); a page that collides with another is climbed again.
//
// Not thread-safe (one EventChecker's fold).
#ifndef PTX_ARMCHECK_ROOT_CACHE_H_
#define PTX_ARMCHECK_ROOT_CACHE_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

#include "pagetable/geometry.h"

namespace ptx::armcheck {

// What a climb from a table page finds (EventChecker::climb).
struct PageRoots {
  std::optional<uint64_t> registered;  // the registered root whose tree holds the page (roots_of)
  uint64_t live = 0;                   // bit i: live root i is above the page (roots_under; i < 64)
  int arm_level = 3;                   // the Arm level a walk first reaches the page at (arm_level_of)
  // The fewest tables up the climb between the page and a live root's base (0: it is one), 4 when
  // no live root is within 3 (EventFacts::live_root_distance, for the TLB pass).
  int live_distance = 4;
};

class RootCache {
 public:
  static constexpr size_t kSlots = size_t{1} << 12;   // answers
  static constexpr size_t kFilter = size_t{1} << 17;  // bits: pages read, hashed

  RootCache() : slots_(kSlots), filter_(kFilter / 64, 0) {}

  // The answer for table page `page`, if one is cached.
  std::optional<PageRoots> facts(uint64_t page) const {
    const Slot& s = slots_[slot_of(page)];
    if (s.generation != generation_ || s.page != page) return std::nullopt;
    return PageRoots{s.has_root ? std::optional<uint64_t>(s.root) : std::nullopt, s.live, s.arm_level,
                     s.live_distance};
  }
  // Keeps `facts` as the answer for `page`; the climb read the referrers of the pages passed to
  // read() since the last put().
  void put(uint64_t page, const PageRoots& facts) {
    slots_[slot_of(page)] = Slot{page, facts.registered.value_or(0), facts.live, generation_,
                                 static_cast<int8_t>(facts.arm_level), static_cast<int8_t>(facts.live_distance),
                                 facts.registered.has_value()};
  }
  // A hint: facts(page) or put(page) comes soon (a trace's next writes, EventChecker::prefetch).
  void prefetch(uint64_t page) const { __builtin_prefetch(&slots_[slot_of(page)]); }
  // The climb read the referrers of `page`.
  void read(uint64_t page) {
    const size_t h = hash(page, kFilter);
    uint64_t& word = filter_[h / 64];
    if (word == 0) {
      if (set_words_.size() < kSetWords) {
        set_words_.push_back(static_cast<uint32_t>(h / 64));
      } else {
        many_set_ = true;
      }
    }
    word |= uint64_t{1} << (h % 64);
  }

  // The word changed from `old_value` to `new_value` (in the geometry `g` of the memory).
  void written(const Geometry& g, uint64_t old_value, uint64_t new_value) {
    if (old_value == new_value) return;
    if ((g.may_be_table(old_value) && was_read(g.table_address(old_value))) ||
        (g.may_be_table(new_value) && was_read(g.table_address(new_value)))) {
      clear();
    }
  }
  // Forgets every answer (the roots changed).
  void clear() {
    if (many_set_) {
      std::fill(filter_.begin(), filter_.end(), 0);
    } else {
      for (const uint32_t w : set_words_) filter_[w] = 0;  // the words read() set: few between clears
    }
    set_words_.clear();
    many_set_ = false;
    if (++generation_ != 0) return;
    std::fill(slots_.begin(), slots_.end(), Slot{});  // the count wrapped: start again
    generation_ = 1;
  }

 private:
  struct alignas(32) Slot {  // a PageRoots in 32 bytes: two a cache line
    uint64_t page = 0;
    uint64_t root = 0;
    uint64_t live = 0;
    uint32_t generation = 0;  // valid when generation_
    int8_t arm_level = 3;
    int8_t live_distance = 4;
    bool has_root = false;
  };
  // The top bits of the page number times 2^64 / golden ratio: in [0, n), n a power of two.
  static size_t hash(uint64_t page, size_t n) {
    return static_cast<size_t>(((page >> 12) * 0x9e3779b97f4a7c15ULL) >> (64 - std::countr_zero(n)));
  }
  static size_t slot_of(uint64_t page) { return hash(page, kSlots); }
  bool was_read(uint64_t page) const {
    const size_t h = hash(page, kFilter);
    return (filter_[h / 64] >> (h % 64)) & 1;
  }

  std::vector<Slot> slots_;
  std::vector<uint64_t> filter_;  // bit h: a page of hash h was read since the last clear()
  // The filter's non-zero words, when fewer than kSetWords (else many_set_): clear() zeroes those
  // alone, not the whole filter (a close that rewrote a pointer to a climbed page clears it).
  static constexpr size_t kSetWords = 256;
  std::vector<uint32_t> set_words_;
  bool many_set_ = false;
  uint32_t generation_ = 1;       // 0 never matches: slots and filter start at 0
};

}  // namespace ptx::armcheck

#endif  // PTX_ARMCHECK_ROOT_CACHE_H_
