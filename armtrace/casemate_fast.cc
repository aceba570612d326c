// SPDX-License-Identifier: BSD-2-Clause
// Section numbers (§) refer to casemate-trace.md, the casemate trace format.
#include "armtrace/casemate_fast.h"

#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

#if defined(__SSE2__) && defined(__x86_64__)
#define PTX_CASEMATE_SSE2 1
#include <emmintrin.h>
#endif

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

// The word scans below (Keyed) take a word's first byte in memory as its lowest.
static_assert(std::endian::native == std::endian::little, "the casemate fast path's word scans assume little-endian");

[[gnu::always_inline]] inline uint64_t load8(const char* p) {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return x;
}
[[gnu::always_inline]] inline uint16_t load2(const char* p) {
  uint16_t x;
  std::memcpy(&x, p, 2);
  return x;
}
[[gnu::always_inline]] inline uint32_t load4(const char* p) {
  uint32_t x;
  std::memcpy(&x, p, 4);
  return x;
}

// a == b, inline: the words are short, a call to memcmp costs more than this. Whole words are
// compared, the last one overlapping the one before, so no loop runs byte by byte.
[[gnu::always_inline]] inline bool same(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (load8(x + i) != load8(y + i)) return false;
    }
    return load8(x + n - 8) == load8(y + n - 8);
  }
  if (n >= 4) return load4(x) == load4(y) && load4(x + n - 4) == load4(y + n - 4);
  if (n >= 2) return load2(x) == load2(y) && load2(x + n - 2) == load2(y + n - 2);
  return n == 0 || x[0] == y[0];
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
[[gnu::always_inline]] inline bool enum_word(std::optional<std::string_view> t, const EnumNames<E, N>& table, E* out) {
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

// *out = e with src `src`, keeping out->src's buffer, which is not rewritten when it already holds
// `src` (a run of records often shares its src, and the check's batches reuse their Events).
[[gnu::always_inline]] inline void store(const Event& e, std::string_view src, Event* out) {
  // Every member but src is copied below: a new member must be added there (this fails first).
  static_assert(sizeof(Event) == sizeof(std::string) + 80, "store() must copy every member of Event");
  out->kind = e.kind;
  out->id = e.id;
  out->tid = e.tid;
  out->line = e.line;
  out->column = e.column;
  out->address = e.address;
  out->value = e.value;
  out->size = e.size;
  out->mem_order = e.mem_order;
  out->barrier = e.barrier;
  out->dsb_kind = e.dsb_kind;
  out->tlbi_op = e.tlbi_op;
  out->sysreg = e.sysreg;
  out->hint_kind = e.hint_kind;
  out->location = e.location;
  if (!same(out->src, src)) out->src.assign(src.data(), src.size());
}

// The record kind named by `word`, through a table indexed by a hash of its length and last byte
// that has no collisions between the 14 names (checked at compile time), then one compare.
constexpr size_t kind_slot(std::string_view word) {
  return (word.size() + 3 * static_cast<unsigned char>(word.back())) & 31;
}
constexpr std::array<int8_t, 32> kKindSlots = [] {
  std::array<int8_t, 32> t{};
  t.fill(-1);
  for (size_t i = 0; i < kEventKindNames.size(); ++i) {
    if (t[kind_slot(kEventKindNames[i].name)] >= 0) throw "two kinds share a slot: change kind_slot";
    t[kind_slot(kEventKindNames[i].name)] = static_cast<int8_t>(i);
  }
  return t;
}();
[[gnu::always_inline]] inline bool kind_named(std::string_view word, EventKind* out) {
  if (word.empty()) return false;
  const int i = kKindSlots[kind_slot(word)];
  if (i < 0 || !same(kEventKindNames[static_cast<size_t>(i)].name, word)) return false;
  *out = kEventKindNames[static_cast<size_t>(i)].value;
  return true;
}

// The keyed lane: a record as ptx's writer and casemate >= 3.0 spell it, every field keyed and one
// space between tokens (§1.3): (KIND (id D) (tid D)[ POSITIONAL] (KEY VALUE)... (src "S")). It
// matches that text byte by byte and declines at the first difference.
class Keyed {
 public:
  explicit Keyed(std::string_view line) : begin_(line.data()), p_(begin_), end_(begin_ + line.size()) {}

  // The bytes of `s`, consumed (with a constant `s`, a compare or two).
  [[gnu::always_inline]] bool literal(std::string_view s) {
    if (static_cast<size_t>(end_ - p_) < s.size() || !same(std::string_view(p_, s.size()), s)) return false;
    p_ += s.size();
    return true;
  }

  // The bytes before the next `stop`, at most `max` of them, consumed (`stop` is not); nullopt
  // when no `stop` comes in time.
  [[gnu::always_inline]] std::optional<std::string_view> until(char stop, size_t max) {
    size_t n = 16;
    if (end_ - p_ >= 16) {  // two words, as to_quote() scans them: the words here are short
      n = first_byte(load8(p_), stop);
      if (n == 8) n += first_byte(load8(p_ + 8), stop);
    }
    if (n == 16) {  // not within the first 16 bytes, or fewer are left
      n = 0;
      while (p_ + n < end_ && p_[n] != stop) ++n;
      if (p_ + n == end_) return std::nullopt;
    }
    if (n > max) return std::nullopt;
    const std::string_view word(p_, n);
    p_ += n;
    return word;
  }

  // "D)": §1.4 decimal digits, at most 19 (longer ones, below 2^64 or not, are the general
  // lane's), and the field's ')'.
  [[gnu::always_inline]] bool decimal_close(uint64_t* v) {
    const char* first = p_;
    uint64_t x = 0;
    for (unsigned d; p_ < end_ && (d = static_cast<unsigned char>(*p_) - '0') < 10; ++p_) x = x * 10 + d;
    if (p_ == first || p_ - first > 19) return false;
    *v = x;
    return literal(")");
  }

  // "H)": §1.4 hex, an optional lower-case "0x" then 1-16 digits of either case, and ')'. Near
  // the line's end (or without SSE2), the word before ')' read by hex().
  [[gnu::always_inline]] bool hex_close(uint64_t* v) {
#if defined(PTX_CASEMATE_SSE2)
    const ptrdiff_t prefix = end_ - p_ >= 2 && p_[0] == '0' && p_[1] == 'x' ? 2 : 0;
    if (end_ - p_ >= prefix + 17) {
      p_ += prefix;
      return hex16_close(v);
    }
#endif
    const std::optional<std::string_view> word = until(')', 18);  // "0x" and 16 digits at most
    const std::optional<uint64_t> x = word ? hex(*word) : std::nullopt;
    if (!x || !literal(")")) return false;
    *v = *x;
    return true;
  }

#if defined(PTX_CASEMATE_SSE2)
  // hex_close() with 17 bytes readable, without a branch per digit: the 16 bytes are classified
  // and converted at once, and the digits before the first other byte are the number.
  [[gnu::always_inline]] bool hex16_close(uint64_t* v) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p_));
    const __m128i lower = _mm_or_si128(c, _mm_set1_epi8(0x20));  // 'A'-'F' -> 'a'-'f'
    // Signed compares: a byte >= 0x80 is negative, in neither range.
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(c, _mm_set1_epi8('9' + 1)));
    const __m128i letter =
        _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)), _mm_cmplt_epi8(lower, _mm_set1_epi8('f' + 1)));
    const unsigned hex = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(digit, letter)));
    const unsigned n = static_cast<unsigned>(__builtin_ctz(~hex));  // digits before the first other byte, <= 16
    if (n == 0 || p_[n] != ')') return false;  // with n == 16, a 17th digit is not ')'
    // Each byte's value: its low four bits, plus 9 for a letter (at most 15 for any byte: those
    // from the n-th on land in the low bits, which the last shift drops).
    const __m128i nibble = _mm_add_epi8(_mm_and_si128(c, _mm_set1_epi8(0x0f)), _mm_and_si128(letter, _mm_set1_epi8(9)));
    // Pairs of digits into bytes (first digit high), then the 8 bytes, first one highest.
    const __m128i pairs = _mm_and_si128(_mm_or_si128(_mm_slli_epi16(nibble, 4), _mm_srli_epi16(nibble, 8)), _mm_set1_epi16(0xff));
    const uint64_t bytes = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_packus_epi16(pairs, pairs)));
    *v = __builtin_bswap64(bytes) >> (4 * (16 - n));
    p_ += n + 1;
    return true;
  }
