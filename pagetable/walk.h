// SPDX-License-Identifier: BSD-2-Clause
// The walker: Coq `pt_map` (Transactional.v) / `walk_npt` (NPTWalk), over any memory, in the style
// of Linux's kvm_pgtable_walk() (arch/arm64/kvm/hyp/pgtable.c): one generic walk that calls a
// small visitor for every entry it reads.
//
// Memory: the caller supplies an object with
//     uint64_t read(int level, uint64_t entry_address) const;
// returning the entry the walk reads at `level` (in the SeKVM model, Coq's pools: level 0 reads
// `pt_vttbr_pool`, 1 `pt_pgd_pool`, 2 `pt_pud_pool`, 3 `pt_pmd_pool`). Each entry is read exactly
// once per visit: the visitor is handed the value, so a racing writer cannot make the walk see two
// values of one entry.
//
// Visitor: called as visit(const WalkVisit&) -> WalkAction for every entry read, in IPA order:
//   * kDescend: for a table entry, walk the next-level table (for any other entry, as kContinue);
//   * kContinue: go on with the next entry of the range, not into a table;
//   * kStop: end the walk at once.
//
// Walk rules (SPEC §3), for geometry g and root table address `root` (phys_page of the VTTBR):
//   for level 0 .. g.leaf_level():
//     e = read(level, phys_page(table) | index(level, ipa) * 8)
//     g.classify(level, e): kTable -> table = g.table_address(e), next level; else the walk ends
//     (kInvalid: unmapped, pt_map returns e; kBlock / kPage: mapped by e).
#ifndef PTX_PAGETABLE_WALK_H_
#define PTX_PAGETABLE_WALK_H_

#include <array>
#include <cstdint>

#include "pagetable/geometry.h"

namespace ptx {

enum class WalkAction : uint8_t { kContinue, kDescend, kStop };

// What the visitor is shown for one entry.
struct WalkVisit {
  int level = 0;          // walk level of the entry (0 = root)
  uint64_t entry = 0;     // byte address of the entry
  uint64_t value = 0;     // the descriptor read there (read once)
  EntryType type = EntryType::kInvalid;  // g.classify(level, value)
  uint64_t ipa = 0;       // first IPA the entry maps (granule aligned)
  uint64_t size = 0;      // bytes of IPA the entry maps: g.granule_size(level)
};

// Walks every entry that the walks of IPAs in [begin, end) read, from the root table at byte
// address `root`, calling `visit` for each (pre-order, IPA order). Returns false when the visitor
// stopped the walk. REQUIRES: begin < end <= g.ipa_limit().
template <class Memory, class Visitor>
bool walk_range(const Geometry& g, uint64_t root, uint64_t begin, uint64_t end, const Memory& mem,
                Visitor&& visit);

// The walk of one IPA: calls `visit` for each entry read, from the root down, until the walk
// ends or the visitor returns kStop (kContinue on a table entry also ends it). Returns false when
// the visitor stopped it. The tight loop behind pt_map(); REQUIRES: ipa < g.ipa_limit().
// Always inlined: its callers' visitors then fold into the walk, leaving only the reads and tests.
template <class Memory, class Visitor>
[[gnu::always_inline]] inline bool walk_ipa(const Geometry& g, uint64_t root, uint64_t ipa,
                                            const Memory& mem, Visitor&& visit) {
  uint64_t table = g.phys_page(root);
  // Unrolled (at most kMaxLevels levels): with a constant geometry every level's classify() and
  // pool test fold to constants, which makes pt_map() a straight line of loads and tests.
#pragma GCC unroll 4
  for (int level = 0; level < g.levels; ++level) {
    WalkVisit v;
    v.level = level;
    v.entry = g.entry_address(table, level, ipa);
    v.value = mem.read(level, v.entry);
    v.type = g.classify(level, v.value);
    v.size = g.granule_size(level);
    v.ipa = ipa & ~(v.size - 1);
    const WalkAction a = visit(static_cast<const WalkVisit&>(v));
    if (a == WalkAction::kStop) return false;
    if (v.type != EntryType::kTable || a != WalkAction::kDescend) return true;
    table = g.table_address(v.value);
  }
  return true;  // unreachable: the leaf level is never a table
}

// One entry the walk read.
struct WalkStep {
  uint64_t entry = 0;  // byte address of the entry
  uint64_t value = 0;  // the descriptor read there
};

// The full record of one walk.
struct WalkResult {
  uint64_t descriptor = 0;  // what `pt_map` returns: the leaf/block descriptor, or the invalid entry
  int steps = 0;            // entries read, 1..levels; the last one is at level steps-1
  std::array<WalkStep, kMaxLevels> path{};

