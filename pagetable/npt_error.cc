// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/npt_error.h"

namespace ptx {

std::string_view npt_error_name(NptError e) {
  switch (e) {
    case NptError::kOk: return "ok";
    case NptError::kInvalidVmid: return "invalid-vmid";
    case NptError::kInvalidIpa: return "invalid-ipa";
    case NptError::kInvalidLevel: return "invalid-level";
    case NptError::kZeroDescriptor: return "zero-descriptor";
    case NptError::kTableDescriptorAtLevel2: return "table-descriptor-at-level-2";
    case NptError::kLevel2OverTable: return "level-2-over-table";
    case NptError::kMapUnderBlock: return "map-under-block";
    case NptError::kSecondLeafWrite: return "second-leaf-write";
    case NptError::kLockNotHeld: return "lock-not-held";
    case NptError::kPoolExhausted: return "pool-exhausted";
    case NptError::kHalted: return "halted";
    case NptError::kUnalignedIpa: return "unaligned-ipa";
    case NptError::kNotMapped: return "not-mapped";
    case NptError::kUnmapUnderBlock: return "unmap-under-block";
    case NptError::kUnmapDescriptor: return "unmap-descriptor";
  }
  return "unknown";
}

std::string_view npt_error_rule(NptError e) {
  switch (e) {
    case NptError::kOk: return "no error";
    case NptError::kInvalidVmid: return "vmid must be 0..16 (valid_vmid)";
    case NptError::kInvalidIpa: return "ipa must be below 2^48 (valid_addr)";
    case NptError::kInvalidLevel: return "level must be 2 (2 MiB block) or 3 (4 KiB page)";
    case NptError::kZeroDescriptor: return "descriptor must be non-zero (set_npt maps, it never unmaps)";
    case NptError::kTableDescriptorAtLevel2:
      return "a level-2 descriptor must be a block: its low two bits must not be 3 (pmd_table)";
    case NptError::kLevel2OverTable:
      return "a level-2 map must not replace a level-2 table (\"set existing npt: pmd\")";
    case NptError::kMapUnderBlock:
      return "a level-3 map must not go under a 2 MiB block (walk_pmd found a block)";
    case NptError::kSecondLeafWrite:
      return "the sekvm section policy allows one leaf write per critical section (tstate)";
    case NptError::kLockNotHeld:
      return "set_npt and clear_npt must be called by the thread holding the VM's lock, inside a critical section";
    case NptError::kPoolExhausted:
      return "a page-table pool of the VM is exhausted; the machine halts";
    case NptError::kHalted: return "the machine halted after a pool ran out; no later op is done";
    case NptError::kUnalignedIpa:
      return "a map's ipa must be aligned to its level's granule (4 KiB, or 2 MiB at level 2)";
    case NptError::kNotMapped: return "unmap of an IPA that nothing maps (the entry is already 0)";
    case NptError::kUnmapUnderBlock:
      return "a level-3 unmap must not go under a 2 MiB block (unmap the block at level 2)";
    case NptError::kUnmapDescriptor: return "an unmap writes 0: its descriptor must be 0";
  }
  return "unknown error";
}

Status npt_status(NptError e) {
  if (e == NptError::kOk) return ok_status();
  return bad_input("{} ({})", npt_error_rule(e), npt_error_name(e));
}

}  // namespace ptx
