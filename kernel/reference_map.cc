// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/reference_map.h"

#include <algorithm>

#include <fmt/format.h>

#include "pagetable/walk.h"

namespace ptx::kernel {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kOaMask = ((uint64_t{1} << 48) - 1) & ~(kPage - 1);

uint64_t level_size(int level) { return uint64_t{1} << (12 + 9 * (3 - level)); }

// What ReferenceMap::apply_split makes of a block of `size` bytes.
uint64_t split_size(uint64_t size) { return size == level_size(1) ? level_size(2) : kPage; }

}  // namespace

std::string Translation::text() const {
  if (!mapped) return "unmapped";
  return fmt::format("{:#x} {}{}{} {}{}", oa, r ? 'r' : '-', w ? 'w' : '-', x ? 'x' : '-', device ? "device" : "normal",
                     young ? " young" : " old");
}

Translation RefLeaf::at(uint64_t page) const {
  return Translation{true, oa + (page - ipa), r, w, x, device, young};
}

Translation translation_of(uint64_t desc, int level, uint64_t page) {
  Translation t;
  if ((desc & 1) == 0) return t;
  const uint64_t size = level_size(level);
  t.mapped = true;
  t.oa = (desc & kOaMask & ~(size - 1)) + (page & (size - 1));
  t.r = (desc >> 6 & 1) != 0;
  t.w = (desc >> 7 & 1) != 0;
  t.x = (desc >> 54 & 1) == 0;
  t.device = ((desc >> 2) & 0xc) == 0;  // MemAttr[3:2] = 0b00: Device (with or without FEAT_S2FWB)
  t.young = (desc >> 10 & 1) != 0;
  return t;
}

const RefLeaf* ReferenceMap::leaf_at(uint64_t ipa) const {
  auto it = leaves_.upper_bound(ipa);
  if (it == leaves_.begin()) return nullptr;
  --it;
  return ipa - it->second.ipa < it->second.size ? &it->second : nullptr;
}

std::vector<RefLeaf> ReferenceMap::leaves_in(uint64_t begin, uint64_t end) const {
  std::vector<RefLeaf> out;
  auto it = leaves_.upper_bound(begin);
  if (it != leaves_.begin()) --it;
  for (; it != leaves_.end() && it->second.ipa < end; ++it) {
    if (it->second.ipa + it->second.size > begin) out.push_back(it->second);
  }
  return out;
}

void ReferenceMap::erase_meeting(uint64_t begin, uint64_t end) {
  for (const RefLeaf& l : leaves_in(begin, end)) leaves_.erase(l.ipa);
}

void ReferenceMap::apply_map(uint64_t ipa, uint64_t size, uint64_t pa, uint32_t prot) {
  const uint64_t base = ipa & ~(size - 1);
  const RefLeaf want{base, size, pa & ~(size - 1), (prot & kProtR) != 0, (prot & kProtW) != 0, (prot & kProtX) != 0,
                     (prot & kProtDevice) != 0, true};
  const std::vector<RefLeaf> meet = leaves_in(base, base + size);
  if (meet.size() == 1 && meet[0].ipa == base && meet[0].size == size && meet[0].oa == want.oa &&
      meet[0].device == want.device && meet[0].young) {
    return;  // stage2_pte_needs_update: only permissions would change, -EAGAIN
  }
  erase_meeting(base, base + size);
  leaves_[base] = want;
}

void ReferenceMap::apply_relax(uint64_t ipa, uint32_t prot) {
  const RefLeaf* l = leaf_at(ipa);
  if (l == nullptr) return;  // -EAGAIN
  RefLeaf& m = leaves_[l->ipa];
  m.r = m.r || (prot & kProtR) != 0;
  m.w = m.w || (prot & kProtW) != 0;
  m.x = m.x || (prot & kProtX) != 0;
}

void ReferenceMap::apply_unmap(uint64_t begin, uint64_t end) { erase_meeting(begin, end); }

void ReferenceMap::apply_wrprotect(uint64_t begin, uint64_t end) {
  for (const RefLeaf& l : leaves_in(begin, end)) leaves_[l.ipa].w = false;
}

void ReferenceMap::apply_young(uint64_t begin, uint64_t end, bool young) {
  for (const RefLeaf& l : leaves_in(begin, end)) leaves_[l.ipa].young = young;
}

void ReferenceMap::apply_split(uint64_t begin, uint64_t end) {
  for (const RefLeaf& l : leaves_in(begin, end)) {
    if (l.size == kPage) continue;
    leaves_.erase(l.ipa);
    const uint64_t step = split_size(l.size);
    for (uint64_t off = 0; off < l.size; off += step) {
      leaves_[l.ipa + off] = RefLeaf{l.ipa + off, step, l.oa + off, l.r, l.w, l.x, false, true};
    }
  }
}

std::optional<Mismatch> first_mismatch(const Tables& t, const ReferenceMap& ref, uint64_t begin, uint64_t end) {
  struct Actual {
    uint64_t ipa, size, desc;
    int level;
  };
  std::vector<Actual> actual;
  walk_range(t.geometry, t.root, begin, end, t, [&](const WalkVisit& v) {
    if (v.type == EntryType::kTable) return WalkAction::kDescend;
    if (v.type != EntryType::kInvalid) actual.push_back(Actual{v.ipa, v.size, v.value, v.level});
    return WalkAction::kContinue;
  });
  std::vector<uint64_t> cuts{begin};
  for (const Actual& a : actual) cuts.insert(cuts.end(), {a.ipa, a.ipa + a.size});
  for (const RefLeaf& l : ref.leaves_in(begin, end)) cuts.insert(cuts.end(), {l.ipa, l.ipa + l.size});
  std::sort(cuts.begin(), cuts.end());
  size_t next = 0;
  for (const uint64_t x : cuts) {
    if (x < begin || x >= end) continue;
    while (next < actual.size() && actual[next].ipa + actual[next].size <= x) ++next;
    Translation got;
    if (next < actual.size() && actual[next].ipa <= x) got = translation_of(actual[next].desc, actual[next].level, x);
    const RefLeaf* l = ref.leaf_at(x);
    const Translation want = l != nullptr ? l->at(x) : Translation{};
    if (!(want == got)) return Mismatch{x, want, got};
  }
  return std::nullopt;
}

}  // namespace ptx::kernel