  // The level of the final entry read (its value is `descriptor`).
  int last_level() const { return steps - 1; }
  // Coq `get_npt_level`: leaf_level() for a page, block_level() for a block, 0 when unmapped
  // (phys_page of the descriptor is 0).
  int npt_level(const Geometry& g) const {
    if (g.phys_page(descriptor) == 0) return 0;
    return last_level();
  }
};

// Visitor that records the walk of one IPA (every entry read, down to where the walk ends).
struct RecordWalk {
  WalkResult* out;
  WalkAction operator()(const WalkVisit& v) const {
    out->path[v.level] = WalkStep{v.entry, v.value};
    out->steps = v.level + 1;
    out->descriptor = v.value;
    return WalkAction::kDescend;
  }
};

// The walk of `ipa` from the root table at byte address `root`. REQUIRES: ipa < g.ipa_limit().
template <class Memory>
WalkResult walk(const Geometry& g, uint64_t root, uint64_t ipa, const Memory& mem) {
  WalkResult r;
  walk_ipa(g, root, ipa, mem, RecordWalk{&r});
  return r;
}

// Coq `pt_map`: just the final descriptor (0 when the walk meets a zero entry).
// REQUIRES: ipa < g.ipa_limit(). Always inlined, as walk_ipa is.
template <class Memory>
[[gnu::always_inline]] inline uint64_t pt_map(const Geometry& g, uint64_t root, uint64_t ipa,
                                              const Memory& mem) {
  uint64_t d = 0;
  walk_ipa(g, root, ipa, mem, [&d](const WalkVisit& v) {
    d = v.value;
    return WalkAction::kDescend;
  });
  return d;
}

namespace walk_internal {

template <class Memory, class Visitor>
bool walk_table(const Geometry& g, uint64_t table, int level, uint64_t base, uint64_t begin,
                uint64_t end, const Memory& mem, Visitor& visit) {
  const uint64_t size = g.granule_size(level);
  const uint64_t first = begin > base ? (begin - base) / size : 0;
  for (uint64_t i = first; i < g.entries_per_table(); ++i) {
    const uint64_t ipa = base + i * size;
    if (ipa >= end) break;
    WalkVisit v;
    v.level = level;
    v.entry = table | (i * 8);
    v.value = mem.read(level, v.entry);
    v.type = g.classify(level, v.value);
    v.ipa = ipa;
    v.size = size;
    const WalkAction a = visit(static_cast<const WalkVisit&>(v));
    if (a == WalkAction::kStop) return false;
    if (v.type == EntryType::kTable && a == WalkAction::kDescend &&
        !walk_table(g, g.table_address(v.value), level + 1, ipa, begin, end, mem, visit)) {
      return false;
    }
  }
  return true;
}

}  // namespace walk_internal

template <class Memory, class Visitor>
bool walk_range(const Geometry& g, uint64_t root, uint64_t begin, uint64_t end, const Memory& mem,
                Visitor&& visit) {
  return walk_internal::walk_table(g, g.phys_page(root), 0, 0, begin, end, mem, visit);
}

}  // namespace ptx

#endif  // PTX_PAGETABLE_WALK_H_
