// SPDX-License-Identifier: BSD-2-Clause
// Section numbers (§) refer to casemate-trace.md, the casemate trace format.
#include "armtrace/casemate_fast.h"

#include <array>
#include <limits>
#include <utility>

#include "armtrace/casemate_fields.h"
#include "armtrace/casemate_lexer.h"

namespace ptx::armtrace {
namespace {

enum class Tok : uint8_t { kOpen, kClose, kWord, kString, kNone };  // kNone: decline

// Bytes that end a word (§1.2): whitespace (CR is not, but any CR declines), '(' and ')'.
constexpr std::array<bool, 256> kEndsWord = [] {
  std::array<bool, 256> t{};
  for (unsigned char c : {' ', '\t', '\n', '(', ')'}) t[c] = true;
  return t;
}();

constexpr std::array<int8_t, 256> kHexDigit = [] {
  std::array<int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<int8_t>(i);
  for (int i = 0; i < 6; ++i) t['a' + i] = t['A' + i] = static_cast<int8_t>(10 + i);
  return t;
}();

// a == b, inline: the words are short, a call to memcmp costs more than the loop.
bool same(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// The tokens of one line, as the lexer would split them (casemate_lexer.h), views into the line.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}

  Tok next(std::string_view* text) {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    if (i_ == s_.size() || s_[i_] == '\n') return Tok::kNone;  // the record spans lines, or ends
    const char c = s_[i_];
    if (c == '(' || c == ')') {
      ++i_;
      return c == '(' ? Tok::kOpen : Tok::kClose;
    }
    if (c == '"') return string(text);
    const size_t begin = i_;
    while (i_ < s_.size() && !kEndsWord[static_cast<unsigned char>(s_[i_])]) ++i_;
    *text = s_.substr(begin, i_ - begin);
    return text->size() <= CasemateLexer::kMaxTokenBytes ? Tok::kWord : Tok::kNone;
  }

  // F(key) = "(" key value ")" | value (§1.3): the value word. Its common spelling "(key value)"
  // is matched in place; any other through next().
  std::optional<std::string_view> field(std::string_view key) {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    const size_t begin = i_ + key.size() + 2;
    if (begin < s_.size() && s_[i_] == '(' && same(s_.substr(i_ + 1, key.size()), key) && s_[begin - 1] == ' ') {
      size_t end = begin;
      while (end < s_.size() && !kEndsWord[static_cast<unsigned char>(s_[end])]) ++end;
      if (end < s_.size() && s_[end] == ')' && end > begin && end - begin <= CasemateLexer::kMaxTokenBytes) {
        i_ = end + 1;
        return s_.substr(begin, end - begin);
      }
    }
    return field_tokens(key);
  }

  // F(key) with a number value in its common spelling "(key DIGITS)", read in one pass: the
  // value of the decimal (§1.4: [0-9]+, below 2^64) or hex (§1.4: optional lower-case "0x", 1-16
  // digits) digits, and the cursor after ')'. nullopt and the cursor unmoved otherwise (the caller
  // reads the field through field(), which declines what this declines and takes the rest).
  std::optional<uint64_t> number_field(std::string_view key, bool is_hex) {
    size_t j = i_;
    while (j < s_.size() && (s_[j] == ' ' || s_[j] == '\t')) ++j;
    size_t k = j + key.size() + 2;
    if (k >= s_.size() || s_[j] != '(' || !same(s_.substr(j + 1, key.size()), key) || s_[k - 1] != ' ') {
      return std::nullopt;
    }
    if (is_hex && s_.substr(k, 2) == "0x") k += 2;
    const size_t first = k;
    uint64_t v = 0;
    for (int d; k < s_.size() && (d = is_hex ? kHexDigit[static_cast<unsigned char>(s_[k])] : s_[k] - '0') >= 0 &&
                (is_hex || d <= 9);
         ++k) {
      if (is_hex) {
        v = v << 4 | static_cast<uint64_t>(d);
      } else if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, d, &v)) {
        return std::nullopt;
      }
    }
    if (k == first || k >= s_.size() || s_[k] != ')' || k - first > (is_hex ? 16 : CasemateLexer::kMaxTokenBytes)) {
      return std::nullopt;
    }
    i_ = k + 1;
    return v;
  }

