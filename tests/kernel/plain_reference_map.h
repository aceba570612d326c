// SPDX-License-Identifier: BSD-2-Clause
// PlainReferenceMap: reference_map.h's contract kept the plain way — an ordered map of leaves by
// first IPA, every op a scan of the leaves meeting its range — for differential tests of
// ReferenceMap's slot structure.
#ifndef PTX_TESTS_KERNEL_PLAIN_REFERENCE_MAP_H_
#define PTX_TESTS_KERNEL_PLAIN_REFERENCE_MAP_H_

#include <cstdint>
#include <map>
#include <vector>

#include "kernel/reference_map.h"

namespace ptx::kernel::testing {

class PlainReferenceMap {
 public:
  const RefLeaf* leaf_at(uint64_t ipa) const {
    for (const auto& [at, l] : leaves_) {
      if (ipa >= l.ipa && ipa < l.ipa + l.size) return &l;
    }
    return nullptr;
  }
  std::vector<RefLeaf> leaves_in(uint64_t begin, uint64_t end) const {
    std::vector<RefLeaf> out;
    for (const auto& [at, l] : leaves_) {
      if (l.ipa < end && l.ipa + l.size > begin) out.push_back(l);
    }
    return out;
  }
  void apply_map(uint64_t ipa, uint64_t size, uint64_t pa, uint32_t prot) {
    const uint64_t base = ipa & ~(size - 1);
    const RefLeaf want{base, size, pa & ~(size - 1), (prot & kProtR) != 0, (prot & kProtW) != 0,
                       (prot & kProtX) != 0, (prot & kProtDevice) != 0, true};
    const std::vector<RefLeaf> meet = leaves_in(base, base + size);
    if (meet.size() == 1 && meet[0].ipa == base && meet[0].size == size && meet[0].oa == want.oa &&
        meet[0].device == want.device && meet[0].young) {
      return;
    }
    apply_unmap(base, base + size);
    leaves_[base] = want;
  }
  void apply_relax(uint64_t ipa, uint32_t prot) {
    const RefLeaf* l = leaf_at(ipa);
    if (l == nullptr) return;
    RefLeaf& m = leaves_[l->ipa];
    m.r = m.r || (prot & kProtR) != 0;
    m.w = m.w || (prot & kProtW) != 0;
    m.x = m.x || (prot & kProtX) != 0;
  }
  void apply_unmap(uint64_t begin, uint64_t end) {
    for (const RefLeaf& l : leaves_in(begin, end)) leaves_.erase(l.ipa);
  }
  void apply_wrprotect(uint64_t begin, uint64_t end) {
    for (const RefLeaf& l : leaves_in(begin, end)) leaves_[l.ipa].w = false;
  }
  void apply_young(uint64_t begin, uint64_t end, bool young) {
    for (const RefLeaf& l : leaves_in(begin, end)) leaves_[l.ipa].young = young;
  }
  void apply_split(uint64_t begin, uint64_t end) {
    for (const RefLeaf& l : leaves_in(begin, end)) {
      if (l.size == 4096) continue;
      leaves_.erase(l.ipa);
      const uint64_t step = l.size == (uint64_t{1} << 30) ? uint64_t{1} << 21 : 4096;
      for (uint64_t off = 0; off < l.size; off += step) {
        leaves_[l.ipa + off] = RefLeaf{l.ipa + off, step, l.oa + off, l.r, l.w, l.x, false, true};
      }
    }
  }
  size_t leaves() const { return leaves_.size(); }

 private:
  std::map<uint64_t, RefLeaf> leaves_;
};

}  // namespace ptx::kernel::testing

#endif  // PTX_TESTS_KERNEL_PLAIN_REFERENCE_MAP_H_
