// SPDX-License-Identifier: BSD-2-Clause
// The oracle of number_fuzz (and of tests/base/fuzz_regressions_test.cc): base/number.h's
// parse_u64 and parse_hex_digits against reference parsers written here as plain digit loops
// from the header's rules, and every accepted value printed back and re-parsed.
#ifndef PTX_FUZZ_NUMBER_ORACLE_H_
#define PTX_FUZZ_NUMBER_ORACLE_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "base/number.h"

namespace ptx::fuzz {

// 0..15 for a hexadecimal digit (either case), -1 for any other character.
inline int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// 1..max_digits digits of `base` (10 or 16) and nothing else, below 2^64.
inline std::optional<uint64_t> reference_digits(std::string_view digits, int base, size_t max_digits) {
  if (digits.empty() || digits.size() > max_digits) return std::nullopt;
  uint64_t v = 0;
  for (char c : digits) {
    const int d = hex_digit_value(c);
    if (d < 0 || d >= base) return std::nullopt;
    if (v > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      return std::nullopt;  // v * base + d would be 2^64 or more
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return v;
}

// parse_u64's rules: "0x"/"0X" then hex digits, or decimal digits.
inline std::optional<uint64_t> reference_u64(std::string_view text) {
  const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  if (hex) return reference_digits(text.substr(2), 16, std::string_view::npos);
  return reference_digits(text, 10, std::string_view::npos);
}

inline std::string show(std::optional<uint64_t> v) { return v ? fmt::format("{:#x}", *v) : "nullopt"; }

// "" when `v`, printed in decimal, 0x-hex and bare hex, reads back as `v`.
inline std::string check_prints_back(uint64_t v) {
  const std::string dec = fmt::format("{}", v), hex = fmt::format("{:#x}", v), bare = fmt::format("{:x}", v);
  if (parse_u64(dec) != v) return "parse_u64(\"" + dec + "\") is not " + dec;
  if (parse_u64(hex) != v) return "parse_u64(\"" + hex + "\") is not " + hex;
  if (parse_hex_digits(bare) != v) return "parse_hex_digits(\"" + bare + "\") is not " + hex;
  return "";
}

// "" when both parsers agree with their references on `text` and their values print back.
// `accepted` (if given) is set to whether parse_u64 accepts `text`.
inline std::string check_number_input(std::string_view text, bool* accepted = nullptr) {
  const std::optional<uint64_t> u = parse_u64(text), u_ref = reference_u64(text);
  if (accepted != nullptr) *accepted = u.has_value();
  if (u != u_ref) return fmt::format("parse_u64 gives {}, the reference {}", show(u), show(u_ref));
  const std::optional<uint64_t> h = parse_hex_digits(text), h_ref = reference_digits(text, 16, 16);
  if (h != h_ref) return fmt::format("parse_hex_digits gives {}, the reference {}", show(h), show(h_ref));
  if (u) {
    if (std::string p = check_prints_back(*u); !p.empty()) return p;
  }
  if (h) return check_prints_back(*h);
  return "";
}

}  // namespace ptx::fuzz

#endif  // PTX_FUZZ_NUMBER_ORACLE_H_
