// SPDX-License-Identifier: BSD-2-Clause
// One buffered page-table write of a critical section: Coq `NPT_UPDATE`
// (UPDATE_PGD / UPDATE_PUD / UPDATE_PMD / UPDATE_PTE), plus the value the entry held before.
#ifndef PTX_PAGETABLE_UPDATE_H_
#define PTX_PAGETABLE_UPDATE_H_

#include <cstdint>
#include <string_view>

#include "base/enum_names.h"
#include "pagetable/engine_step.h"

namespace ptx {

// Which pool an update writes. The numeric value is the walk level of the entry in the default
// 4-level geometry: UPDATE_PGD writes a root (level-0) entry in `pt_vttbr_pool`, UPDATE_PUD a
// level-1 entry in `pt_pgd_pool`, UPDATE_PMD a level-2 entry in `pt_pud_pool`, UPDATE_PTE a level-3
// entry in `pt_pmd_pool`.
enum class UpdateKind : uint8_t { kPgd = 0, kPud = 1, kPmd = 2, kPte = 3 };

inline constexpr EnumNames<UpdateKind, 4> kUpdateKindNames{{
    {UpdateKind::kPgd, "PGD"},
    {UpdateKind::kPud, "PUD"},
    {UpdateKind::kPmd, "PMD"},
    {UpdateKind::kPte, "PTE"},
}};

// "PGD", "PUD", "PMD" or "PTE".
constexpr std::string_view update_kind_name(UpdateKind k) { return enum_name(kUpdateKindNames, k); }
// Parses "PGD".."PTE" (any case). Returns false for anything else.
bool parse_update_kind(std::string_view s, UpdateKind* out);

// The kind of the entry a walk reads at `level` in a geometry with `levels` levels. Kinds are
// aligned at the leaf: the leaf is always PTE and the block level PMD, so a 3-level geometry has
// PUD, PMD, PTE. REQUIRES: 0 <= level < levels <= 4.
constexpr UpdateKind kind_at_level(int level, int levels) {
  return static_cast<UpdateKind>(level + (4 - levels));
}
// The walk level of `k` in a geometry with `levels` levels (inverse of kind_at_level).
constexpr int level_of_kind(UpdateKind k, int levels) {
  return static_cast<int>(k) - (4 - levels);
}

struct Update {
  UpdateKind kind = UpdateKind::kPte;
  uint64_t entry = 0;      // byte address of the entry written
  uint64_t old_value = 0;  // the entry's value just before this write
  uint64_t new_value = 0;  // the value written
  // Which engine step made the write (engine_step.h), kNone when not the engine. Provenance only:
  // not part of the write, so not compared by ==.
  EngineStep step = EngineStep::kNone;

  friend bool operator==(const Update& a, const Update& b) {
    return a.kind == b.kind && a.entry == b.entry && a.old_value == b.old_value && a.new_value == b.new_value;
  }
};

}  // namespace ptx

#endif  // PTX_PAGETABLE_UPDATE_H_
