// SPDX-License-Identifier: BSD-2-Clause
// Coq `update_npt` (Transactional.v), in its two readings; see explorer/sample_and_shuffle.h.
//
//  Fixpoint update_npt updates npt :=
//    match updates with
//    | nil => npt
//    | u :: updates' =>
//      let npt' := update_npt updates' npt in
//      match u with
//      | UPDATE_PGD pgd_p pgd => npt' {pt_vttbr_pool: (pt_vttbr_pool npt) # pgd_p == pgd}
//      | UPDATE_PUD pud_p pud => npt' {pt_pgd_pool: (pt_pgd_pool npt) # pud_p == pud}
//      | UPDATE_PMD pmd_p pmd => npt' {pt_pud_pool: (pt_pud_pool npt) # pmd_p == pmd}
//      | UPDATE_PTE pte_p pte => npt' {pt_pmd_pool: (pt_pmd_pool npt) # pte_p == pte}
//      end
//    end.
#include "explorer/sample_and_shuffle.h"

#include <array>
#include <cstdint>

namespace ptx {

// Cumulative reading: `update_npt updates' npt` first (the tail, recursively: so the last element
// is applied first), then the head's write on top of that state.
void update_npt(std::span<const Update> updates, NptImage& npt) {
  for (size_t i = updates.size(); i-- > 0;) npt.apply(updates[i]);
}

namespace {

// The value of one pool of the accumulated Coq state: either the pool of the ORIGINAL npt
// untouched, or `(pool of the original npt) # entry == value` (the only shape the Coq right-hand
// side can produce, since it always starts from `pt_xxx_pool npt`).
struct QuirkPool {
  bool replaced = false;
  uint64_t entry = 0;
  uint64_t value = 0;
};

// update_npt updates npt, literally, on the pool values above.
std::array<QuirkPool, kMaxLevels> quirk_pools(std::span<const Update> updates, int levels) {
  if (updates.empty()) return {};  // nil => npt
  // let npt' := update_npt updates' npt in
  std::array<QuirkPool, kMaxLevels> acc = quirk_pools(updates.subspan(1), levels);
  // npt' {pool: (pool npt) # p == v}: the whole pool is replaced, derived from the original.
  const Update& u = updates.front();
  acc[level_of_kind(u.kind, levels)] = QuirkPool{true, u.entry, u.new_value};
  return acc;
}

}  // namespace

NptImage update_npt_coq_quirk(std::span<const Update> updates, const NptImage& npt) {
  const int levels = npt.geometry().levels;
  const std::array<QuirkPool, kMaxLevels> pools = quirk_pools(updates, levels);
  NptImage out = npt;  // every pool starts as the original's
  for (int level = 0; level < levels; ++level) {
    if (pools[level].replaced) out.write(level, pools[level].entry, pools[level].value);
  }
  return out;
}

}  // namespace ptx