  // The common ending of a record, (src "TEXT")) with TEXT on this line, matched in place: TEXT,
  // or nullopt (the caller reads the ending token by token).
  std::optional<std::string_view> src_and_close() {
    constexpr std::string_view kOpen = "(src \"";
    size_t j = i_;
    while (j < s_.size() && (s_[j] == ' ' || s_[j] == '\t')) ++j;
    if (!same(s_.substr(j, kOpen.size()), kOpen)) return std::nullopt;
    const size_t begin = j + kOpen.size();
    size_t end = begin;
    while (end < s_.size() && s_[end] != '"' && s_[end] != '\n' && s_[end] != '\r') ++end;
    if (!same(s_.substr(end, 3), "\"))") || end - begin > CasemateLexer::kMaxTokenBytes) return std::nullopt;
    i_ = end + 3;
    return s_.substr(begin, end - begin);
  }

  size_t position() const { return i_; }

 private:
  std::optional<std::string_view> field_tokens(std::string_view key) {
    std::string_view t;
    const Tok k = next(&t);
    if (k == Tok::kWord) return t;
    if (k != Tok::kOpen || next(&t) != Tok::kWord || !same(t, key)) return std::nullopt;
    std::string_view v;
    if (next(&v) != Tok::kWord || next(&t) != Tok::kClose) return std::nullopt;
    return v;
  }

  Tok string(std::string_view* text) {
    size_t close = i_ + 1;
    while (close < s_.size() && s_[close] != '"') {
      const char ch = s_[close++];
      if (ch == '\n' || ch == '\r') return Tok::kNone;  // spans lines, or a CR (§1.1)
    }
    if (close == s_.size()) return Tok::kNone;  // unterminated
    *text = s_.substr(i_ + 1, close - i_ - 1);
    i_ = close + 1;
    return text->size() <= CasemateLexer::kMaxTokenBytes ? Tok::kString : Tok::kNone;
  }

  std::string_view s_;
  size_t i_ = 0;
};

// §1.4: decimal = [0-9]+, below 2^64.
std::optional<uint64_t> decimal(std::optional<std::string_view> t) {
  if (!t || t->empty()) return std::nullopt;
  uint64_t v = 0;
  for (char ch : *t) {
    if (ch < '0' || ch > '9' || __builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, ch - '0', &v)) {
      return std::nullopt;
    }
  }
  return v;
}

