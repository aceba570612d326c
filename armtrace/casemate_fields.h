// SPDX-License-Identifier: BSD-2-Clause
// The body fields of each casemate record shape (§2), in their fixed order (§1.3). The reader and
// the writer both walk these tables, so they agree on keys and order by construction.
//
// A record is "(KIND id tid [POSITIONAL] body-fields... src)". The positional word is the barrier
// type of a barrier record and the operation of a tlbi record; the body fields that follow depend
// on it (dsb has (kind K), isb nothing; three TLBI ops have (value H), the others nothing).
#ifndef PTX_ARMTRACE_CASEMATE_FIELDS_H_
#define PTX_ARMTRACE_CASEMATE_FIELDS_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "armtrace/event.h"

namespace ptx::armtrace {

// How a body field's value is spelled and which Event member it sets.
enum class FieldType : uint8_t {
  kHex,        // a hex number (§1.4) in the uint64_t member `CasemateField::hex`
  kMemOrder,   // a kMemOrderNames word in Event::mem_order
  kDsbKind,    // a kDsbKindNames word in Event::dsb_kind
  kSysreg,     // a kSysregNames word in Event::sysreg
  kHintKind,   // a kHintKindNames word in Event::hint_kind
};

struct CasemateField {
  std::string_view key;            // the key of the keyed form "(key value)"
  FieldType type;
  uint64_t Event::*hex = nullptr;  // the member of a kHex field; nullptr otherwise
};

namespace casemate_fields_internal {

inline constexpr CasemateField kAddress{"address", FieldType::kHex, &Event::address};
inline constexpr CasemateField kValue{"value", FieldType::kHex, &Event::value};
inline constexpr CasemateField kSize{"size", FieldType::kHex, &Event::size};
inline constexpr CasemateField kLocation{"location", FieldType::kHex, &Event::location};
inline constexpr CasemateField kMemOrderField{"mem-order", FieldType::kMemOrder};
inline constexpr CasemateField kDsbKindField{"kind", FieldType::kDsbKind};
inline constexpr CasemateField kSysregField{"sysreg", FieldType::kSysreg};
inline constexpr CasemateField kHintKindField{"kind", FieldType::kHintKind};

// §2, "fields after tid, in order".
inline constexpr CasemateField kMemWriteFields[] = {kMemOrderField, kAddress, kValue};
inline constexpr CasemateField kMemReadFields[] = {kAddress, kValue};
inline constexpr CasemateField kRangeFields[] = {kAddress, kSize};  // mem-init, mem-free
inline constexpr CasemateField kMemSetFields[] = {kAddress, kSize, kValue};
inline constexpr CasemateField kDsbFields[] = {kDsbKindField};
inline constexpr CasemateField kTlbiValueFields[] = {kValue};
inline constexpr CasemateField kSysregFields[] = {kSysregField, kValue};
inline constexpr CasemateField kHintFields[] = {kHintKindField, kLocation, kValue};
inline constexpr CasemateField kLockFields[] = {kAddress};  // lock, trylock, unlock, read-lock, read-unlock

}  // namespace casemate_fields_internal

// True for barrier and tlbi, whose records carry a positional word after tid.
inline bool has_positional_word(EventKind kind) {
  return kind == EventKind::kBarrier || kind == EventKind::kTlbi;
}

// The body fields of `e`'s record, in order. Depends on e.kind, and on e.barrier for a barrier
// and e.tlbi_op for a tlbi (set them before calling). Empty for unlisted enum values. Inline: the
// reader's fast path asks once a record.
inline std::span<const CasemateField> casemate_fields(const Event& e) {
  namespace f = casemate_fields_internal;
  switch (e.kind) {
    case EventKind::kMemWrite: return f::kMemWriteFields;
    case EventKind::kMemRead: return f::kMemReadFields;
    case EventKind::kMemInit:
    case EventKind::kMemFree: return f::kRangeFields;
    case EventKind::kMemSet: return f::kMemSetFields;
    case EventKind::kBarrier:
      if (e.barrier == BarrierType::kDsb) return f::kDsbFields;
      return {};
    case EventKind::kTlbi:
      if (enum_name(kTlbiOpNames, e.tlbi_op) != "?" && tlbi_op_info(e.tlbi_op).takes_value) {
        return f::kTlbiValueFields;
      }
      return {};
    case EventKind::kSysregWrite: return f::kSysregFields;
    case EventKind::kHint: return f::kHintFields;
    case EventKind::kLock:
    case EventKind::kTrylock:
    case EventKind::kUnlock:
    case EventKind::kReadLock:
    case EventKind::kReadUnlock: return f::kLockFields;
  }
  return {};
}

// The record shape for messages: "mem-init", "barrier dsb", "tlbi ipas2e1is".
std::string casemate_shape(const Event& e);

// The field-order rule for messages, e.g. "mem-init fields are address, size in this order, §2"
// or "tlbi vmalle1is has no fields before src, §2".
std::string casemate_fields_rule(const Event& e);

}  // namespace ptx::armtrace

#endif  // PTX_ARMTRACE_CASEMATE_FIELDS_H_
