// SPDX-License-Identifier: BSD-2-Clause
// check_map_op: the rules of one `set_npt vmid ipa level descriptor` or `clear_npt vmid ipa level`
// call that depend on the call alone (SPEC §4), written once and used by every caller: the engine
// before it walks, the workload parser and generators, the trace reader and the section checker.
//
// Rules, in the order they are checked: vmid 0..16 (Coq `valid_vmid`); ipa < 2^48 (`valid_addr`);
// level 2 (a 2 MiB block) or 3 (a 4 KiB page); with `require_aligned` (ptx's own input files and
// generators, not the engine: Coq ignores the IPA's low bits) ipa aligned to the level's granule.
// Then for a map: descriptor non-zero (set_npt maps, it never unmaps); at level 2 not a table
// descriptor (`pmd_table(descriptor) != PMD_TYPE_TABLE`). For an unmap: descriptor 0.
// The rules that depend on the page tables (no map under a block, no block over a table, pool
// limits, one leaf op per section, an unmap must find a mapping) are the engine's and are checked
// when the op runs.
#ifndef PTX_PAGETABLE_MAP_OP_H_
#define PTX_PAGETABLE_MAP_OP_H_

#include <cstdint>

#include "base/status.h"
#include "pagetable/npt_error.h"
#include "pagetable/section.h"

namespace ptx {

// The first rule `op` of VM `vmid` breaks, or kOk. `vmid` is 64-bit so that a parser can pass
// what it read (e.g. 17) and name it. kUnalignedIpa only with require_aligned.
NptError map_op_error(uint64_t vmid, const MapOp& op, bool require_aligned = false);

// The same as a Status: OK, or kBadInput "<what>: <rule>", e.g.
// "invalid vmid 17: vmid must be 0..16 (valid_vmid)", "invalid ipa 0x40000800: a level-3 map's
// ipa must be aligned to 4 KiB" (an unmap's: "a level-3 unmap's ipa ...").
Status check_map_op(uint64_t vmid, const MapOp& op, bool require_aligned = false);

}  // namespace ptx

#endif  // PTX_PAGETABLE_MAP_OP_H_
