// SPDX-License-Identifier: BSD-2-Clause
#include "tlb/descriptor.h"

namespace ptx::tlb {
namespace {

constexpr uint64_t kAttrMask = (uint64_t{0xf} << 2) | (uint64_t{3} << 8);  // MemAttr/AttrIndx+NS, SH

struct Perms {
  bool r, w, x;
};

Perms perms(int stage, uint64_t d) {
  const bool x = ((d >> 54) & 1) == 0;
  if (stage == 2) return Perms{((d >> 6) & 1) != 0, ((d >> 7) & 1) != 0, x};
  return Perms{true, ((d >> 7) & 1) == 0, x};
}

}  // namespace

Cacheable cacheable(const Geometry& g, int level, uint64_t desc, bool ha, int bbm_level) {
  switch (g.classify(level, desc)) {
    case EntryType::kInvalid: return {};
    case EntryType::kTable: return {true, EntryKind::kWalk};
    case EntryType::kBlock:
      if (bbm_level >= 1 && (desc & kNtBit) != 0) return {};
      [[fallthrough]];
    case EntryType::kPage: return {ha || (desc & kAfBit) != 0, EntryKind::kLeaf};
  }
  return {};
}

Staleness compare_leaf(int stage, uint64_t stale, int stale_level, uint64_t now, int now_level, uint64_t size) {
  if (now_level != stale_level) return Staleness::kMapping;
  if (leaf_oa(stale, size) != leaf_oa(now, size) || (stale & kAttrMask) != (now & kAttrMask)) {
    return Staleness::kMapping;
  }
  const Perms a = perms(stage, stale), b = perms(stage, now);
  if ((a.r && !b.r) || (a.w && !b.w) || (a.x && !b.x)) return Staleness::kPermission;
  return Staleness::kBenign;
}

Clash clash(const CachedView& a, const CachedView& b) {
  if (a.kind == EntryKind::kLeaf && b.kind == EntryKind::kLeaf) {
    if (a.level != b.level) return Clash::kSizeOnly;
    const bool differ = leaf_oa(a.desc, a.size) != leaf_oa(b.desc, b.size) || (a.desc & kAttrMask) != (b.desc & kAttrMask);
    return differ ? Clash::kConflict : Clash::kNone;
  }
  if (a.level != b.level) return Clash::kNone;  // a walk above a leaf: the normal hierarchy
  if (a.kind != b.kind) return Clash::kSizeOnly;  // block <-> table at one level and prefix
  return leaf_oa(a.desc, 4096) != leaf_oa(b.desc, 4096) ? Clash::kConflict : Clash::kNone;  // two next tables
}

}  // namespace ptx::tlb
