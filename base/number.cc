// SPDX-License-Identifier: BSD-2-Clause
#include "base/number.h"

#include <charconv>

namespace ptx {

namespace {

std::optional<uint64_t> parse_in_base(std::string_view text, int base) {
  if (text.empty()) return std::nullopt;
  uint64_t v = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v, base);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

}  // namespace

std::optional<uint64_t> parse_u64(std::string_view text) {
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    const std::string_view digits = text.substr(2);
    // from_chars would take a second sign or prefix as "no digits"; only digits are allowed.
    if (digits.front() == '-' || digits.front() == '+') return std::nullopt;
    return parse_in_base(digits, 16);
  }
  if (!text.empty() && (text.front() < '0' || text.front() > '9')) return std::nullopt;
  return parse_in_base(text, 10);
}

std::optional<uint64_t> parse_hex_digits(std::string_view digits) {
  if (digits.empty() || digits.size() > 16) return std::nullopt;
  if (digits.front() == '-' || digits.front() == '+') return std::nullopt;
  return parse_in_base(digits, 16);
}

}  // namespace ptx
