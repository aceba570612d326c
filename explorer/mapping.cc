// SPDX-License-Identifier: BSD-2-Clause
#include "explorer/mapping.h"

namespace ptx {

uint64_t mapping_of(CompareMode m, const Geometry& g, uint64_t ipa, uint64_t desc, int last_level) {
  if (m == CompareMode::kDescriptor) {
    // Arm: an entry with bit 0 clear maps nothing, whatever its other bits (a software marker,
    // such as Linux's KVM_INVALID_PTE_LOCKED, or an owner id): the walker faults on all alike.
    return g.rules == DescriptorRules::kArm && (desc & 1) == 0 ? 0 : desc;
  }
  const EntryType type = g.classify(last_level, desc);
  if (type == EntryType::kInvalid) return 0;
  const uint64_t oa_mask = g.phys_page(~uint64_t{0});
  const uint64_t attrs = desc & ~oa_mask & ~uint64_t{3};
  uint64_t oa = desc & oa_mask;
  if (type == EntryType::kBlock) {
    const uint64_t in_block = g.granule_size(last_level) - 1;
    oa = (oa & ~in_block) | (ipa & in_block & oa_mask);
  }
  return oa | attrs | 3;
}

}  // namespace ptx
