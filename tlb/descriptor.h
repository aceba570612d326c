// SPDX-License-Identifier: BSD-2-Clause
// Descriptor rules of the TLB pass (TLB-MODEL.md §3 "Fill", §4 verdicts): what a walk may cache,
// how a stale leaf compares with the current translation, and which cached pairs conflict. Stage-2
// and EL2 stage-1 descriptors, 4 KiB granule (Arm ARM D8.3; casemate-trace.md §4).
//
// Attribute bits compared: MemAttr / AttrIndx+NS [5:2], SH [9:8], the OA. Permissions: stage 2
// S2AP [7:6] (bit 6 read, bit 7 write), XN bit 54; stage 1 (EL2) AP[2] bit 7 (read-only), XN bit
// 54. AF is bit 10, nT bit 16 (FEAT_BBM, RKFLJB). Everything else (DBM, SW bits, nG, contiguous)
// is not compared: a difference only there is stale-benign.
#ifndef PTX_TLB_DESCRIPTOR_H_
#define PTX_TLB_DESCRIPTOR_H_

#include <cstdint>

#include "base/enum_names.h"
#include "pagetable/geometry.h"

namespace ptx::tlb {

inline constexpr uint64_t kAfBit = uint64_t{1} << 10;
inline constexpr uint64_t kNtBit = uint64_t{1} << 16;
inline constexpr uint64_t kOaMask = 0x0000'ffff'ffff'f000;

enum class EntryKind : uint8_t { kWalk, kLeaf };
inline constexpr EnumNames<EntryKind, 2> kEntryKindNames{{{EntryKind::kWalk, "walk"}, {EntryKind::kLeaf, "leaf"}}};

// How a walk at walk level `level` of `g` may cache `desc` (TLB-MODEL.md §3 "Fill"): a table is a
// Walk entry; a block or page is a Leaf when AF = 1 or hardware AF (HA) is on, and not a block with
// nT under FEAT_BBM >= 1; nothing (nullopt) otherwise. [AF: "entries that generate an Access flag
// fault" are not cached, §1.4]
struct Cacheable {
  bool cached = false;
  EntryKind kind = EntryKind::kLeaf;
};
Cacheable cacheable(const Geometry& g, int level, uint64_t desc, bool ha, int bbm_level);

// The OA of a leaf mapping `size` bytes.
constexpr uint64_t leaf_oa(uint64_t desc, uint64_t size) { return desc & kOaMask & ~(size - 1); }

// A stale leaf against what memory maps now at its input address (TLB-MODEL.md §4).
enum class Staleness : uint8_t {
  kMapping,     // unmapped now, or another level, OA, MemAttr or SH
  kPermission,  // same OA and attributes, but the stale leaf grants R, W or X that memory no longer grants
  kBenign,      // more restrictive, or different only in AF / SW / DBM bits
};
// `now_level` < 0: memory maps nothing there now.
Staleness compare_leaf(int stage, uint64_t stale, int stale_level, uint64_t now, int now_level, uint64_t size);

// Two cached entries of one context that overlap in input address (TLB-MODEL.md §4 tlb-conflict;
// archsem is_bbm_violation, RWHZWS, RFVQCK, IHYQMB). `level`s are Arm levels.
enum class Clash : uint8_t { kNone, kConflict, kSizeOnly };
struct CachedView {
  EntryKind kind;
  int level;
  uint64_t desc;
  uint64_t size;
};
Clash clash(const CachedView& a, const CachedView& b);

}  // namespace ptx::tlb

#endif  // PTX_TLB_DESCRIPTOR_H_
