// SPDX-License-Identifier: BSD-2-Clause
// Section numbers (§) refer to casemate-trace.md, the casemate trace format; ptx's subset: docs/casemate.md.
#include "armtrace/casemate_reader.h"

#include <algorithm>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "armtrace/casemate_fast.h"
#include "armtrace/casemate_fields.h"
#include "base/number.h"

namespace ptx::armtrace {

namespace {

using Token = CasemateLexer::Token;
using Type = CasemateLexer::Token::Type;

// §1.3: the rule for the common fields, quoted when id or tid is wrong.
constexpr std::string_view kHeadRule = "every record starts (KIND (id N) (tid T), §1.3";

bool is_decimal(std::string_view s) {  // §1.4: decimal = [0-9]+
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// §1.4: hex = optional lower-case "0x", then 1-16 hex digits of either case. Without the prefix
// the digits are still hex ("10" is 16).
std::optional<uint64_t> parse_hex_field(std::string_view text) {
  if (text.starts_with("0x")) text.remove_prefix(2);
  return parse_hex_digits(text);
}

// The token for messages: 'size', string "a:1", '(', ')', end of file.
std::string describe(const Token& t) {
  switch (t.type) {
    case Type::kOpen: return "'('";
    case Type::kClose: return "')'";
    case Type::kWord: return fmt::format("'{}'", escape_for_message(t.text));
    case Type::kString: return fmt::format("string \"{}\"", escape_for_message(t.text));
    case Type::kEnd: return "end of file";
  }
  return "?";
}

// §2 enum words are lower case and case-sensitive. "" on success, else the problem.
template <class E, size_t N>
std::string parse_enum_word(const Token& t, const EnumNames<E, N>& table, std::string_view what,
                            E* out) {
  const std::optional<E> v = parse_enum(table, t.text);
  if (!v) {
    return fmt::format("unexpected word {}, expected a {}: {} (case-sensitive, §2)", describe(t),
                       what, enum_choices(table));
  }
  *out = *v;
  return "";
}

// Sets the member of `e` that field `f` names from its value token. "" on success, else why not.
std::string apply_field(const CasemateField& f, const Token& t, Event* e) {
  switch (f.type) {
    case FieldType::kHex: {
      const std::optional<uint64_t> v = parse_hex_field(t.text);
      if (!v) {
        return fmt::format(
            "hex field '{}': {} is not hexadecimal (lower-case 0x prefix, 1-16 hex digits, §1.4)",
            f.key, describe(t));
      }
      e->*f.hex = *v;
      return "";
    }
    case FieldType::kMemOrder:
      return parse_enum_word(t, kMemOrderNames, "mem-order", &e->mem_order);
    case FieldType::kDsbKind: return parse_enum_word(t, kDsbKindNames, "DSB kind", &e->dsb_kind);
    case FieldType::kSysreg: return parse_enum_word(t, kSysregNames, "sysreg", &e->sysreg);
    case FieldType::kHintKind:
      return parse_enum_word(t, kHintKindNames, "hint kind", &e->hint_kind);
  }
  return "unknown field type";
}

// §2: the three tlbi ops that take a value, for messages.
std::string tlbi_ops_with_value() {
  std::string s;
  for (const TlbiOpInfo& info : kTlbiOps) {
    if (!info.takes_value) continue;
    if (!s.empty()) s += ", ";
    s += enum_name(kTlbiOpNames, info.op);
  }
  return s;
}

}  // namespace

CasemateReader::CasemateReader(std::istream& in, std::string source_name)
    : lexer_(in, std::move(source_name)) {}

Status CasemateReader::error(const Token& t, std::string message) const {
  return lexer_.error_at(t.line, t.column, std::move(message));
}

StatusOr<bool> CasemateReader::next_slow(Event* out) {
  if (!status_.ok()) return status_;
  if (done_) return false;
  StatusOr<bool> more = read_next(out);
  if (!more.ok()) {
    status_ = more.status();
  } else if (*more) {
    ++records_;
  } else {
    done_ = true;
  }
  return more;
}

// §1.1: trace = ws* { record ws* } [ verdict ].
StatusOr<bool> CasemateReader::read_next(Event* out) {
  PTX_ASSIGN_OR_RETURN(const int c, lexer_.peek_byte());
  if (c < 0) return false;
  if (c == '!') {
    PTX_RETURN_IF_ERROR(read_verdict());
    return false;
  }
  if (c != '(') return top_level_error();
  if (fast_path_ && read_fast(out)) return true;
  PTX_ASSIGN_OR_RETURN(const Token open, lexer_.next());
  lexer_.begin_record(open);
  Event e;
  PTX_RETURN_IF_ERROR(read_record(open, &e));
  lexer_.end_record();
  *out = std::move(e);
  return true;
}

// The record at the lexer's '(' in place, when it is on one line and well-formed, and the lexer's
// limits hold for its bytes (no LF or CR: parse_record_fast declines them).
bool CasemateReader::read_fast(Event* out) {
  const uint64_t column = lexer_.column();
  if (column > CasemateLexer::kMaxLineBytes) return false;
  // Only a record within both limits can be read in place; the window is cut there.
  const uint64_t limit = std::min(CasemateLexer::kMaxLineBytes - (column - 1), CasemateLexer::kMaxRecordBytes);
  const size_t n = parse_record_fast(lexer_.window().substr(0, limit), last_id_, out);
  if (n == 0) return false;  // *out is as it was
  out->line = lexer_.line();
  out->column = column;
  last_id_ = out->id;
  lexer_.consume(n);
  lexer_.consume_newline();
  return true;
}

// §1.6: "!" ends the trace; the verdict is the rest of its line after one optional space. Casemate
// ignores whatever follows; we warn about it.
Status CasemateReader::read_verdict() {
  PTX_ASSIGN_OR_RETURN(std::string text, lexer_.read_line_after_byte());
  verdict_ = std::move(text);
  if (const auto after = lexer_.find_text_after()) {
    warnings_.push_back(lexer_
                            .error_at(after->first, after->second,
                                      "text after the verdict line is ignored (casemate stops "
                                      "reading at the first '!', §1.6)")
                            .to_string());
  }
  return ok_status();
}

// §1.1, §1.3: between records only whitespace, '(' or the verdict '!' may appear; there are no
// comments. This also catches junk right after a record's ')'.
Status CasemateReader::top_level_error() {
  PTX_ASSIGN_OR_RETURN(const Token t, lexer_.next());
  if (t.type == Type::kClose) {
    return error(t, "unbalanced ')' outside a record (§5)");
  }
  return error(t, fmt::format("unexpected {} between records: expected '(' to start a record, "
                              "'!' for the verdict line, or end of file (casemate traces have "
                              "no comments, §1.1, §1.3)",
                              describe(t)));
}

// §1.3: "(" KIND F(id) F(tid) [positional word] body-fields... F(src) ")".
Status CasemateReader::read_record(const Token& open, Event* e) {
  e->line = open.line;
  e->column = open.column;
  PTX_RETURN_IF_ERROR(read_kind(e));
  PTX_RETURN_IF_ERROR(read_id_and_tid(e));
  if (has_positional_word(e->kind)) PTX_RETURN_IF_ERROR(read_positional(e));
  PTX_RETURN_IF_ERROR(read_body(e));
  PTX_RETURN_IF_ERROR(read_src(e));
  return read_close(*e);
}

// §2: the record kind is the first word; `msr` and other spellings are not kinds.
Status CasemateReader::read_kind(Event* e) {
  PTX_ASSIGN_OR_RETURN(const Token t, lexer_.next());
  if (t.type == Type::kClose) return error(t, "empty record '()': expected a record kind (§1.3)");
  if (t.type != Type::kWord) {
    return error(t, fmt::format("expected a record kind after '(', got {} (§1.3)", describe(t)));
  }
  const std::optional<EventKind> kind = parse_enum(kEventKindNames, t.text);
  if (!kind) {
    return error(t, fmt::format("unknown record kind {} (kinds are {}, §2)", describe(t),
                                enum_choices(kEventKindNames)));
  }
  e->kind = *kind;
  return ok_status();
}

// §1.3, §1.4, §2: decimal id, then decimal tid in 0..3.
Status CasemateReader::read_id_and_tid(Event* e) {
  uint64_t id = 0;
  uint64_t tid = 0;
  PTX_ASSIGN_OR_RETURN(const Token id_token, read_decimal_field("id", &id));
  PTX_ASSIGN_OR_RETURN(const Token tid_token, read_decimal_field("tid", &tid));
  if (tid > kMaxTid) {
    return error(tid_token,
                 fmt::format("tid {} out of range (tid is 0..{}, §2)", tid_token.text, kMaxTid));
  }
  e->id = id;
  e->tid = static_cast<uint32_t>(tid);
  return resolve_id(id_token, e);
}

// §3.2: id 0 means "the previous id + 1".
Status CasemateReader::resolve_id(const Token& id_token, Event* e) {
  if (e->id == 0) {
    if (last_id_ == std::numeric_limits<uint64_t>::max()) {
      return error(id_token, fmt::format("id 0 after id {}: the next id does not fit in 64 bits "
                                         "(id 0 means previous id + 1, §3.2)",
                                         last_id_));
    }
    e->id = last_id_ + 1;
  }
  last_id_ = e->id;
  return ok_status();
}

// §1.4: decimal fields are [0-9]+ (casemate's atoi would take "12x" or "0x10"; we do not).
StatusOr<CasemateReader::Token> CasemateReader::read_decimal_field(std::string_view key,
                                                                   uint64_t* value) {
  PTX_ASSIGN_OR_RETURN(Token t, read_field_value(key, nullptr));
  if (!is_decimal(t.text)) {
    return error(t, fmt::format("decimal field '{}': {} is not a decimal number (digits only, "
                                "§1.4)",
                                key, describe(t)));
  }
  const std::optional<uint64_t> v = parse_u64(t.text);
  if (!v) {
    return error(t, fmt::format("decimal field '{}': {} does not fit in 64 bits (§1.4)", key,
                                describe(t)));
  }
  *value = *v;
  return t;
}

// §1.3: F(k) = "(" k value ")" | value. Returns the value word. `e` is the record so far, for the
// field-order rule in messages; nullptr for id and tid.
StatusOr<CasemateReader::Token> CasemateReader::read_field_value(std::string_view key,
                                                                 const Event* e) {
  PTX_ASSIGN_OR_RETURN(Token t, lexer_.next());
  if (t.type == Type::kWord) return t;  // bare form
  if (t.type != Type::kOpen) return missing_field_error(t, key, e);
  PTX_ASSIGN_OR_RETURN(const Token k, lexer_.next());
  if (k.type != Type::kWord || k.text != key) return keyed_field_error(k, key, e);
  PTX_ASSIGN_OR_RETURN(Token v, lexer_.next());
  if (v.type != Type::kWord) {
    return error(v, fmt::format("field '{}' has no value: got {} (§1.3)", key, describe(v)));
  }
  PTX_RETURN_IF_ERROR(read_field_close(key));
  return v;
}

// The ')' of a keyed field "(key value)".
Status CasemateReader::read_field_close(std::string_view key) {
  PTX_ASSIGN_OR_RETURN(const Token t, lexer_.next());
  if (t.type == Type::kClose) return ok_status();
  return error(t, fmt::format("expected ')' after the value of field '{}', got {} (a keyed field "
                              "is (KEY VALUE); unbalanced parentheses?, §1.3)",
                              key, describe(t)));
}

std::string CasemateReader::fields_rule(const Event* e) const {
  return e == nullptr ? std::string(kHeadRule) : casemate_fields_rule(*e);
}

// Field `key` was due but `t` came: a string (src), ')' or similar. §2, §5.
Status CasemateReader::missing_field_error(const Token& t, std::string_view key, const Event* e) {
  if (e != nullptr && e->kind == EventKind::kTlbi) {
    return error(t, fmt::format("missing value on tlbi {} ({} take (value H), §2, §5)",
                                enum_name(kTlbiOpNames, e->tlbi_op), tlbi_ops_with_value()));
  }
  return error(t, fmt::format("missing field '{}': got {} ({})", key, describe(t),
                              fields_rule(e)));
}

// "(" was followed by `k` where the key `key` was due. §1.3: the order is fixed.
Status CasemateReader::keyed_field_error(const Token& k, std::string_view key, const Event* e) {
  if (k.type == Type::kWord && k.text == "src") return missing_field_error(k, key, e);
  if (k.type != Type::kWord) {
    return error(k, fmt::format("expected the key '{}' after '(', got {} (§1.3)", key,
                                describe(k)));
  }
  return error(k, fmt::format("unexpected word {}, expected '{}' ({})", describe(k), key,
                              fields_rule(e)));
}

// §1.3, §2: the barrier type or the TLBI operation, a bare word that is never keyed.
Status CasemateReader::read_positional(Event* e) {
  PTX_ASSIGN_OR_RETURN(const Token t, lexer_.next());
  const std::string_view what = e->kind == EventKind::kBarrier ? "barrier type" : "TLBI operation";
  if (t.type != Type::kWord) {
    return error(t, fmt::format("expected the {} after tid, got {} (it is a bare word, never "
                                "keyed, §1.3)",
                                what, describe(t)));
  }
  const std::string problem =
      e->kind == EventKind::kBarrier
          ? parse_enum_word(t, kBarrierTypeNames, what, &e->barrier)
          : parse_enum_word(t, kTlbiOpNames, what, &e->tlbi_op);
  if (!problem.empty()) return error(t, problem);
  return ok_status();
}

// §2: the kind's fields in their fixed order.
Status CasemateReader::read_body(Event* e) {
  for (const CasemateField& f : casemate_fields(*e)) {
    PTX_ASSIGN_OR_RETURN(const Token t, read_field_value(f.key, e));
    const std::string problem = apply_field(f, t, e);
    if (!problem.empty()) return error(t, problem);
  }
  return ok_status();
}

// §1.3, §1.5: F(src) with a string "FILE:LINE" value; required.
Status CasemateReader::read_src(Event* e) {
  PTX_ASSIGN_OR_RETURN(Token value, lexer_.next());
  if (value.type == Type::kOpen) {
    PTX_ASSIGN_OR_RETURN(const Token k, lexer_.next());
    if (k.type != Type::kWord || k.text != "src") return src_field_error(k, true, *e);
    PTX_ASSIGN_OR_RETURN(value, lexer_.next());
    if (value.type != Type::kString) {
      return error(value, fmt::format("src must be a string \"FILE:LINE\", got {} (§1.5)",
                                      describe(value)));
    }
    PTX_RETURN_IF_ERROR(read_field_close("src"));
  } else if (value.type != Type::kString) {
    return src_field_error(value, false, *e);
  }
  const std::string problem = src_problem(value.text);
  if (!problem.empty()) return error(value, problem);
  e->src = std::move(value.text);
  return ok_status();
}

// `t` came where src was due (after "(" when `keyed`): src is missing, or an extra field follows.
Status CasemateReader::src_field_error(const Token& t, bool keyed, const Event& e) {
  if (t.type == Type::kClose && !keyed) {
    return error(t, "missing src: every record ends with (src \"FILE:LINE\") (§1.3, §1.5)");
  }
  const bool value_like = t.type == Type::kWord && (!keyed || t.text == "value");
  if (e.kind == EventKind::kTlbi && value_like) {
    return error(t, fmt::format("unexpected value on tlbi {} (only {} take a value, §2, §5)",
                                enum_name(kTlbiOpNames, e.tlbi_op), tlbi_ops_with_value()));
  }
  if (!keyed) {
    return error(t, fmt::format("expected the src string, got {} (an extra field? {})",
                                describe(t), casemate_fields_rule(e)));
  }
  return error(t, fmt::format("unexpected {}{}, expected 'src' (an extra field? {})",
                              t.type == Type::kWord ? "word " : "", describe(t),
                              casemate_fields_rule(e)));
}

// §1.3: src is the last field; the record closes right after it.
Status CasemateReader::read_close(const Event& e) {
  PTX_ASSIGN_OR_RETURN(const Token t, lexer_.next());
  if (t.type == Type::kClose) return ok_status();
  return error(t, fmt::format("expected ')' to close the {} record after src, got {} (src is the "
                              "last field; unbalanced parentheses?, §1.3, §5)",
                              casemate_shape(e), describe(t)));
}

}  // namespace ptx::armtrace