// §1.4: hex = optional lower-case "0x", then 1-16 hex digits of either case (parse_hex_digits).
std::optional<uint64_t> hex(std::string_view t) {
  if (t.starts_with("0x")) t.remove_prefix(2);
  if (t.empty() || t.size() > 16) return std::nullopt;
  uint64_t v = 0;
  for (char ch : t) {
    const int d = kHexDigit[static_cast<unsigned char>(ch)];
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  return v;
}

// parse_enum, with same().
template <class E, size_t N>
bool enum_word(std::optional<std::string_view> t, const EnumNames<E, N>& table, E* out) {
  if (!t) return false;
  for (const EnumName<E>& n : table) {
    if (same(n.name, *t)) {
      *out = n.value;
      return true;
    }
  }
  return false;
}

// One body field's value (casemate_fields.h), as the reader's apply_field sets it.
bool body_field(Cursor& c, const CasemateField& f, Event* e) {
  if (f.type == FieldType::kHex) {
    if (const std::optional<uint64_t> v = c.number_field(f.key, true)) {
      e->*f.hex = *v;
      return true;
    }
  }
  const std::optional<std::string_view> t = c.field(f.key);
  switch (f.type) {
    case FieldType::kHex: {
      const std::optional<uint64_t> v = t ? hex(*t) : std::nullopt;
      if (v) e->*f.hex = *v;
      return v.has_value();
    }
    case FieldType::kMemOrder: return enum_word(t, kMemOrderNames, &e->mem_order);
    case FieldType::kDsbKind: return enum_word(t, kDsbKindNames, &e->dsb_kind);
    case FieldType::kSysreg: return enum_word(t, kSysregNames, &e->sysreg);
    case FieldType::kHintKind: return enum_word(t, kHintKindNames, &e->hint_kind);
  }
  return false;
}

// "(" KIND F(id) F(tid) [positional]: the record's head (§1.3), id resolved (§3.2).
bool head(Cursor& c, uint64_t last_id, Event* e) {
  std::string_view t;
  if (c.next(&t) != Tok::kOpen || c.next(&t) != Tok::kWord || !enum_word(std::optional(t), kEventKindNames, &e->kind)) {
    return false;
  }
  std::optional<uint64_t> id = c.number_field("id", false);
  if (!id) id = decimal(c.field("id"));
  std::optional<uint64_t> tid = c.number_field("tid", false);
  if (!tid) tid = decimal(c.field("tid"));
  if (!id || !tid || *tid > kMaxTid) return false;
  if (*id == 0 && last_id == std::numeric_limits<uint64_t>::max()) return false;
  e->id = *id == 0 ? last_id + 1 : *id;
  e->tid = static_cast<uint32_t>(*tid);
  if (!has_positional_word(e->kind)) return true;
  const Tok k = c.next(&t);
  if (k != Tok::kWord) return false;
  return e->kind == EventKind::kBarrier ? enum_word(std::optional(t), kBarrierTypeNames, &e->barrier)
                                        : enum_word(std::optional(t), kTlbiOpNames, &e->tlbi_op);
}

// src_problem(src).empty() (§1.5: a decimal LINE after the first ':'), without building a message.
bool src_ok(std::string_view src) {
  const size_t colon = src.find(':');
  if (colon == std::string_view::npos || colon + 1 == src.size()) return false;
  for (size_t i = colon + 1; i < src.size(); ++i) {
    if (src[i] < '0' || src[i] > '9') return false;
  }
  return true;
}

// F(src) ")" (§1.3, §1.5): the src string, checked.
std::optional<std::string_view> src_and_close(Cursor& c) {
  if (const std::optional<std::string_view> src = c.src_and_close()) {
    if (!src_ok(*src)) return std::nullopt;
    return src;
  }
  std::string_view t, src;
  Tok k = c.next(&t);
  if (k == Tok::kOpen) {
    if (c.next(&t) != Tok::kWord || t != "src" || c.next(&src) != Tok::kString || c.next(&t) != Tok::kClose) {
      return std::nullopt;
    }
  } else if (k == Tok::kString) {
    src = t;
  } else {
    return std::nullopt;
  }
  if (c.next(&t) != Tok::kClose || !src_ok(src)) return std::nullopt;
  return src;
}

}  // namespace

// No byte of an accepted record is a CR (§1.1) without a scan of its own: whitespace is ' ' or
// '\t' only, every word is checked against its spelling (a kind, an enum word, a key, decimal or
// hex digits), none of which holds a CR, and the string scans decline at one.
std::optional<size_t> parse_record_fast(std::string_view line, uint64_t last_id, Event* out) {
  Event e;  // every member at its default; src is set on *out, whose buffer is kept
  Cursor c(line);
  if (!head(c, last_id, &e)) return std::nullopt;
  for (const CasemateField& f : casemate_fields(e)) {
    if (!body_field(c, f, &e)) return std::nullopt;
  }
  const std::optional<std::string_view> src = src_and_close(c);
  if (!src) return std::nullopt;
  std::string buffer = std::move(out->src);
  *out = std::move(e);
  out->src = std::move(buffer);
  out->src.assign(src->data(), src->size());
  return c.position();
}

}  // namespace ptx::armtrace
