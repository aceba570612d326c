// SPDX-License-Identifier: BSD-2-Clause
#include "armtrace/casemate_fields.h"

namespace ptx::armtrace {

namespace {

constexpr CasemateField kAddress{"address", FieldType::kHex, &Event::address};
constexpr CasemateField kValue{"value", FieldType::kHex, &Event::value};
constexpr CasemateField kSize{"size", FieldType::kHex, &Event::size};
constexpr CasemateField kLocation{"location", FieldType::kHex, &Event::location};
constexpr CasemateField kMemOrderField{"mem-order", FieldType::kMemOrder};
constexpr CasemateField kDsbKindField{"kind", FieldType::kDsbKind};
constexpr CasemateField kSysregField{"sysreg", FieldType::kSysreg};
constexpr CasemateField kHintKindField{"kind", FieldType::kHintKind};

// §2, "fields after tid, in order".
constexpr CasemateField kMemWriteFields[] = {kMemOrderField, kAddress, kValue};
constexpr CasemateField kMemReadFields[] = {kAddress, kValue};
constexpr CasemateField kRangeFields[] = {kAddress, kSize};  // mem-init, mem-free
constexpr CasemateField kMemSetFields[] = {kAddress, kSize, kValue};
constexpr CasemateField kDsbFields[] = {kDsbKindField};
constexpr CasemateField kTlbiValueFields[] = {kValue};
constexpr CasemateField kSysregFields[] = {kSysregField, kValue};
constexpr CasemateField kHintFields[] = {kHintKindField, kLocation, kValue};
constexpr CasemateField kLockFields[] = {kAddress};  // lock, trylock, unlock, read-lock, read-unlock

}  // namespace

bool has_positional_word(EventKind kind) {
  return kind == EventKind::kBarrier || kind == EventKind::kTlbi;
}

std::span<const CasemateField> casemate_fields(const Event& e) {
  switch (e.kind) {
    case EventKind::kMemWrite: return kMemWriteFields;
    case EventKind::kMemRead: return kMemReadFields;
    case EventKind::kMemInit:
    case EventKind::kMemFree: return kRangeFields;
    case EventKind::kMemSet: return kMemSetFields;
    case EventKind::kBarrier:
      if (e.barrier == BarrierType::kDsb) return kDsbFields;
      return {};
    case EventKind::kTlbi:
      if (enum_name(kTlbiOpNames, e.tlbi_op) != "?" && tlbi_op_info(e.tlbi_op).takes_value) {
        return kTlbiValueFields;
      }
      return {};
    case EventKind::kSysregWrite: return kSysregFields;
    case EventKind::kHint: return kHintFields;
    case EventKind::kLock:
    case EventKind::kTrylock:
    case EventKind::kUnlock:
    case EventKind::kReadLock:
    case EventKind::kReadUnlock: return kLockFields;
  }
  return {};
}

std::string casemate_shape(const Event& e) {
  std::string s(enum_name(kEventKindNames, e.kind));
  if (e.kind == EventKind::kBarrier) {
    s += ' ';
    s += enum_name(kBarrierTypeNames, e.barrier);
  } else if (e.kind == EventKind::kTlbi) {
    s += ' ';
    s += enum_name(kTlbiOpNames, e.tlbi_op);
  }
  return s;
}

std::string casemate_fields_rule(const Event& e) {
  const std::span<const CasemateField> fields = casemate_fields(e);
  if (fields.empty()) return casemate_shape(e) + " has no fields before src, §2";
  std::string s = casemate_shape(e) + " fields are ";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) s += ", ";
    s += fields[i].key;
  }
  return s + " in this order, §2";
}

}  // namespace ptx::armtrace
