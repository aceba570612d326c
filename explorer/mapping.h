// SPDX-License-Identifier: BSD-2-Clause
// What "the same mapping" means when the explorer compares an intermediate walk with the walks
// before and after a critical section.
//
//  * kDescriptor (the default, Coq's notion): the raw value `pt_map` returns. Two states agree on
//    an IPA when the walk returns the same 64-bit descriptor (0 when unmapped).
//  * kTranslation: what the guest observes: unmapped, or the 4 KiB output page and its attributes.
//    A block is normalised to the page it maps for that IPA, so a 2 MiB block and the 512 pages
//    that map the same output range with the same attributes agree. Encoded as a page descriptor:
//    0 when unmapped, else OA page | attribute bits (all bits outside [page_shift, 48) except the
//    two descriptor-type bits) | 0b11.
#ifndef PTX_EXPLORER_MAPPING_H_
#define PTX_EXPLORER_MAPPING_H_

#include <cstdint>
#include <string_view>

#include "base/enum_names.h"
#include "pagetable/geometry.h"
#include "pagetable/walk.h"

namespace ptx {

enum class CompareMode : uint8_t { kDescriptor, kTranslation };

inline constexpr EnumNames<CompareMode, 2> kCompareModeNames{{
    {CompareMode::kDescriptor, "descriptor"},
    {CompareMode::kTranslation, "translation"},
}};
constexpr std::string_view compare_mode_name(CompareMode m) { return enum_name(kCompareModeNames, m); }

// The mapping of `ipa` given the walk's final descriptor `desc` read at `last_level`.
// Descriptor mode returns desc unchanged, but under the Arm descriptor rules an entry with bit 0
// clear is 0: no mapping, whatever its other bits (Arm ARM: an invalid descriptor's other bits
// are ignored by the walker, so software may keep anything there; Linux keeps a lock marker). Translation mode: 0 when desc == 0; for a block
// (last_level == g.block_level()), OA = phys_page(desc) with the bits below the block granule
// replaced by the IPA's (Arm: the block's OA bits [20:12] are RES0); for a page, OA = phys_page.
// A walk that ends at an invalid entry maps nothing: 0 in translation mode.
uint64_t mapping_of(CompareMode m, const Geometry& g, uint64_t ipa, uint64_t desc, int last_level);

inline uint64_t mapping_of(CompareMode m, const Geometry& g, uint64_t ipa, const WalkResult& w) {
  return mapping_of(m, g, ipa, w.descriptor, w.last_level());
}

// Does a walk that ends reading `desc` at `last_level` map nothing (an access faults)?
inline bool maps_nothing(const Geometry& g, uint64_t desc, int last_level) {
  return g.classify(last_level, desc) == EntryType::kInvalid;
}

}  // namespace ptx

#endif  // PTX_EXPLORER_MAPPING_H_
