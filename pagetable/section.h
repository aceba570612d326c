// SPDX-License-Identifier: BSD-2-Clause
// Section: the record of one completed critical section (the buffered writes a barrier completed),
// and MapOp, one engine call it made.
#ifndef PTX_PAGETABLE_SECTION_H_
#define PTX_PAGETABLE_SECTION_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/enum_names.h"
#include "pagetable/update.h"

namespace ptx {

// What an op does: `set_npt` maps, `clear_npt` unmaps.
enum class OpKind : uint8_t { kMap, kUnmap };

inline constexpr EnumNames<OpKind, 2> kOpKindNames{{
    {OpKind::kMap, "map"},
    {OpKind::kUnmap, "unmap"},
}};
constexpr std::string_view op_kind_name(OpKind k) { return enum_name(kOpKindNames, k); }

// One `set_npt vmid ipa level descriptor` call (kMap), or one `clear_npt vmid ipa level` call
// (kUnmap, descriptor 0).
struct MapOp {
  uint64_t ipa = 0;         // byte address in the VM's IPA space, < 2^48
  int level = 3;            // 2 (2 MiB block) or 3 (4 KiB page)
  uint64_t descriptor = 0;  // the block/page descriptor written (non-zero); 0 for an unmap
  OpKind kind = OpKind::kMap;

  friend bool operator==(const MapOp&, const MapOp&) = default;
};

// A TLB maintenance instruction (TLB-MODEL.md §3 table), named as in casemate traces: the
// stage-2 TLBIs of the issuer's VMID (ipas2e1is: by IPA; vmalle1is: the combined stage-1+2
// entries; vmalls12e1is: everything) or of every VMID (alle1is), and their local (non-"is") forms.
enum class TlbiKind : uint8_t { kIpas2e1is, kVmalle1is, kVmalls12e1is, kAlle1is, kVmalle1, kVmalls12e1, kAlle1 };

inline constexpr EnumNames<TlbiKind, 7> kTlbiKindNames{{
    {TlbiKind::kIpas2e1is, "ipas2e1is"},
    {TlbiKind::kVmalle1is, "vmalle1is"},
    {TlbiKind::kVmalls12e1is, "vmalls12e1is"},
    {TlbiKind::kAlle1is, "alle1is"},
    {TlbiKind::kVmalle1, "vmalle1"},
    {TlbiKind::kVmalls12e1, "vmalls12e1"},
    {TlbiKind::kAlle1, "alle1"},
}};
constexpr std::string_view tlbi_kind_name(TlbiKind k) { return enum_name(kTlbiKindNames, k); }

// One step of the TLB maintenance a section's code does: a `dsb ish`, or a TLBI. Steps are kept
// in program order; `at` places each among the section's writes.
struct TlbMaintenance {
  enum class Kind : uint8_t { kDsb, kTlbi };
  uint32_t at = 0;  // issued after updates [0, at) (and after a barrier at `at`), before update `at`
  Kind kind = Kind::kDsb;
  TlbiKind op = TlbiKind::kVmalls12e1is;  // kTlbi: the operation
  uint64_t ipa = 0;                       // kTlbi ipas2e1is: the IPA (bytes)
  uint8_t level = 0;                      // kTlbi ipas2e1is: the TTL hint, the leaf's level 1..3; 0: none

  friend bool operator==(const TlbMaintenance&, const TlbMaintenance&) = default;
};

struct Section {
  uint32_t vmid = 0;
  uint64_t seq = 0;               // per-VM completion number, 0, 1, 2, ... (the lock order)
  std::vector<MapOp> ops;         // the set_npt / clear_npt calls made in the section, in call order
  std::vector<Update> updates;    // every write, in program order (oldest first)
  // Barriers (DSB) inside the section: each is an index into `updates` at which a barrier
  // completed every earlier write (updates [0, i) are visible to every walker before update i is
  // made). Ascending, each in (0, updates.size()). Empty for the sekvm engine, whose only barrier
  // is the one that closes the section.
  std::vector<uint32_t> barriers;
  // false: the section was closed without its barrier (the missing-barrier engine variant), so
  // its writes after its last inner barrier may still be pending while the VM's next section runs.
  bool closing_barrier = true;
  // The TLB maintenance the section's code does (DSBs and TLBIs), in program order, `at`
  // ascending. Empty for a section that only writes 0 -> value (sekvm's set_npt). A DSB inside
  // (0 < at < updates.size()) is also in `barriers`, which the explorer reads; one at
  // updates.size() is the closing barrier when it is the last step.
  std::vector<TlbMaintenance> maintenance;

  friend bool operator==(const Section&, const Section&) = default;
};

// Coq `pt_updates` holds the newest write first; this returns that list (updates reversed).
std::vector<Update> coq_pt_updates(const Section& s);

}  // namespace ptx

#endif  // PTX_PAGETABLE_SECTION_H_
