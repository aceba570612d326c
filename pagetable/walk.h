// The stage-2 walk: Coq `pt_map` (Transactional.v) / `walk_npt` (NPTWalk), over any memory.
//
// One generic walker, in the style of Linux's kvm_pgtable_walk(): the caller supplies the memory
// as a small visitor-like object with
//     uint64_t read(int level, uint64_t entry_address) const;
// returning the entry the walk reads at `level` (the Coq pools: level 0 reads `pt_vttbr_pool`,
// 1 `pt_pgd_pool`, 2 `pt_pud_pool`, 3 `pt_pmd_pool`). Each entry is read exactly once.
//
// Walk rules (SPEC §3), for geometry g and root table address `root` (phys_page of the VTTBR):
//   for level 0 .. g.leaf_level():
//     e = read(level, phys_page(table) | index(level, ipa) * 8)
//     if e == 0                           -> unmapped, return 0
//     if level == leaf, or level == block and pmd_table(e) != 3 -> return e (page / block)
//     table = phys_page(e)                 (levels above the block level follow any non-zero e)
#ifndef PTX_PAGETABLE_WALK_H_
#define PTX_PAGETABLE_WALK_H_

#include <array>
#include <cstdint>

#include "pagetable/geometry.h"

namespace ptx {

// One entry the walk read.
struct WalkStep {
  uint64_t entry = 0;  // byte address of the entry
  uint64_t value = 0;  // the descriptor read there
};

// The full record of one walk.
struct WalkResult {
  uint64_t descriptor = 0;  // what `pt_map` returns: the leaf/block descriptor, or 0 if unmapped
  int steps = 0;            // entries read, 1..levels; the last one is at level steps-1
  std::array<WalkStep, kMaxLevels> path{};

  // The level of the final entry read (its value is `descriptor` unless unmapped).
  int last_level() const { return steps - 1; }
  // Coq `get_npt_level`: leaf_level() for a page, block_level() for a block, 0 when unmapped
  // (phys_page of the descriptor is 0).
  int npt_level(const Geometry& g) const {
    if (g.phys_page(descriptor) == 0) return 0;
    return last_level();
  }
};

// Walks `ipa` from the root table at byte address `root`. REQUIRES: ipa < g.ipa_limit().
template <class Memory>
WalkResult walk(const Geometry& g, uint64_t root, uint64_t ipa, const Memory& mem) {
  WalkResult r;
  uint64_t table = g.phys_page(root);
  for (int level = 0; level < g.levels; ++level) {
    const uint64_t entry = g.entry_address(table, level, ipa);
    const uint64_t e = mem.read(level, entry);
    r.path[level] = WalkStep{entry, e};
    r.steps = level + 1;
    if (!g.is_table(level, e)) {
      r.descriptor = e;  // 0 (unmapped), a block, or a page
      return r;
    }
    table = g.phys_page(e);
  }
  return r;  // unreachable: the leaf level is never a table
}

// Coq `pt_map`: just the descriptor. REQUIRES: ipa < g.ipa_limit().
template <class Memory>
uint64_t pt_map(const Geometry& g, uint64_t root, uint64_t ipa, const Memory& mem) {
  uint64_t table = g.phys_page(root);
  for (int level = 0;; ++level) {
    const uint64_t e = mem.read(level, g.entry_address(table, level, ipa));
    if (!g.is_table(level, e)) return e;
    table = g.phys_page(e);
  }
}

}  // namespace ptx

#endif  // PTX_PAGETABLE_WALK_H_
