// SPDX-License-Identifier: BSD-2-Clause
// NptError: every way a stage-2 engine call (set_npt, clear_npt, open_section) can be refused: the
// engine's compact status code (its hot path returns one byte, not a Status; npt_status() makes a
// Status of it). Each refusal leaves the engine exactly
// as it was (memory, bump pointers, parent records, tstate and the pt_updates buffer), except
// kPoolExhausted, which also sets the machine-wide halt flag (SPEC §4.5) and nothing else.
#ifndef PTX_PAGETABLE_NPT_ERROR_H_
#define PTX_PAGETABLE_NPT_ERROR_H_

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace ptx {

enum class NptError : uint8_t {
  kOk = 0,
  kInvalidVmid,          // vmid > COREVISOR (16): Coq `valid_vmid`
  kInvalidIpa,           // ipa >= 2^48: Coq `valid_addr`
  kInvalidLevel,         // level is not 2 or 3
  kZeroDescriptor,       // descriptor 0: set_npt never writes an unmapping
  kTableDescriptorAtLevel2,  // level 2 with pmd_table(descriptor) == 3: a block must not look like a table
  kLevel2OverTable,      // level 2 over an entry that holds a table ("set existing npt: pmd" panic)
  kMapUnderBlock,        // level 3 under a level-2 block (walk_pmd finds a block: panic)
  kSecondLeafWrite,      // a second set_pmd/set_pte in one section under the sekvm policy (tstate == 1)
  kLockNotHeld,          // set_npt by a thread that does not hold the VM's lock (NPT_ID + vmid)
  kPoolExhausted,        // a table pool ran out: the machine halts (this op is refused too)
  kHalted,               // the machine halted earlier: every later op is refused
  kUnalignedIpa,         // ipa not aligned to the level's granule: only check_map_op's
                         // aligned rule (workload files) gives it; set_npt, like Coq, ignores
                         // the IPA bits below the granule
  kNotMapped,            // clear_npt of an IPA that nothing maps at that level (the entry is 0,
                         // or a level-3 table that maps none of the 2 MiB range)
  kUnmapUnderBlock,      // clear_npt at level 3 of an IPA that a 2 MiB block maps
  kUnmapDescriptor,      // an unmap op with a non-zero descriptor (an unmap writes 0)
};

// A short stable name: "ok", "invalid-vmid", "invalid-ipa", ...
std::string_view npt_error_name(NptError e);
// The rule the input broke, one sentence, e.g. "vmid must be 0..16 (valid_vmid)".
std::string_view npt_error_rule(NptError e);
// The refusal as a Status: kBadInput "<rule> (<name>)", e.g.
// "a level-3 map must not go under a 2 MiB block (walk_pmd found a block) (map-under-block)".
// OK for kOk.
Status npt_status(NptError e);

}  // namespace ptx

#endif  // PTX_PAGETABLE_NPT_ERROR_H_
