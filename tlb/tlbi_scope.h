// SPDX-License-Identifier: BSD-2-Clause
// TlbiScope: which cached entries one TLBI covers (TLB-MODEL.md §3 table), before the timing rules
// (re-derivation, completion) the TLB pass applies.
//
//   op                        contexts                    entries (part 0: Leaf/Walk, 1: Combined)
//   vmalls12e1(is)            stage 2, issuer's VMID      both parts
//   vmalle1(is)               stage 2, issuer's VMID      Combined only
//   alle1(is)                 every stage-2 context       both parts
//   alle2(is)                 every stage-1 context       part 0
//   vae2is / vale2is          every stage-1 context       part 0 whose range holds the VA; vale2is: Leaf only
//   ipas2e1is / ipas2e1       stage 2, issuer's VMID      part 0 whose range holds the IPA
//   ripas2e1is / ripas2e1     stage 2, issuer's VMID      part 0 whose range meets the IPA range
//                                                         (FEAT_TLBIRANGE, decode_tlbi_range)
// A TTL hint 0b01LL (value bits[47:44]) under TtlMode::kStrict restricts the address forms to
// Leaf entries at Arm level LL (the range forms: TTL bits[38:37] = LL, 1..3); an entry only the hint
// excludes is Cover::kTtl ("ttl-mismatch"). The forms without "is" act on the issuer's PE only.
#ifndef PTX_TLB_TLBI_SCOPE_H_
#define PTX_TLB_TLBI_SCOPE_H_

#include <cstdint>
#include <optional>

#include "armtrace/event.h"
#include "tlb/context.h"
#include "tlb/options.h"

namespace ptx::tlb {

enum class Cover : uint8_t { kNo, kYes, kTtl };

class TlbiScope {
 public:
  // `lpa2`: the issuer's VTCR_EL2.DS (FEAT_LPA2), which changes the range forms' BaseADDR unit
  // (decode_tlbi_range). REQUIRES: op is one of the TlbiOp enumerators.
  TlbiScope(armtrace::TlbiOp op, uint64_t value, uint32_t issuer_vmid, TtlMode ttl, bool lpa2 = false);

  bool broadcast() const { return info_.broadcast; }
  // The op acts on contexts of this stage.
  bool reaches_stage(int stage) const;
  // The op's VMID filter passes context `c` (true for ops without one).
  bool vmid_matches(const Context& c) const;
  // The op covers every entry of a context it reaches (vmalls12e1, alle1, alle2 forms).
  bool whole_context() const;
  // Does the op cover part `part` of the entry `k` (`size` bytes), ignoring the VMID filter?
  Cover covers(const EntryKey& k, uint64_t size, int part) const;

 private:
  const armtrace::TlbiOpInfo& info_;
  uint64_t address_ = 0;
  uint64_t end_ = 0;             // the range forms: end of the range (address_ is its start)
  std::optional<uint8_t> hint_;  // the TTL level when it restricts (kStrict and 0b01LL)
  uint32_t vmid_ = 0;
};

}  // namespace ptx::tlb

#endif  // PTX_TLB_TLBI_SCOPE_H_
