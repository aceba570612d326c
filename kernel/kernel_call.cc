// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/kernel_call.h"

namespace ptx::kernel {
namespace {

constexpr uint64_t kPage = 4096;

uint64_t granule(int level) { return uint64_t{1} << (12 + 9 * (3 - level)); }

// user_mem_abort's prot: device memory is never executable (an exec fault on it is -ENOEXEC
// before any map; stage2_set_prot_attr refuses DEVICE with X).
uint32_t prot_of(uint64_t desc) {
  uint32_t prot = 0;
  if (desc >> 6 & 1) prot |= kProtR;
  if (desc >> 7 & 1) prot |= kProtW;
  if (((desc >> 2) & 0xc) == 0) return prot | kProtDevice;
  if ((desc >> 54 & 1) == 0) prot |= kProtX;
  return prot;
}

bool logging_at(const std::vector<std::pair<uint64_t, uint64_t>>& logging, uint64_t ipa) {
  for (const auto& [b, e] : logging) {
    if (ipa >= b && ipa < e) return true;
  }
  return false;
}

}  // namespace

uint32_t call_kind_of(workload::OpType type) {
  switch (type) {
    case workload::OpType::kWrprotect: return PTX_K_WRPROTECT;
    case workload::OpType::kAccess: return PTX_K_ACCESS;
    case workload::OpType::kAge: return PTX_K_AGE;
    case workload::OpType::kSplit: return PTX_K_SPLIT;
    default: return PTX_K_FAULT;
  }
}

std::vector<ptx_k_call> calls_of(const workload::WorkloadOp& op, const std::optional<RefLeaf>& leaf,
                                 const std::vector<std::pair<uint64_t, uint64_t>>& logging) {
  if (workload::is_call_op(op.type)) {
    return {ptx_k_call{call_kind_of(op.type), 0, op.ipa, op.descriptor, 0, 0}};
  }
  const uint64_t size = granule(op.level);
  if (op.kind == OpKind::kUnmap) return {ptx_k_call{PTX_K_UNMAP, 0, op.ipa & ~(size - 1), size, 0, 0}};
  std::vector<ptx_k_call> out;
  const uint64_t pa = op.descriptor & ((uint64_t{1} << 48) - 1) & ~(size - 1);
  const uint32_t prot = prot_of(op.descriptor);
  if (const RefLeaf* l = leaf ? &*leaf : nullptr) {
    const uint64_t page = op.ipa & ~(kPage - 1);
    const bool same_page = l->oa + (page - l->ipa) == pa + (page & (size - 1));
    if (!same_page || l->device != ((prot & kProtDevice) != 0)) out.push_back(ptx_k_call{PTX_K_UNMAP, 0, l->ipa, l->size, 0, 0});
  }
  out.push_back(ptx_k_call{PTX_K_FAULT, prot, op.ipa, size, pa, logging_at(logging, op.ipa) ? 1u : 0u});
  return out;
}

void apply_call(ReferenceMap& ref, const ptx_k_call& c, bool perm_fault, bool age_range) {
  switch (c.kind) {
    case PTX_K_FAULT:
      if (perm_fault) {
        ref.apply_relax(c.ipa, c.prot);
      } else {
        ref.apply_map(c.ipa, c.size, c.pa, c.prot);
      }
      return;
    case PTX_K_UNMAP: ref.apply_unmap(c.ipa, c.ipa + c.size); return;
    case PTX_K_WRPROTECT: ref.apply_wrprotect(c.ipa, c.ipa + c.size); return;
    case PTX_K_ACCESS: ref.apply_young(c.ipa, c.ipa + kPage, true); return;
    case PTX_K_AGE: ref.apply_young(c.ipa, age_range ? c.ipa + c.size : c.ipa + kPage, false); return;
    case PTX_K_SPLIT: ref.apply_split(c.ipa, c.ipa + c.size); return;
    default: return;
  }
}

}  // namespace ptx::kernel
