// SPDX-License-Identifier: BSD-2-Clause
// Event: one event of an Arm page-table trace, in the vocabulary of casemate traces
// (casemate-trace.md, the casemate trace format; ptx's subset: docs/casemate.md, "the spec" below; section numbers refer to it).
//
// An Event is plain data. The casemate reader (armtrace/casemate_reader.h) produces Events from
// text and the casemate writer (armtrace/casemate_writer.h) prints them; an in-process recorder
// can build them directly. Nothing here depends on text: `line` and `column` are 0 ("not from a
// file") for an Event that was not read from a trace, and validate_event() does not look at them.
//
// One struct holds every kind: the common fields, then the kind-specific fields as plain members.
// A member that the event's kind does not use keeps its default value (0 or the first enumerator);
// the reader always leaves unused members at their defaults. Which kind uses which member:
//
//   kind            members used (in the trace's field order, §2)
//   kMemWrite       mem_order, address, value
//   kMemRead        address, value
//   kMemInit        address, size
//   kMemFree        address, size
//   kMemSet         address, size, value
//   kBarrier        barrier, and dsb_kind when barrier == kDsb
//   kTlbi           tlbi_op, and value when tlbi_op_info(tlbi_op).takes_value
//   kSysregWrite    sysreg, value
//   kHint           hint_kind, location, value
//   kLock/kTrylock/kUnlock   address
#ifndef PTX_ARMTRACE_EVENT_H_
#define PTX_ARMTRACE_EVENT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/enum_names.h"
#include "base/status.h"

