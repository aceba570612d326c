// SPDX-License-Identifier: BSD-2-Clause
#include "pagetable/map_op.h"

#include <fmt/format.h>

#include "pagetable/constants.h"

namespace ptx {

NptError map_op_error(uint64_t vmid, const MapOp& op, bool require_aligned) {
  if (!valid_vmid(vmid)) return NptError::kInvalidVmid;
  if (!valid_addr(op.ipa)) return NptError::kInvalidIpa;
  if (op.level != 2 && op.level != 3) return NptError::kInvalidLevel;
  const uint64_t granule = op.level == 2 ? (uint64_t{1} << 21) : PAGE_SIZE;
  if (require_aligned && op.ipa % granule != 0) return NptError::kUnalignedIpa;
  if (op.kind == OpKind::kUnmap) return op.descriptor == 0 ? NptError::kOk : NptError::kUnmapDescriptor;
  if (op.descriptor == 0) return NptError::kZeroDescriptor;
  if (op.level == 2 && pmd_table(op.descriptor) == PMD_TYPE_TABLE) {
    return NptError::kTableDescriptorAtLevel2;
  }
  return NptError::kOk;
}

Status check_map_op(uint64_t vmid, const MapOp& op, bool require_aligned) {
  const NptError e = map_op_error(vmid, op, require_aligned);
  const std::string_view rule = npt_error_rule(e);
  switch (e) {
    case NptError::kOk: return ok_status();
    case NptError::kInvalidVmid: return bad_input("invalid vmid {}: {}", vmid, rule);
    case NptError::kInvalidLevel: return bad_input("invalid level {}: {}", op.level, rule);
    case NptError::kInvalidIpa: return bad_input("invalid ipa {:#x}: {}", op.ipa, rule);
    case NptError::kUnalignedIpa:
      return bad_input("invalid ipa {:#x}: a level-{} {}'s ipa must be aligned to {}", op.ipa, op.level,
                       op_kind_name(op.kind), op.level == 2 ? "2 MiB" : "4 KiB");
    default: return bad_input("invalid descriptor {:#x}: {}", op.descriptor, rule);
  }
}

}  // namespace ptx