#endif

  // "S\"))": the src text up to its closing quote, on this line (no LF, no CR: §1.1; other control
  // bytes decline too), checked as §1.5 asks (a ':' then decimal digits to the end), and the ')'
  // of src and of the record.
  std::optional<std::string_view> src_close() {
    const char* first = p_;
    const char* colon = nullptr;
    if (!to_quote(&colon)) return std::nullopt;
    const char* quote = p_;
    if (quote - first > static_cast<ptrdiff_t>(CasemateLexer::kMaxTokenBytes) || !literal("\"))")) return std::nullopt;
    if (colon == nullptr || colon + 1 >= quote) return std::nullopt;  // no ':' in src, or no LINE
    for (const char* d = colon + 1; d < quote; ++d) {
      if (*d < '0' || *d > '9') return std::nullopt;
    }
    return std::string_view(first, static_cast<size_t>(quote - first));
  }

  size_t position() const { return static_cast<size_t>(p_ - begin_); }

 private:
  static constexpr uint64_t kOnes = 0x0101010101010101, kHighs = 0x8080808080808080;

  // The high bit of each byte of `x` that is zero, exact for the lowest such byte (bytes above it
  // may be flagged falsely: "Bit Twiddling Hacks", determine if a word has a zero byte).
  [[gnu::always_inline]] static uint64_t zero_bytes(uint64_t x) { return (x - kOnes) & ~x & kHighs; }
  // The index of the first byte of `x` (in memory order: little-endian) that is `c`, or 8.
  [[gnu::always_inline]] static size_t first_byte(uint64_t x, char c) {
    const uint64_t hits = zero_bytes(x ^ (kOnes * static_cast<unsigned char>(c)));
    return hits == 0 ? 8 : static_cast<size_t>(__builtin_ctzll(hits)) / 8;
  }

  // Moves to the next '"'; false at a byte below 0x20 (LF and CR among them) or the end first.
  // Sets *colon to the first ':' on the way, or leaves it nullptr; or to a ':' past the '"' (the
  // caller compares). Eight bytes a step while eight are left, without a branch per byte: the
  // lowest byte that is '"' or below 0x20 is exact (as zero_bytes()'s lowest; "x - 0x20 per byte"
  // borrows the same way), and so is the lowest ':'.
  bool to_quote(const char** colon) {
    for (; end_ - p_ >= 8; p_ += 8) {
      const uint64_t x = load8(p_);
      const uint64_t colons = zero_bytes(x ^ (kOnes * ':'));
      if (*colon == nullptr && colons != 0) *colon = p_ + __builtin_ctzll(colons) / 8;
      const uint64_t stops = zero_bytes(x ^ (kOnes * '"')) | ((x - kOnes * 0x20) & ~x & kHighs);
      if (stops != 0) {
        p_ += __builtin_ctzll(stops) / 8;
        return *p_ == '"';
      }
    }
    for (; p_ < end_; ++p_) {
      if (*p_ == '"') return true;
      if (static_cast<unsigned char>(*p_) < 0x20) return false;
      if (*p_ == ':' && *colon == nullptr) *colon = p_;
    }
    return false;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
};

