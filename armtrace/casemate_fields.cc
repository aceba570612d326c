// SPDX-License-Identifier: BSD-2-Clause
#include "armtrace/casemate_fields.h"

namespace ptx::armtrace {

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
