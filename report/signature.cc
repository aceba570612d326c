// SPDX-License-Identifier: BSD-2-Clause
#include "report/signature.h"

#include <algorithm>

#include <fmt/format.h>

#include "base/fnv1a.h"
#include "formats/violation_text.h"
#include "pagetable/update.h"

namespace ptx::report {
namespace {

std::string join(const std::vector<std::string>& parts) {
  std::string s;
  for (const std::string& p : parts) s += (s.empty() ? "" : ", ") + p;
  return s;
}

void push_collapsed(std::vector<std::string>* out, std::string s) {
  if (out->empty() || out->back() != s) out->push_back(std::move(s));
}

// What a write does to its entry, by the section's descriptor rules.
std::string_view change_of(const Geometry& g, const Update& u) {
  const int level = level_of_kind(u.kind, 4);
  const EntryType from = g.classify(level, u.old_value), to = g.classify(level, u.new_value);
  const bool from_leaf = from == EntryType::kBlock || from == EntryType::kPage;
  const bool to_leaf = to == EntryType::kBlock || to == EntryType::kPage;
  if (from == EntryType::kInvalid) return to == EntryType::kTable ? "link" : to_leaf ? "map" : "none";
  if (to == EntryType::kInvalid) return from == EntryType::kTable ? "unlink" : "unmap";
  if (from_leaf && to_leaf) return "remap";
  return from == to ? "relink" : "retype";
}

std::string location_of(const CheckedSection& s, size_t i) {
  if (s.context && i < s.context->update_srcs.size()) return location_of_src(s.context->update_srcs[i]);
  const EngineStep step = s.section.updates[i].step;
  return step == EngineStep::kNone ? "(unknown)" : std::string(engine_step_name(step));
}

std::string ops_of(const Section& s) {
  if (s.ops.empty()) return "-";
  std::string ops;
  for (const MapOp& op : s.ops) {
    const std::string_view name = op_kind_name(op.kind);
    if (ops.find(name) == std::string::npos) ops += (ops.empty() ? "" : "+") + std::string(name);
  }
  return ops;
}

// The witness's writes, in program order.
std::vector<uint32_t> witness_writes(const Violation& v) {
  std::vector<uint32_t> w(v.witness.begin(), v.witness.end());
  std::sort(w.begin(), w.end());
  return w;
}

}  // namespace

std::string location_of_src(std::string_view src) {
  if (src.empty()) return "(unknown)";
  if (src.starts_with("engine:") &&
      std::all_of(src.begin() + 7, src.end(), [](char c) { return c >= '0' && c <= '9'; }) && src.size() > 7) {
    return "engine";
  }
  return std::string(src);
}

std::string SignatureKey::text() const {
  return fmt::format("{}|{}|{}|{}|{}|{}|{}", enum_name(kFamilyNames, family), verdict, cause, ops, levels,
                     join(locations), join(shape));
}

std::string SignatureKey::id() const {
  const uint64_t h = Fnv1a().add_text(text()).value();
  return fmt::format("S{:08x}", static_cast<uint32_t>(h ^ (h >> 32)));
}

std::string SignatureKey::verdict_text() const { return cause.empty() ? verdict : fmt::format("{} ({})", verdict, cause); }

tlb::Severity severity_of(ViolationClass c) {
  return c == ViolationClass::kWrongTranslation ? tlb::Severity::kError : tlb::Severity::kWarning;
}

SignatureKey violation_signature(const CheckedSection& s, const Violation& v) {
  SignatureKey k;
  k.family = Family::kTpt;
  k.verdict = std::string(violation_class_name(v.cls));
  k.severity = severity_of(v.cls);
  if (v.witness.empty() && s.exploration.pending > 0) {
    // The before-state itself shows it: the previous section's writes are not visible yet. The
    // bug is where that section closed without its barrier, whatever its writes were.
    k.ops = "-";
    k.levels = "-";
    k.locations = {std::string(kPendingLocation)};
    k.shape = {std::string(kPendingShape)};
    return k;
  }
  k.ops = ops_of(s.section);
  const Geometry g = formats::display_geometry(s);
  const std::vector<uint32_t> writes = witness_writes(v);
  bool level_seen[4] = {false, false, false, false};
  for (const uint32_t i : writes) {
    const Update& u = s.section.updates[i];
    level_seen[static_cast<int>(u.kind) & 3] = true;
    push_collapsed(&k.locations, location_of(s, i));
    const bool pending = i < s.exploration.pending;
    push_collapsed(&k.shape, fmt::format("{}{} {}", pending ? "pending " : "", update_kind_name(u.kind), change_of(g, u)));
  }
  for (int l = 0; l < 4; ++l) {
    if (level_seen[l]) k.levels += (k.levels.empty() ? "" : ",") + std::string(update_kind_name(static_cast<UpdateKind>(l)));
  }
  if (k.levels.empty()) k.levels = "-";
  return k;
}

std::string violation_key_text(const CheckedSection& s, const Violation& v) { return violation_signature(s, v).text(); }

SignatureKey finding_signature(const Finding& f) {
  SignatureKey k;
  k.family = Family::kFinding;
  k.verdict = f.kind;
  k.ops = "-";
  k.levels = "-";
  k.locations = {location_of_src(f.src)};
  k.severity = tlb::Severity::kError;
  return k;
}

SignatureKey tlb_signature(const tlb::TlbFinding& f) {
  SignatureKey k;
  k.family = Family::kTlb;
  k.verdict = std::string(enum_name(tlb::kVerdictNames, f.verdict));
  k.cause = std::string(enum_name(tlb::kCauseNames, f.cause));
  if (!f.subkind.empty()) k.cause += (k.cause.empty() ? "" : ", ") + f.subkind;
  k.ops = "-";
  k.levels = fmt::format("L{}", f.level);
  k.locations = {location_of_src(f.src)};
  k.severity = f.severity();
  return k;
}

}  // namespace ptx::report
