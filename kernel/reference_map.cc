// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/reference_map.h"

#include <algorithm>
#include <iterator>
#include <utility>

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

std::pair<uint64_t, uint64_t> ReferenceMap::widen(uint64_t begin, uint64_t end) const {
  if (const RefLeaf* l = leaf_at(begin)) begin = l->ipa;
  if (const RefLeaf* l = leaf_at(end - 1)) end = std::max(end, l->ipa + l->size);
  return {begin, end};
}

std::vector<RefLeaf> ReferenceMap::leaves_in(uint64_t begin, uint64_t end) const {
  std::vector<RefLeaf> out;
  for (auto it = first_meeting(begin); it != leaves_.end() && it->second.ipa < end; ++it) out.push_back(it->second);
  return out;
}

// The first leaf that ends after `begin` (it meets [begin, x) when it starts before x), or end().
ReferenceMap::Leaves::const_iterator ReferenceMap::first_meeting(uint64_t begin) const {
  auto it = leaves_.upper_bound(begin);
  if (it != leaves_.begin()) {
    auto prev = std::prev(it);
    if (prev->second.ipa + prev->second.size > begin) return prev;
  }
  return it;
}

ReferenceMap::Leaves::iterator ReferenceMap::first_meeting(uint64_t begin) {
  const Leaves::const_iterator it = std::as_const(*this).first_meeting(begin);
  return leaves_.erase(it, it);  // the same position, mutable
}

void ReferenceMap::erase_meeting(uint64_t begin, uint64_t end) {
  leaves_.erase(first_meeting(begin), leaves_.lower_bound(end));
}

void ReferenceMap::apply_map(uint64_t ipa, uint64_t size, uint64_t pa, uint32_t prot) {
  const uint64_t base = ipa & ~(size - 1);
  const RefLeaf want{base, size, pa & ~(size - 1), (prot & kProtR) != 0, (prot & kProtW) != 0, (prot & kProtX) != 0,
                     (prot & kProtDevice) != 0, true};
  const auto it = first_meeting(base);
  if (it != leaves_.end()) {
    const RefLeaf& l = it->second;
    if (l.ipa == base && l.size == size && l.oa == want.oa && l.device == want.device && l.young) {
      return;  // the one leaf of that range (leaves do not overlap) and only permissions would
               // change: stage2_pte_needs_update says no, -EAGAIN
    }
  }
  erase_meeting(base, base + size);
  leaves_.emplace(base, want);
}

void ReferenceMap::apply_relax(uint64_t ipa, uint32_t prot) {
  const auto it = first_meeting(ipa);
  if (it == leaves_.end() || it->second.ipa > ipa) return;  // nothing mapped: -EAGAIN
  RefLeaf& m = it->second;
  m.r = m.r || (prot & kProtR) != 0;
  m.w = m.w || (prot & kProtW) != 0;
  m.x = m.x || (prot & kProtX) != 0;
}

void ReferenceMap::apply_unmap(uint64_t begin, uint64_t end) { erase_meeting(begin, end); }

void ReferenceMap::apply_wrprotect(uint64_t begin, uint64_t end) {
  for (auto it = first_meeting(begin); it != leaves_.end() && it->second.ipa < end; ++it) it->second.w = false;
}

void ReferenceMap::apply_young(uint64_t begin, uint64_t end, bool young) {
  for (auto it = first_meeting(begin); it != leaves_.end() && it->second.ipa < end; ++it) it->second.young = young;
}

void ReferenceMap::apply_split(uint64_t begin, uint64_t end) {
  for (const RefLeaf& l : leaves_in(begin, end)) {
    if (l.size == kPage) continue;
    auto hint = leaves_.erase(leaves_.find(l.ipa));
    const uint64_t step = split_size(l.size);
    for (uint64_t off = 0; off < l.size; off += step) {
      hint = std::next(leaves_.emplace_hint(hint, l.ipa + off, RefLeaf{l.ipa + off, step, l.oa + off, l.r, l.w, l.x, false, true}));
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
  const std::vector<RefLeaf> leaves = ref.leaves_in(begin, end);
  std::vector<uint64_t> cuts{begin};
  for (const Actual& a : actual) cuts.insert(cuts.end(), {a.ipa, a.ipa + a.size});
  for (const RefLeaf& l : leaves) cuts.insert(cuts.end(), {l.ipa, l.ipa + l.size});
  std::sort(cuts.begin(), cuts.end());
  size_t next = 0, next_leaf = 0;  // both sides' leaves are sorted and disjoint: merged as x grows
  for (const uint64_t x : cuts) {
    if (x < begin || x >= end) continue;
    while (next < actual.size() && actual[next].ipa + actual[next].size <= x) ++next;
    while (next_leaf < leaves.size() && leaves[next_leaf].ipa + leaves[next_leaf].size <= x) ++next_leaf;
    Translation got, want;
    if (next < actual.size() && actual[next].ipa <= x) got = translation_of(actual[next].desc, actual[next].level, x);
    if (next_leaf < leaves.size() && leaves[next_leaf].ipa <= x) want = leaves[next_leaf].at(x);
    if (!(want == got)) return Mismatch{x, want, got};
  }
  return std::nullopt;
}

}  // namespace ptx::kernel