namespace ptx::armtrace {

// The record kind (§2). Names are the casemate record kinds.
// read-lock / read-unlock are ptx's extension (ptx's dialect, see below): a lock taken shared,
// as the kernel's read_lock of an rwlock (KVM's mmu_lock under parallel stage-2 faults).
enum class EventKind : uint8_t {
  kMemWrite, kMemRead, kMemInit, kMemFree, kMemSet, kBarrier, kTlbi, kSysregWrite, kHint,
  kLock, kTrylock, kUnlock, kReadLock, kReadUnlock,
};
inline constexpr EnumNames<EventKind, 14> kEventKindNames{{
    {EventKind::kMemWrite, "mem-write"}, {EventKind::kMemRead, "mem-read"},
    {EventKind::kMemInit, "mem-init"}, {EventKind::kMemFree, "mem-free"},
    {EventKind::kMemSet, "mem-set"}, {EventKind::kBarrier, "barrier"},
    {EventKind::kTlbi, "tlbi"}, {EventKind::kSysregWrite, "sysreg-write"},
    {EventKind::kHint, "hint"}, {EventKind::kLock, "lock"},
    {EventKind::kTrylock, "trylock"}, {EventKind::kUnlock, "unlock"},
    {EventKind::kReadLock, "read-lock"}, {EventKind::kReadUnlock, "read-unlock"},
}};

// mem-write's ordering (§2): an ordinary store or a store-release; ptx's dialect adds `cas`, the
// store of a compare-and-swap (the kernel's cmpxchg) that found the value it expected (a failed
// one stores nothing and is no mem-write).
enum class MemOrder : uint8_t { kPlain, kRelease, kCas };
inline constexpr EnumNames<MemOrder, 3> kMemOrderNames{{
    {MemOrder::kPlain, "plain"}, {MemOrder::kRelease, "release"}, {MemOrder::kCas, "cas"}}};

// The barrier instruction (§2). casemate ignores isb.
enum class BarrierType : uint8_t { kDsb, kIsb };
inline constexpr EnumNames<BarrierType, 2> kBarrierTypeNames{{
    {BarrierType::kDsb, "dsb"}, {BarrierType::kIsb, "isb"}}};

// The DSB's shareability domain / access type (§2): inner-shareable, inner-shareable stores only,
// non-shareable; ptx's dialect adds non-shareable stores only (`nshst`, before a local TLBI).
enum class DsbKind : uint8_t { kIsh, kIshst, kNsh, kNshst };
inline constexpr EnumNames<DsbKind, 4> kDsbKindNames{{
    {DsbKind::kIsh, "ish"}, {DsbKind::kIshst, "ishst"}, {DsbKind::kNsh, "nsh"}, {DsbKind::kNshst, "nshst"}}};

// The 11 TLBI operations casemate accepts (§2), in the order of the spec's table, then ptx's
// dialect's three: ipas2e1 (by IPA, this PE only: KVM's local flush after a permission
// relaxation) and the FEAT_TLBIRANGE range forms ripas2e1is / ripas2e1, whose value has the range
// layout (decode_tlbi_range).
enum class TlbiOp : uint8_t {
  kVmalls12e1, kVmalls12e1is, kVmalle1, kVmalle1is, kAlle1, kAlle1is, kAlle2, kAlle2is,
  kVae2is, kVale2is, kIpas2e1is, kIpas2e1, kRipas2e1is, kRipas2e1,
};
// Operations casemate itself accepts: the first 11.
inline constexpr size_t kCasemateTlbiOps = 11;
inline constexpr EnumNames<TlbiOp, 14> kTlbiOpNames{{
    {TlbiOp::kVmalls12e1, "vmalls12e1"}, {TlbiOp::kVmalls12e1is, "vmalls12e1is"},
    {TlbiOp::kVmalle1, "vmalle1"}, {TlbiOp::kVmalle1is, "vmalle1is"},
    {TlbiOp::kAlle1, "alle1"}, {TlbiOp::kAlle1is, "alle1is"},
    {TlbiOp::kAlle2, "alle2"}, {TlbiOp::kAlle2is, "alle2is"},
    {TlbiOp::kVae2is, "vae2is"}, {TlbiOp::kVale2is, "vale2is"},
    {TlbiOp::kIpas2e1is, "ipas2e1is"}, {TlbiOp::kIpas2e1, "ipas2e1"},
    {TlbiOp::kRipas2e1is, "ripas2e1is"}, {TlbiOp::kRipas2e1, "ripas2e1"},
}};

// The translation regime a TLBI operation acts on.
enum class Regime : uint8_t { kEl10, kEl2 };
inline constexpr EnumNames<Regime, 2> kRegimeNames{{
    {Regime::kEl10, "EL1&0"}, {Regime::kEl2, "EL2"}}};

// What a TLBI operation selects (§2 table, last column).
enum class TlbiSelect : uint8_t {
  kVmid,           // the current VMID (casemate-check widens it to all VMIDs)
  kAll,            // every entry of the regime
  kVa,             // one VA, entries of any level
  kVaLastLevel,    // one VA, last-level entries only (casemate: level 3 only)
  kIpa,            // one IPA of the current VMID
  kIpaRange,       // a range of IPAs of the current VMID (FEAT_TLBIRANGE)
};
inline constexpr EnumNames<TlbiSelect, 6> kTlbiSelectNames{{
    {TlbiSelect::kVmid, "vmid"}, {TlbiSelect::kAll, "all"}, {TlbiSelect::kVa, "va"},
    {TlbiSelect::kVaLastLevel, "va-last-level"}, {TlbiSelect::kIpa, "ipa"}, {TlbiSelect::kIpaRange, "ipa-range"}}};

// The properties of one TLBI operation (§2 table).
struct TlbiOpInfo {
  TlbiOp op;
  bool takes_value;         // the record carries (value H) in the TLBI register layout
  Regime regime;            // EL1&0 or EL2
  bool stage1;              // invalidates stage-1 entries
  bool stage2;              // invalidates stage-2 entries
  bool broadcast;           // the inner-shareable ("is") form
  TlbiSelect selects;
};

// One row per TlbiOp, in enumerator order (kTlbiOps[i].op == TlbiOp(i)).
inline constexpr std::array<TlbiOpInfo, 14> kTlbiOps{{
    {TlbiOp::kVmalls12e1, false, Regime::kEl10, true, true, false, TlbiSelect::kVmid},
    {TlbiOp::kVmalls12e1is, false, Regime::kEl10, true, true, true, TlbiSelect::kVmid},
    {TlbiOp::kVmalle1, false, Regime::kEl10, true, false, false, TlbiSelect::kVmid},
    {TlbiOp::kVmalle1is, false, Regime::kEl10, true, false, true, TlbiSelect::kVmid},
    {TlbiOp::kAlle1, false, Regime::kEl10, true, true, false, TlbiSelect::kAll},
    {TlbiOp::kAlle1is, false, Regime::kEl10, true, true, true, TlbiSelect::kAll},
    {TlbiOp::kAlle2, false, Regime::kEl2, true, false, false, TlbiSelect::kAll},
    {TlbiOp::kAlle2is, false, Regime::kEl2, true, false, true, TlbiSelect::kAll},
    {TlbiOp::kVae2is, true, Regime::kEl2, true, false, true, TlbiSelect::kVa},
    {TlbiOp::kVale2is, true, Regime::kEl2, true, false, true, TlbiSelect::kVaLastLevel},
    {TlbiOp::kIpas2e1is, true, Regime::kEl10, false, true, true, TlbiSelect::kIpa},
    {TlbiOp::kIpas2e1, true, Regime::kEl10, false, true, false, TlbiSelect::kIpa},
    {TlbiOp::kRipas2e1is, true, Regime::kEl10, false, true, true, TlbiSelect::kIpaRange},
    {TlbiOp::kRipas2e1, true, Regime::kEl10, false, true, false, TlbiSelect::kIpaRange},
}};

// The row of kTlbiOps for `op`. REQUIRES: op is one of the 14 enumerators.
const TlbiOpInfo& tlbi_op_info(TlbiOp op);

// The 7 system registers a sysreg-write may target (§2).
enum class Sysreg : uint8_t {
  kVttbrEl2, kTtbr0El2, kVtcrEl2, kTcrEl2, kHcrEl2, kSctlrEl2, kMairEl2,
};
inline constexpr EnumNames<Sysreg, 7> kSysregNames{{
    {Sysreg::kVttbrEl2, "vttbr_el2"}, {Sysreg::kTtbr0El2, "ttbr0_el2"},
    {Sysreg::kVtcrEl2, "vtcr_el2"}, {Sysreg::kTcrEl2, "tcr_el2"},
    {Sysreg::kHcrEl2, "hcr_el2"}, {Sysreg::kSctlrEl2, "sctlr_el2"},
    {Sysreg::kMairEl2, "mair_el2"},
}};

// The 4 ghost hints (§2).
enum class HintKind : uint8_t { kSetRootLock, kSetOwnerRoot, kReleaseTable, kSetPteThreadOwner };
inline constexpr EnumNames<HintKind, 4> kHintKindNames{{
    {HintKind::kSetRootLock, "set_root_lock"}, {HintKind::kSetOwnerRoot, "set_owner_root"},
    {HintKind::kReleaseTable, "release_table"},
    {HintKind::kSetPteThreadOwner, "set_pte_thread_owner"},
}};

// tid is a hardware thread (CPU) number below kMaxTid + 1 (casemate's default MAX_CPU = 4, §2).
inline constexpr uint32_t kMaxTid = 3;
// Longest src text in bytes, without the quotes (§1.2).
inline constexpr size_t kMaxSrcBytes = 511;

struct Event {
  EventKind kind = EventKind::kMemWrite;
  // Sequence number, a label only (§3.2): need not be unique or increasing. 0 in a trace means
  // "previous id + 1"; the reader resolves it, so Events it returns never have id 0.
  uint64_t id = 0;
  uint32_t tid = 0;             // the CPU that performed the event, 0..kMaxTid
  std::string src;              // "FILE:LINE" of the code that produced the event (§1.5)
  uint64_t line = 0;            // 1-based trace line of the record's '('; 0 = not from a file
  uint64_t column = 0;          // 1-based byte column of the record's '('; 0 = not from a file