// One body field "(KEY VALUE)" of the keyed lane, with the space before it.
bool keyed_field(Keyed& k, const CasemateField& f, Event* e) {
  if (!k.literal(" (") || !k.literal(f.key) || !k.literal(" ")) return false;
  if (f.type == FieldType::kHex) return k.hex_close(&(e->*f.hex));
  const std::optional<std::string_view> word = k.until(')', 32);
  if (!word || !k.literal(")")) return false;
  switch (f.type) {
    case FieldType::kHex: return false;
    case FieldType::kMemOrder: return enum_word(word, kMemOrderNames, &e->mem_order);
    case FieldType::kDsbKind: return enum_word(word, kDsbKindNames, &e->dsb_kind);
    case FieldType::kSysreg: return enum_word(word, kSysregNames, &e->sysreg);
    case FieldType::kHintKind: return enum_word(word, kHintKindNames, &e->hint_kind);
  }
  return false;
}

// The keyed lane (class Keyed): the record's length, or 0 and *out as it was.
[[gnu::always_inline]] inline size_t parse_keyed_record(std::string_view line, uint64_t last_id, Event* out) {
  Keyed k(line);
  Event e;  // every member at its default
  uint64_t id = 0, tid = 0;
  if (!k.literal("(")) return 0;
  const std::optional<std::string_view> kind = k.until(' ', 16);
  if (!kind || !kind_named(*kind, &e.kind) || !k.literal(" (id ") || !k.decimal_close(&id) ||
      !k.literal(" (tid ") || !k.decimal_close(&tid) || tid > kMaxTid) {
    return 0;
  }
  if (id == 0 && last_id == std::numeric_limits<uint64_t>::max()) return 0;  // §3.2
  e.id = id == 0 ? last_id + 1 : id;
  e.tid = static_cast<uint32_t>(tid);
  if (has_positional_word(e.kind)) {
    const std::optional<std::string_view> word = k.literal(" ") ? k.until(' ', 16) : std::nullopt;
    if (!(e.kind == EventKind::kBarrier ? enum_word(word, kBarrierTypeNames, &e.barrier)
                                        : enum_word(word, kTlbiOpNames, &e.tlbi_op))) {
      return 0;
    }
  }
  for (const CasemateField& f : casemate_fields(e)) {
    if (!keyed_field(k, f, &e)) return 0;
  }
  const std::optional<std::string_view> src = k.literal(" (src \"") ? k.src_close() : std::nullopt;
  if (!src) return 0;
  store(e, *src, out);
  return k.position();
}

// The general lane: any spelling of a one-line record that the keyed lane declined.
[[gnu::noinline]] size_t parse_any_record(std::string_view line, uint64_t last_id, Event* out) {
  Event e;  // every member at its default; src is set on *out, whose buffer is kept
  Cursor c(line);
  if (!head(c, last_id, &e)) return 0;
  for (const CasemateField& f : casemate_fields(e)) {
    if (!body_field(c, f, &e)) return 0;
  }
  const std::optional<std::string_view> src = src_and_close(c);
  if (!src) return 0;
  store(e, *src, out);
  return c.position();
}

}  // namespace

// Two lanes, both exact: the keyed one takes the records as the writers spell them, the general
// one every other one-line spelling. No byte of an accepted record is a CR (§1.1) without a scan
// of its own: whitespace is ' ' or '\t' only, every word is checked against its spelling (a kind,
// an enum word, a key, decimal or hex digits), none of which holds a CR, and the string scans
// decline at one.
size_t parse_record_fast(std::string_view line, uint64_t last_id, Event* out) {
  if (const size_t n = parse_keyed_record(line, last_id, out); n != 0) return n;
  return parse_any_record(line, last_id, out);
}

}  // namespace ptx::armtrace
