// SPDX-License-Identifier: BSD-2-Clause
#include "report/signature_lanes.h"

namespace ptx::report {

SignatureLanes::SignatureLanes(size_t examples) {
  for (CacheAligned<Lane>& l : lanes_) l->table = SignatureTable(examples);
}

void SignatureLanes::add_section(const CheckedSection& s) {
  Lane& l = *lanes_[s.section.vmid % kVmCount];
  const bool example = l.table.add_section(s, occurrence_of(s));
  l.example_seq = example ? s.section.seq : UINT64_MAX;
}

bool SignatureLanes::is_example(uint32_t vmid, uint64_t seq) const {
  return lanes_[vmid % kVmCount]->example_seq == seq;
}

SignatureTable SignatureLanes::merged() const {
  SignatureTable all(lanes_[0]->table.examples());
  for (const CacheAligned<Lane>& l : lanes_) all.merge(l->table);
  return all;
}

}  // namespace ptx::report
