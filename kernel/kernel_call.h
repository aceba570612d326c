// SPDX-License-Identifier: BSD-2-Clause
// How a workload op becomes the calls of KVM's paths (kernel_abi.h ptx_k_call), and what each call
// does to a ReferenceMap (reference_map.h). KernelVm uses both when it dispatches an op (with the
// permission-fault decision predicted from its own map); the run's refinement check uses
// apply_call with the decision the code made (ptx_k_result::perm_fault).
//
// A map op's descriptor is a stage-2 leaf (workload/s2_descriptor.h): its output address (bits
// [47:granule]), S2AP read (bit 6) and write (bit 7), XN (bit 54: not executable), MemAttr
// [5:2] = 0b00xx for device memory (never executable: KVM's fault handler maps no device page X). Its level is the size the fault handler picked: 3 a 4 KiB
// page, 2 a 2 MiB block, 1 a 1 GiB block.
#ifndef PTX_KERNEL_KERNEL_CALL_H_
#define PTX_KERNEL_KERNEL_CALL_H_

#include <optional>
#include <utility>
#include <vector>

#include "kernel/kernel_abi.h"
#include "kernel/reference_map.h"
#include "workload/workload.h"

namespace ptx::kernel {

// The ptx_k_call_kind of an op type (PTX_K_FAULT for map ops: a map's unmap is PTX_K_UNMAP).
uint32_t call_kind_of(workload::OpType type);

// The calls `op` runs as, given the leaf that maps op.ipa before it (`leaf`, or none) and the
// dirty-logging ranges: a map over a leaf of another output page (or memory type) is the MMU
// notifier's unmap of that leaf, then the fault. REQUIRES: op passed check_workload_op and is not
// a dsb or tlbi.
std::vector<ptx_k_call> calls_of(const workload::WorkloadOp& op, const std::optional<RefLeaf>& leaf,
                                 const std::vector<std::pair<uint64_t, uint64_t>>& logging);

// Applies `c` to `ref` (reference_map.h's contract): a fault as a permission fault when
// `perm_fault`; an age over the whole range when `age_range` (6.5+: test_clear_young), else of
// the leaf at its IPA only (6.1: mkold).
void apply_call(ReferenceMap& ref, const ptx_k_call& c, bool perm_fault, bool age_range);

}  // namespace ptx::kernel

#endif  // PTX_KERNEL_KERNEL_CALL_H_
