// SPDX-License-Identifier: BSD-2-Clause
#include "armtrace/event.h"

#include <fmt/format.h>

namespace ptx::armtrace {

namespace {

constexpr uint64_t kBits43To0 = (uint64_t{1} << 44) - 1;
constexpr uint64_t kBits47To1 = ((uint64_t{1} << 48) - 1) & ~uint64_t{1};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

template <class E, size_t N>
bool listed(const EnumNames<E, N>& table, E e) {
  return enum_name(table, e) != "?";
}

// Do `a` and `b` agree on the members `kind` uses (the table in event.h)?
bool same_body(const Event& a, const Event& b) {
  switch (a.kind) {
    case EventKind::kMemWrite:
      return a.mem_order == b.mem_order && a.address == b.address && a.value == b.value;
    case EventKind::kMemRead:
      return a.address == b.address && a.value == b.value;
    case EventKind::kMemInit:
    case EventKind::kMemFree:
      return a.address == b.address && a.size == b.size;
    case EventKind::kMemSet:
      return a.address == b.address && a.size == b.size && a.value == b.value;
    case EventKind::kBarrier:
      return a.barrier == b.barrier &&
             (a.barrier != BarrierType::kDsb || a.dsb_kind == b.dsb_kind);
    case EventKind::kTlbi:
      return a.tlbi_op == b.tlbi_op &&
             (!tlbi_op_info(a.tlbi_op).takes_value || a.value == b.value);
    case EventKind::kSysregWrite:
      return a.sysreg == b.sysreg && a.value == b.value;
    case EventKind::kHint:
      return a.hint_kind == b.hint_kind && a.location == b.location && a.value == b.value;
    case EventKind::kLock:
    case EventKind::kTrylock:
    case EventKind::kUnlock:
    case EventKind::kReadLock:
    case EventKind::kReadUnlock:
      return a.address == b.address;
  }
  return false;
}

// "" when every enum member `e.kind` uses holds a listed enumerator.
std::string enum_problem(const Event& e) {
  switch (e.kind) {
    case EventKind::kMemWrite:
      return listed(kMemOrderNames, e.mem_order) ? "" : "mem_order is not plain, release or cas";
    case EventKind::kBarrier:
      if (!listed(kBarrierTypeNames, e.barrier)) return "barrier is not dsb or isb";
      if (e.barrier == BarrierType::kDsb && !listed(kDsbKindNames, e.dsb_kind)) {
        return "dsb_kind is not ish, ishst, nsh or nshst";
      }
      return "";
    case EventKind::kTlbi:
      if (!listed(kTlbiOpNames, e.tlbi_op)) return "tlbi_op is not one of the 14 TLBI operations";
      if (!tlbi_op_info(e.tlbi_op).takes_value && e.value != 0) {
        return fmt::format("tlbi {} takes no value, but value is {:#x}",
                           enum_name(kTlbiOpNames, e.tlbi_op), e.value);
      }
      return "";
    case EventKind::kSysregWrite:
      return listed(kSysregNames, e.sysreg) ? "" : "sysreg is not one of the 7 registers";
    case EventKind::kHint:
      return listed(kHintKindNames, e.hint_kind) ? "" : "hint_kind is not one of the 4 hints";
    default:
      return listed(kEventKindNames, e.kind) ? "" : "kind is not one of the 14 record kinds";
  }
}

// "" when `src` is short printable ASCII without '"'.
std::string src_text_problem(std::string_view src) {
  if (src.size() > kMaxSrcBytes) {
    return fmt::format("src is {} bytes long, longer than {} (§1.2)", src.size(), kMaxSrcBytes);
  }
  for (char c : src) {
    if (c == '"') return "src contains '\"' (strings have no escapes, §1.2)";
    if (c < 0x20 || c > 0x7e) return "src contains a byte that is not printable ASCII";
  }
  return "";
}

}  // namespace

const TlbiOpInfo& tlbi_op_info(TlbiOp op) {
  const size_t i = static_cast<size_t>(op);
  return kTlbiOps[i < kTlbiOps.size() ? i : 0];
}

bool same_event(const Event& a, const Event& b) {
  return a.kind == b.kind && a.id == b.id && a.tid == b.tid && a.src == b.src && same_body(a, b);
}

std::string escape_for_message(std::string_view text, size_t max_bytes) {
  std::string s;
  for (size_t i = 0; i < text.size() && i < max_bytes; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c <= 0x7e && c != '\\') {
      s += static_cast<char>(c);
    } else {
      s += fmt::format("\\x{:02x}", c);
    }
  }
  if (text.size() > max_bytes) s += "...";
  return s;
}

std::string src_problem(std::string_view src) {
  const size_t colon = src.find(':');
  if (colon == std::string_view::npos) {
    return fmt::format("src \"{}\" has no ':' (src is \"FILE:LINE\", §1.5)",
                       escape_for_message(src));
  }
  const std::string_view line = src.substr(colon + 1);
  bool digits = !line.empty();
  for (char c : line) digits = digits && is_digit(c);
  if (!digits) {
    return fmt::format(
        "src \"{}\" has no decimal line number after its first ':' (src is \"FILE:LINE\", LINE "
        "decimal digits only, §1.4, §1.5)",
        escape_for_message(src));
  }
  return "";
}

Status validate_event(const Event& e) {
  if (e.tid > kMaxTid) return bad_input("tid {} out of range (tid is 0..{}, §2)", e.tid, kMaxTid);
  std::string problem = src_text_problem(e.src);
  if (problem.empty()) problem = src_problem(e.src);
  if (problem.empty()) problem = enum_problem(e);
  if (!problem.empty()) return bad_input("{}", problem);
  return ok_status();
}

TlbiValue decode_tlbi_value(uint64_t value) {
  TlbiValue v;
  v.address = (value & kBits43To0) << 12;
  v.ttl = static_cast<uint8_t>((value >> 44) & 0xf);
  if ((v.ttl & 0b1100) == 0b0100) v.level = static_cast<uint8_t>(v.ttl & 0b11);
  v.asid = static_cast<uint16_t>(value >> 48);
  return v;
}

TlbiRange decode_tlbi_range(uint64_t value, bool lpa2) {
  TlbiRange r;
  const uint64_t num = (value >> 39) & 0x1f, scale = (value >> 44) & 0x3, ttl = (value >> 37) & 0x3;
  r.begin = (value & ((uint64_t{1} << 37) - 1)) << (lpa2 ? 16 : 12);
  r.pages = (num + 1) << (5 * scale + 1);
  if (ttl != 0) r.level = static_cast<uint8_t>(ttl);
  r.tg = static_cast<uint8_t>((value >> 46) & 0x3);
  return r;
}

TableBaseValue decode_table_base(uint64_t value) {
  return TableBaseValue{value & kBits47To1, static_cast<uint16_t>(value >> 48), (value & 1) != 0};
}

TranslationControlValue decode_translation_control(uint64_t value) {
  return TranslationControlValue{static_cast<uint8_t>(value & 0x3f),
                                 static_cast<uint8_t>((value >> 14) & 0x3)};
}

}  // namespace ptx::armtrace
