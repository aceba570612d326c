// SPDX-License-Identifier: BSD-2-Clause
#include "armtrace/casemate_writer.h"

#include <iterator>

#include <fmt/format.h>

#include "armtrace/casemate_fields.h"

namespace ptx::armtrace {

namespace {

// " (key value)", or " value" when condensed (§1.3).
void append_field(std::string* s, std::string_view key, std::string_view value, bool condensed) {
  if (condensed) {
    fmt::format_to(std::back_inserter(*s), " {}", value);
  } else {
    fmt::format_to(std::back_inserter(*s), " ({} {})", key, value);
  }
}

// The value of body field `f` of `e`: hex without 0x (§1.4), or an enum word (§2).
std::string field_text(const CasemateField& f, const Event& e) {
  switch (f.type) {
    case FieldType::kHex: return fmt::format("{:x}", e.*f.hex);
    case FieldType::kMemOrder: return std::string(enum_name(kMemOrderNames, e.mem_order));
    case FieldType::kDsbKind: return std::string(enum_name(kDsbKindNames, e.dsb_kind));
    case FieldType::kSysreg: return std::string(enum_name(kSysregNames, e.sysreg));
    case FieldType::kHintKind: return std::string(enum_name(kHintKindNames, e.hint_kind));
  }
  return "?";
}

// The positional word after tid (§1.3), or "" for kinds without one.
std::string_view positional_word(const Event& e) {
  if (e.kind == EventKind::kBarrier) return enum_name(kBarrierTypeNames, e.barrier);
  if (e.kind == EventKind::kTlbi) return enum_name(kTlbiOpNames, e.tlbi_op);
  return "";
}

}  // namespace

std::string format_casemate(const Event& e, bool condensed) {
  std::string s = fmt::format("({}", enum_name(kEventKindNames, e.kind));
  append_field(&s, "id", fmt::format("{}", e.id), condensed);
  append_field(&s, "tid", fmt::format("{}", e.tid), condensed);
  if (has_positional_word(e.kind)) fmt::format_to(std::back_inserter(s), " {}", positional_word(e));
  for (const CasemateField& f : casemate_fields(e)) {
    append_field(&s, f.key, field_text(f, e), condensed);
  }
  append_field(&s, "src", fmt::format("\"{}\"", e.src), condensed);
  s += ')';
  return s;
}

CasemateWriter::CasemateWriter(std::ostream& out, bool condensed)
    : out_(out), condensed_(condensed) {}

Status CasemateWriter::put(const std::string& line) {
  out_ << line << '\n';
  if (!out_) return io_error("writing the casemate trace failed");
  return ok_status();
}

Status CasemateWriter::write(const Event& e) {
  if (verdict_written_) {
    return bad_input("record {} after the verdict line (the verdict ends the trace, §1.6)", e.id);
  }
  PTX_RETURN_IF_ERROR(validate_event(e));
  PTX_RETURN_IF_ERROR(put(format_casemate(e, condensed_)));
  ++records_;
  return ok_status();
}

Status CasemateWriter::write_verdict(std::string_view message) {
  if (verdict_written_) {
    return bad_input("a second verdict line (the verdict ends the trace, §1.6)");
  }
  if (message.find_first_of("\r\n") != std::string_view::npos) {
    return bad_input("verdict \"{}\" spans lines (the verdict is one line, §1.6)",
                     escape_for_message(message));
  }
  verdict_written_ = true;
  return put(fmt::format("! {}", message));
}

}  // namespace ptx::armtrace
