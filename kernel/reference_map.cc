// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/reference_map.h"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include "pagetable/walk.h"

namespace ptx::kernel {
namespace {

constexpr uint64_t kPage = 4096, k2M = uint64_t{1} << 21, kGiga = uint64_t{1} << 30;
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

// A 4 KiB leaf packed in a word: its output page, the attribute bits below it (an output page is
// 4 KiB aligned), 0 for no leaf.
constexpr uint64_t kR = 1, kW = 2, kX = 4, kDevice = 8, kYoung = 16, kPresent = 32;

uint64_t pack(const RefLeaf& l) {
  return l.oa | (l.r ? kR : 0) | (l.w ? kW : 0) | (l.x ? kX : 0) | (l.device ? kDevice : 0) | (l.young ? kYoung : 0) |
         kPresent;
}

RefLeaf unpack(uint64_t word, uint64_t ipa) {
  return RefLeaf{ipa,
                 kPage,
                 word & ~(kPage - 1),
                 (word & kR) != 0,
                 (word & kW) != 0,
                 (word & kX) != 0,
                 (word & kDevice) != 0,
                 (word & kYoung) != 0};
}

struct ReferenceMap::Giga {
  // A 2 MiB slot: a 2 MiB leaf, or its 512 pages' words (allocated with its first page leaf,
  // freed with its last: a page's leaf is one read away).
  struct Slot {
    std::optional<RefLeaf> block;
    std::unique_ptr<std::array<uint64_t, 512>> pages;
    uint32_t count = 0;  // page leaves
  };
  std::optional<RefLeaf> giant;  // a 1 GiB leaf (then every slot is empty)
  std::array<Slot, 512> slots;
};

ReferenceMap::ReferenceMap() = default;
ReferenceMap::~ReferenceMap() = default;
ReferenceMap::ReferenceMap(ReferenceMap&&) noexcept = default;
ReferenceMap& ReferenceMap::operator=(ReferenceMap&&) noexcept = default;

std::optional<RefLeaf> ReferenceMap::leaf_at(uint64_t ipa) const {
  const auto it = gigas_.find(ipa >> 30);
  if (it == gigas_.end()) return std::nullopt;
  const Giga& g = *it->second;
  if (g.giant) return g.giant;
  const Giga::Slot& s = g.slots[(ipa >> 21) & 511];
  if (s.block) return s.block;
  const uint64_t word = s.pages ? (*s.pages)[(ipa >> 12) & 511] : 0;
  if (word == 0) return std::nullopt;
  return unpack(word, ipa & ~(kPage - 1));
}

// Calls visit(RefLeaf&) for each leaf meeting [begin, end), by IPA; a page leaf is stored again as
// visit leaves it.
template <typename Visit>
void ReferenceMap::for_each_meeting(uint64_t begin, uint64_t end, Visit visit) {
  for (auto it = gigas_.lower_bound(begin >> 30); it != gigas_.end() && (it->first << 30) < end; ++it) {
    Giga& g = *it->second;
    if (g.giant) {
      visit(*g.giant);
      continue;
    }
    const uint64_t base = it->first << 30, lo = std::max(begin, base), hi = std::min(end, base + kGiga);
    for (uint64_t i = (lo - base) >> 21; i <= (hi - 1 - base) >> 21; ++i) {
      Giga::Slot& s = g.slots[i];
      if (s.block) {
        visit(*s.block);
        continue;
      }
      if (!s.pages) continue;
      const uint64_t slot = base + (i << 21);
      const uint64_t first = lo > slot ? (lo - slot) >> 12 : 0, last = (std::min(hi, slot + k2M) - 1 - slot) >> 12;
      for (uint64_t p = first; p <= last; ++p) {
        uint64_t& word = (*s.pages)[p];
        if (word == 0) continue;
        RefLeaf l = unpack(word, slot + p * kPage);
        visit(l);
        word = pack(l);
      }
    }
  }
}

std::vector<RefLeaf> ReferenceMap::leaves_in(uint64_t begin, uint64_t end) const {
  std::vector<RefLeaf> out;
  // for_each_meeting changes nothing here: visit only copies.
  const_cast<ReferenceMap*>(this)->for_each_meeting(begin, end, [&](const RefLeaf& l) { out.push_back(l); });
  return out;
}

std::pair<uint64_t, uint64_t> ReferenceMap::widen(uint64_t begin, uint64_t end) const {
  if (const std::optional<RefLeaf> l = leaf_at(begin)) begin = l->ipa;
  if (const std::optional<RefLeaf> l = leaf_at(end - 1)) end = std::max(end, l->ipa + l->size);
  return {begin, end};
}

void ReferenceMap::erase_meeting(uint64_t begin, uint64_t end) {
  for (auto it = gigas_.lower_bound(begin >> 30); it != gigas_.end() && (it->first << 30) < end; ++it) {
    Giga& g = *it->second;
    if (g.giant) {
      g.giant.reset();
      --count_;
      continue;
    }
    const uint64_t base = it->first << 30, lo = std::max(begin, base), hi = std::min(end, base + kGiga);
    for (uint64_t i = (lo - base) >> 21; i <= (hi - 1 - base) >> 21; ++i) {
      Giga::Slot& s = g.slots[i];
      if (s.block) {
        s.block.reset();
        --count_;
        continue;
      }
      if (!s.pages) continue;
      const uint64_t slot = base + (i << 21);
      const uint64_t first = lo > slot ? (lo - slot) >> 12 : 0, last = (std::min(hi, slot + k2M) - 1 - slot) >> 12;
      for (uint64_t p = first; p <= last; ++p) {
        if ((*s.pages)[p] == 0) continue;
        (*s.pages)[p] = 0;
        --s.count;
        --count_;
      }
      if (s.count == 0) s.pages.reset();
    }
  }
}

// REQUIRES: no leaf meets l's range.
void ReferenceMap::insert(const RefLeaf& l) {
  std::unique_ptr<Giga>& g = gigas_[l.ipa >> 30];
  if (!g) g = std::make_unique<Giga>();
  ++count_;
  if (l.size == kGiga) {
    g->giant = l;
    return;
  }
  Giga::Slot& s = g->slots[(l.ipa >> 21) & 511];
  if (l.size == k2M) {
    s.block = l;
    return;
  }
  if (!s.pages) s.pages = std::make_unique<std::array<uint64_t, 512>>();
  (*s.pages)[(l.ipa >> 12) & 511] = pack(l);
  ++s.count;
}

void ReferenceMap::apply_map(uint64_t ipa, uint64_t size, uint64_t pa, uint32_t prot) {
  const uint64_t base = ipa & ~(size - 1);
  const RefLeaf want{base, size, pa & ~(size - 1), (prot & kProtR) != 0, (prot & kProtW) != 0, (prot & kProtX) != 0,
                     (prot & kProtDevice) != 0, true};
  if (const std::optional<RefLeaf> l = leaf_at(base)) {
    if (l->ipa == base && l->size == size && l->oa == want.oa && l->device == want.device && l->young) {
      return;  // the one leaf of that range (leaves do not overlap) and only permissions would
               // change: stage2_pte_needs_update says no, -EAGAIN
    }
  }
  erase_meeting(base, base + size);
  insert(want);
}

void ReferenceMap::apply_relax(uint64_t ipa, uint32_t prot) {
  // The leaf at ipa, if any (nothing mapped: -EAGAIN), gains the permissions.
  for_each_meeting(ipa & ~(kPage - 1), (ipa & ~(kPage - 1)) + kPage, [prot](RefLeaf& m) {
    m.r = m.r || (prot & kProtR) != 0;
    m.w = m.w || (prot & kProtW) != 0;
    m.x = m.x || (prot & kProtX) != 0;
  });
}

void ReferenceMap::apply_unmap(uint64_t begin, uint64_t end) { erase_meeting(begin, end); }

void ReferenceMap::apply_wrprotect(uint64_t begin, uint64_t end) {
  for_each_meeting(begin, end, [](RefLeaf& l) { l.w = false; });
}

void ReferenceMap::apply_young(uint64_t begin, uint64_t end, bool young) {
  for_each_meeting(begin, end, [young](RefLeaf& l) { l.young = young; });
}

void ReferenceMap::apply_split(uint64_t begin, uint64_t end) {
  for (const RefLeaf& l : leaves_in(begin, end)) {
    if (l.size == kPage) continue;
    erase_meeting(l.ipa, l.ipa + l.size);
    const uint64_t step = split_size(l.size);
    for (uint64_t off = 0; off < l.size; off += step) insert(RefLeaf{l.ipa + off, step, l.oa + off, l.r, l.w, l.x, false, true});
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
