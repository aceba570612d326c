// SPDX-License-Identifier: BSD-2-Clause
// Roots: the translation-table roots of an Arm page-table trace (casemate-trace.md §3.3) — the
// base addresses written to VTTBR_EL2 (stage 2, a guest's or the host's IPA space) or TTBR0_EL2
// (stage 1, EL2's own VA space), and the `location` of set_root_lock hints — each with the walk
// geometry its (V)TCR_EL2 gives. A root is live from the record that registers it on; ptx never
// unregisters one (a release_table hint only drops casemate's lock association).
#ifndef PTX_ARMCHECK_ROOTS_H_
#define PTX_ARMCHECK_ROOTS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "pagetable/geometry.h"

namespace ptx::armcheck {

struct Root {
  uint64_t base = 0;        // table base address in bytes (BADDR, 4 KiB aligned)
  int stage = 2;            // 2: VTTBR_EL2; 1: TTBR0_EL2
  uint32_t id = 0;          // VMID (stage 2) or ASID (stage 1): the register's bits[63:48]
  Geometry geometry = Geometry::arm();
  uint64_t since_line = 0;  // trace line of the record that made it live
  // Registered by a VTTBR_EL2 / TTBR0_EL2 write (the MMU may walk it), not only announced by a
  // set_root_lock hint: writes to its tree without the lock are then findings.
  bool registered = true;
};

// The walk geometry of a VTCR_EL2 / TCR_EL2 value (T0SZ bits[5:0], TG0 bits[15:14]): the Arm
// rules in a flat memory, starting at level (48 - (64 - T0SZ)) / 9 (casemate-trace.md §3.4, §4).
// Errors (kUnsupported, naming `reg` and the value): a granule other than 4 KiB (TG0 != 0b00),
// or an input size ptx cannot walk: ptx walks T0SZ 16-20 (start level 0; sizes 44-47 walk as 48,
// as casemate reads all 512 root entries), 25-29 (level 1) and 34-38 (level 2).
StatusOr<Geometry> geometry_of_control(uint64_t value, std::string_view reg);

class Roots {
 public:
  // Makes `r` live (or replaces the root with the same base: a new id, stage or geometry).
  void activate(const Root& r);
  const std::vector<Root>& live() const { return roots_; }
  // Is `page` the base of a live root (registered by a register write, when `registered`)?
  bool is_root(uint64_t page, bool registered = false) const;

 private:
  std::vector<Root> roots_;  // in order of registration
};

}  // namespace ptx::armcheck

#endif  // PTX_ARMCHECK_ROOTS_H_
