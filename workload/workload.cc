// SPDX-License-Identifier: BSD-2-Clause
#include "workload/workload.h"

#include "pagetable/npt_error.h"

namespace ptx::workload {

void Workload::finalize() {
  for (VmStream& s : streams) s = VmStream{};
  std::array<uint64_t, kVmCount> last_section{};
  std::array<bool, kVmCount> any{};
  for (size_t i = 0; i < ops.size(); ++i) {
    const WorkloadOp& op = ops[i];
    VmStream& s = streams[op.vmid];
    if (!any[op.vmid] || last_section[op.vmid] != op.section_id) {
      s.section_starts.push_back(static_cast<uint32_t>(s.ops.size()));
    }
    any[op.vmid] = true;
    last_section[op.vmid] = op.section_id;
    s.ops.push_back(static_cast<uint32_t>(i));
  }
}

Status check_maintenance_op(uint64_t vmid, OpType type, uint64_t op, uint64_t ipa, uint64_t level) {
  if (!valid_vmid(vmid)) return bad_input("invalid vmid {}: {}", vmid, npt_error_rule(NptError::kInvalidVmid));
  const bool by_ipa = type == OpType::kTlbi && op == static_cast<uint64_t>(TlbiKind::kIpas2e1is);
  if (type == OpType::kTlbi && op >= kTlbiKindNames.size()) {
    return bad_input("invalid tlbi operation {}: it must be one of {}", op, enum_choices(kTlbiKindNames));
  }
  if (!by_ipa) {
    if (ipa != 0 || level != 0) return bad_input("a {} takes no IPA and no level", type == OpType::kDsb ? "dsb" : "tlbi");
    return ok_status();
  }
  if (ipa >> 48 != 0) return bad_input("invalid ipa {:#x}: {}", ipa, npt_error_rule(NptError::kInvalidIpa));
  if (ipa % PAGE_SIZE != 0) return bad_input("invalid ipa {:#x}: a tlbi ipas2e1is's ipa must be aligned to 4 KiB", ipa);
  if (level > 3) {
    return bad_input("invalid TTL level {}: a tlbi's level is the leaf's level 1..3, or 0 for no hint", level);
  }
  return ok_status();
}

Status check_call_op(uint64_t vmid, OpType type, uint64_t ipa, uint64_t size) {
  if (!valid_vmid(vmid)) return bad_input("invalid vmid {}: {}", vmid, npt_error_rule(NptError::kInvalidVmid));
  const std::string_view what = enum_name(kOpTypeNames, type);
  if (ipa >> 48 != 0) return bad_input("invalid ipa {:#x}: {}", ipa, npt_error_rule(NptError::kInvalidIpa));
  if (ipa % PAGE_SIZE != 0) return bad_input("invalid ipa {:#x}: a {}'s ipa must be aligned to 4 KiB", ipa, what);
  if (type == OpType::kAccess) {
    return size == 0 ? ok_status() : bad_input("an access takes no size (it is one page's access fault)");
  }
  if (size == 0 || size % PAGE_SIZE != 0) {
    return bad_input("invalid size {:#x}: a {}'s size is a non-zero multiple of 4 KiB", size, what);
  }
  if (size > (uint64_t{1} << 48) - ipa) return bad_input("invalid size {:#x}: the range ends above 2^48", size);
  return ok_status();
}

Status check_level1_map(uint64_t vmid, uint64_t ipa, uint64_t descriptor) {
  if (!valid_vmid(vmid)) return bad_input("invalid vmid {}: {}", vmid, npt_error_rule(NptError::kInvalidVmid));
  if (ipa >> 48 != 0) return bad_input("invalid ipa {:#x}: {}", ipa, npt_error_rule(NptError::kInvalidIpa));
  if (ipa % (uint64_t{1} << 30) != 0) {
    return bad_input("invalid ipa {:#x}: a level-1 map's ipa must be aligned to 1 GiB", ipa);
  }
  if (descriptor == 0) return bad_input("invalid descriptor 0: a map's descriptor is not 0 (set_npt maps)");
  if ((descriptor & 3) == 3) return bad_input("invalid descriptor {:#x}: a level-1 map is a block, not a table", descriptor);
  return ok_status();
}

size_t Workload::section_count() const {
  size_t n = 0;
  for (const VmStream& s : streams) n += s.section_count();
  return n;
}

}  // namespace ptx::workload
