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

// True for barrier and tlbi, whose records carry a positional word after tid.
bool has_positional_word(EventKind kind);

// The body fields of `e`'s record, in order. Depends on e.kind, and on e.barrier for a barrier
// and e.tlbi_op for a tlbi (set them before calling). Empty for unlisted enum values.
std::span<const CasemateField> casemate_fields(const Event& e);

// The record shape for messages: "mem-init", "barrier dsb", "tlbi ipas2e1is".
std::string casemate_shape(const Event& e);

// The field-order rule for messages, e.g. "mem-init fields are address, size in this order, §2"
// or "tlbi vmalle1is has no fields before src, §2".
std::string casemate_fields_rule(const Event& e);

}  // namespace ptx::armtrace

#endif  // PTX_ARMTRACE_CASEMATE_FIELDS_H_
