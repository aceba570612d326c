// SPDX-License-Identifier: BSD-2-Clause
#include "tlb/tlbi_scope.h"

namespace ptx::tlb {

using armtrace::TlbiSelect;

TlbiScope::TlbiScope(armtrace::TlbiOp op, uint64_t value, uint32_t issuer_vmid, TtlMode ttl, bool lpa2)
    : info_(armtrace::tlbi_op_info(op)), vmid_(issuer_vmid) {
  if (!info_.takes_value) return;
  if (info_.selects == TlbiSelect::kIpaRange) {
    const armtrace::TlbiRange r = armtrace::decode_tlbi_range(value, lpa2);
    address_ = r.begin;
    end_ = r.end();
    if (ttl == TtlMode::kStrict) hint_ = r.level;
    return;
  }
  const armtrace::TlbiValue v = armtrace::decode_tlbi_value(value);
  address_ = v.address;
  if (ttl == TtlMode::kStrict) hint_ = v.level;
}

bool TlbiScope::reaches_stage(int stage) const {
  return info_.regime == armtrace::Regime::kEl2 ? stage == 1 : stage == 2;
}

bool TlbiScope::vmid_matches(const Context& c) const {
  const bool by_vmid = info_.selects == TlbiSelect::kVmid || info_.selects == TlbiSelect::kIpa ||
                       info_.selects == TlbiSelect::kIpaRange;
  return !by_vmid || c.id == vmid_;
}

bool TlbiScope::whole_context() const {
  return (info_.selects == TlbiSelect::kVmid && info_.stage2) || info_.selects == TlbiSelect::kAll;
}

Cover TlbiScope::covers(const EntryKey& k, uint64_t size, int part) const {
  switch (info_.selects) {
    case TlbiSelect::kVmid:  // vmalls12e1: both parts; vmalle1: stage 1 only, i.e. the Combined twin
      return info_.stage2 || part == 1 ? Cover::kYes : Cover::kNo;
    case TlbiSelect::kAll: return Cover::kYes;
    case TlbiSelect::kVa:
    case TlbiSelect::kVaLastLevel:
    case TlbiSelect::kIpa: break;
    case TlbiSelect::kIpaRange:
      if (part != 0 || !(address_ < k.ia + size && k.ia < end_)) return Cover::kNo;  // the ranges meet
      if (!hint_) return Cover::kYes;
      return k.kind == EntryKind::kLeaf && k.level == *hint_ ? Cover::kYes : Cover::kTtl;
  }
  if (part != 0 || address_ < k.ia || address_ - k.ia >= size) return Cover::kNo;
  if (info_.selects == TlbiSelect::kVaLastLevel && k.kind != EntryKind::kLeaf) return Cover::kNo;
  if (!hint_) return Cover::kYes;
  return k.kind == EntryKind::kLeaf && k.level == *hint_ ? Cover::kYes : Cover::kTtl;
}

}  // namespace ptx::tlb
