// SPDX-License-Identifier: BSD-2-Clause
// TlbOptions: the flags of the TLB pass (`ptx check --tlb on`, `ptx run --tlb on`; TLB-MODEL.md; docs/tlb-model.md §4
// "Output"): how TLBI hints are read, when staleness is judged, and which FEAT_BBM level the
// hardware has.
#ifndef PTX_TLB_OPTIONS_H_
#define PTX_TLB_OPTIONS_H_

#include <cstdint>

#include "base/enum_names.h"

namespace ptx::tlb {

// How a TLBI's TTL hint (value bits[47:44]) is read (TLB-MODEL.md §3 table, §1.4 IPAS2E1IS text).
enum class TtlMode : uint8_t {
  kStrict,  // 0b01LL covers only Leaf entries at Arm level LL (a wrong hint invalidates nothing)
  kIgnore,  // every hint reads as "no hint" (casemate)
};
inline constexpr EnumNames<TtlMode, 2> kTtlModeNames{{{TtlMode::kStrict, "strict"}, {TtlMode::kIgnore, "ignore"}}};

// When stale entries are judged (TLB-MODEL.md §3 "Deadline").
enum class Deadline : uint8_t {
  kUnlock,  // at each unlock (Sequential-TLB), and at the end
  kEnd,     // at the end of the trace only
};
inline constexpr EnumNames<Deadline, 2> kDeadlineNames{{{Deadline::kUnlock, "unlock"}, {Deadline::kEnd, "end"}}};

struct TlbOptions {
  TtlMode ttl = TtlMode::kStrict;
  Deadline deadline = Deadline::kUnlock;
  // FEAT_BBM level (ID_AA64MMFR2_EL1.BBM, RKFLJB): >= 1: a block with nT (bit 16) is not cached;
  // 2: a size-only conflict is `bbml2-multihit` (warning) instead of `tlb-conflict`.
  int bbm_level = 0;
};

}  // namespace ptx::tlb

#endif  // PTX_TLB_OPTIONS_H_
