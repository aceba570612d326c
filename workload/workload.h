// SPDX-License-Identifier: BSD-2-Clause
// Workload: the ordered list of set_npt / clear_npt ops (and, from workload files, the TLB
// maintenance steps `dsb` / `tlbi` inside their sections) that `ptx run` / `ptx record` drive the
// engine with, whatever their source (the qemu-virt preset, a workload file, a live process).
//
// Ops are kept in input order. Each op belongs to a section (`section_id`): consecutive ops of
// one VM with the same section_id are made in one critical section (one open_section ... close),
// so a section never spans two VMs. Per VM the ops form a stream (`VmStream`) in input order;
// the runner applies each VM's stream in that order and runs different VMs in parallel.
#ifndef PTX_WORKLOAD_WORKLOAD_H_
#define PTX_WORKLOAD_WORKLOAD_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "base/enum_names.h"
#include "base/status.h"
#include "pagetable/map_op.h"
#include "pagetable/constants.h"
#include "pagetable/section.h"

namespace ptx::workload {

// What a workload op is: a set_npt / clear_npt call (MapOp, `kind`), or a step of the TLB
// maintenance the section's code does (Stage2Engine::maintain): a DSB ISH, or a TLBI; or one of
// the KVM paths only the kernel engines have (kernel/kernel_abi.h): dirty logging's write
// protection of a range, an access fault (the page made young), the aging of a range, eager page
// splitting of a range. A call op's `ipa` and `descriptor` are the range's start and size in bytes
// (an access: the faulting page, size 0); it is a section of its own.
enum class OpType : uint8_t { kMapOp, kDsb, kTlbi, kWrprotect, kAccess, kAge, kSplit };
inline constexpr EnumNames<OpType, 7> kOpTypeNames{{
    {OpType::kMapOp, "map"}, {OpType::kDsb, "dsb"}, {OpType::kTlbi, "tlbi"}, {OpType::kWrprotect, "wrprotect"},
    {OpType::kAccess, "access"}, {OpType::kAge, "age"}, {OpType::kSplit, "split"}}};
// Is `t` one of the KVM-path ops (wrprotect, access, age, split)?
constexpr bool is_call_op(OpType t) { return t >= OpType::kWrprotect; }

// 32 bytes: the default qemu-virt run holds millions of them.
struct WorkloadOp {
  uint64_t ipa = 0;
  uint64_t descriptor = 0;
  uint64_t section_id = 0;  // ops of one VM with equal consecutive ids share a critical section
  uint32_t line = 0;        // where the op comes from: file line, or 1-based op number
  uint8_t vmid = 0;         // 0..16 once checked
  uint8_t level = 3;        // 2 or 3 once checked
  OpKind kind = OpKind::kMap;  // an unmap's descriptor is 0
  // kTlbi: `descriptor` holds the TlbiKind, `ipa` and `level` (0..3, 0: no TTL hint) its
  // address and hint (ipas2e1is; 0 otherwise). kDsb: only vmid.
  OpType type = OpType::kMapOp;

  MapOp map_op() const { return MapOp{ipa, level, descriptor, kind}; }
  TlbMaintenance maintenance() const {
    return TlbMaintenance{0, type == OpType::kDsb ? TlbMaintenance::Kind::kDsb : TlbMaintenance::Kind::kTlbi,
                          static_cast<TlbiKind>(descriptor), ipa, level};
  }
};
static_assert(sizeof(WorkloadOp) == 32);

// One VM's ops in input order, cut into sections.
struct VmStream {
  std::vector<uint32_t> ops;             // indexes into Workload::ops, in input order
  std::vector<uint32_t> section_starts;  // index into `ops` of each section's first op
  size_t section_count() const { return section_starts.size(); }
  // [begin, end) into `ops` of section i.
  size_t section_begin(size_t i) const { return section_starts[i]; }
  size_t section_end(size_t i) const {
    return i + 1 < section_starts.size() ? section_starts[i + 1] : ops.size();
  }
};

struct Workload {
  std::string source;       // "qemu-virt", the workload file name, "pid 1234": prefixes messages
  std::string description;  // one line for the summary, e.g. "qemu-virt, 4 VMs"
  std::vector<WorkloadOp> ops;             // input order
  std::array<VmStream, kVmCount> streams;  // filled by finalize()

  // Builds `streams` from `ops` (call after filling ops). Ops of a VM whose section_id equals
  // the previous op of that VM join its section.
  void finalize();
  // Number of sections over all VMs (after finalize()).
  size_t section_count() const;
};

// The rules of a TLB maintenance step that depend on it alone: vmid 0..16; a TLBI's operation one
// of kTlbiKindNames; for ipas2e1is an IPA below 2^48 aligned to 4 KiB and a TTL level 0..3, for
// the others (and a DSB) IPA 0 and level 0. Errors: kBadInput "<what>: <rule>".
Status check_maintenance_op(uint64_t vmid, OpType type, uint64_t op, uint64_t ipa, uint64_t level);

// The rules of a KVM-path op alone: vmid 0..16; ipa below 2^48 and aligned to 4 KiB; a range's
// size a non-zero multiple of 4 KiB ending at most at 2^48, an access's size 0. Errors: kBadInput
// "<what>: <rule>".
Status check_call_op(uint64_t vmid, OpType type, uint64_t ipa, uint64_t size);

// A map of a 1 GiB block (level 1): only the kernel engines map at level 1 (a hugetlbfs-backed
// guest). vmid 0..16, ipa below 2^48 and aligned to 1 GiB, a descriptor that is not 0 and not a
// table. Errors: kBadInput.
Status check_level1_map(uint64_t vmid, uint64_t ipa, uint64_t descriptor);

// The rules of one op that depend on the op alone: for a map op check_map_op (pagetable/map_op.h)
// with the IPA aligned to its level's granule, which every workload source keeps (a level-1 map:
// check_level1_map); for a TLB maintenance step check_maintenance_op; for a KVM-path op
// check_call_op.
inline Status check_workload_op(const WorkloadOp& op) {
  if (is_call_op(op.type)) return check_call_op(op.vmid, op.type, op.ipa, op.descriptor);
  if (op.type != OpType::kMapOp) return check_maintenance_op(op.vmid, op.type, op.descriptor, op.ipa, op.level);
  if (op.level == 1 && op.kind == OpKind::kMap) return check_level1_map(op.vmid, op.ipa, op.descriptor);
  return check_map_op(op.vmid, op.map_op(), /*require_aligned=*/true);
}

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_WORKLOAD_H_