  // Physical byte address of a 64-bit word (mem-write, mem-read), of the first byte of a range
  // (mem-init, mem-free, mem-set), or an opaque lock identity (lock, trylock, unlock; 0 = no lock).
  uint64_t address = 0;
  // The 64-bit value stored (mem-write), loaded (mem-read), filled into each word (mem-set),
  // written to the register (sysreg-write), the hint's argument (hint), or the TLBI register
  // operand in the layout decoded by decode_tlbi_value() (tlbi ops that take one).
  uint64_t value = 0;
  uint64_t size = 0;            // range length in bytes (mem-init, mem-free, mem-set)
  MemOrder mem_order = MemOrder::kPlain;      // mem-write
  BarrierType barrier = BarrierType::kDsb;    // barrier
  DsbKind dsb_kind = DsbKind::kIsh;           // barrier dsb
  TlbiOp tlbi_op = TlbiOp::kVmalls12e1;       // tlbi
  Sysreg sysreg = Sysreg::kVttbrEl2;          // sysreg-write
  HintKind hint_kind = HintKind::kSetRootLock;  // hint
  uint64_t location = 0;        // hint: the address the hint is about (a root base, a table word)

  // Exact comparison of every member, positions and unused members included.
  friend bool operator==(const Event&, const Event&) = default;
};

// True when `a` and `b` describe the same event: same kind, id, tid, src and the members that kind
// uses (see the table above). Ignores line, column and unused members.
bool same_event(const Event& a, const Event& b);

// OK when `e` can be written as a casemate record that a casemate reader accepts and reads back as
// an event equal to `e` by same_event() (id 0 aside, which reads back as previous id + 1):
// tid <= kMaxTid; src is "FILE:LINE" (a ':' followed by 1+ decimal digits and nothing else, §1.5),
// at most kMaxSrcBytes bytes of printable ASCII (0x20..0x7e) without '"'; every enum member the
// kind uses is a listed enumerator; value is 0 on a tlbi op that takes none. Otherwise kBadInput
// naming the field and rule. Does not look at line and column.
Status validate_event(const Event& e);

// "": src is well-formed ("FILE:LINE" with a decimal LINE after the first ':'); else why not,
// e.g. "src \"x\" has no ':' (src is \"FILE:LINE\", §1.5)". Length and characters are not checked.
std::string src_problem(std::string_view src);

// `text` made safe to quote in a message: printable ASCII is kept, a backslash and every other
// byte become "\xNN" (e.g. CR -> "\x0d"); text longer than `max_bytes` is cut and ends in "...".
std::string escape_for_message(std::string_view text, size_t max_bytes = 64);

// The TLBI register operand of vae2is, vale2is and ipas2e1is (§2), decoded.
struct TlbiValue {
  uint64_t address = 0;              // input address (VA or IPA) in bytes: bits[43:0] << 12
  uint8_t ttl = 0;                   // the raw TTL hint, bits[47:44]
  std::optional<uint8_t> level;      // the hinted level 0..3 when TTL = 0b01LL, else none
  uint16_t asid = 0;                 // bits[63:48] (the ASID of the VA forms)
};
TlbiValue decode_tlbi_value(uint64_t value);

// The operand of the FEAT_TLBIRANGE ops (ripas2e1is, ripas2e1; Arm ARM "TLBI RIPAS2E1IS"):
// BaseADDR [36:0] (IPA >> 12 for the 4 KiB granule; IPA >> 16 when `lpa2`, i.e. the issuer's
// VTCR_EL2.DS is 1 under FEAT_LPA2: BaseADDR is IPA[52:16]), TTL [38:37] (0b00 no hint, else the
// level of the leaf entries), NUM [43:39], SCALE [45:44], TG [47:46] (0b01 = 4 KiB). It covers
// (NUM + 1) * 2^(5 * SCALE + 1) pages from BaseADDR.
struct TlbiRange {
  uint64_t begin = 0;             // first IPA covered, in bytes
  uint64_t pages = 0;             // 4 KiB pages covered
  std::optional<uint8_t> level;   // the hinted leaf level 1..3, else none
  uint8_t tg = 0;                 // the granule field (1: 4 KiB)
  uint64_t end() const { return begin + pages * 4096; }
};
TlbiRange decode_tlbi_range(uint64_t value, bool lpa2 = false);

// A VTTBR_EL2 or TTBR0_EL2 value (§2 sysreg table), decoded.
struct TableBaseValue {
  uint64_t baddr = 0;   // translation-table base address in bytes: value & bits[47:1]
  uint16_t id = 0;      // VMID (VTTBR_EL2) or ASID (TTBR0_EL2): bits[63:48]
  bool cnp = false;     // bit 0 (Common not Private)
};
TableBaseValue decode_table_base(uint64_t value);

// A VTCR_EL2 or TCR_EL2 value (§2 sysreg table), decoded.
struct TranslationControlValue {
  uint8_t t0sz = 0;     // bits[5:0]; the input address size is 64 - t0sz bits
  uint8_t tg0 = 0;      // bits[15:14]; 0b00 = 4 KiB granule (the only one casemate supports)
  unsigned input_address_bits() const { return 64u - t0sz; }
};
TranslationControlValue decode_translation_control(uint64_t value);

}  // namespace ptx::armtrace

#endif  // PTX_ARMTRACE_EVENT_H_
