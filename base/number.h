// SPDX-License-Identifier: BSD-2-Clause
// Numbers in ptx's own text inputs (workload files, CLI arguments, ptx traces): decimal, or
// hexadecimal with a 0x/0X prefix, the whole text being the number, below 2^64. Parsed with
// std::from_chars (no locale, no sign, no whitespace, no overflow wrap).
#ifndef PTX_BASE_NUMBER_H_
#define PTX_BASE_NUMBER_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace ptx {

// "4096" or "0x1000" -> 4096. nullopt for "", "0x", "-1", "+1", " 1", "1 ", "0x1g", 2^64 and above.
std::optional<uint64_t> parse_u64(std::string_view text);

// Hexadecimal digits only (no prefix), 1..16 of them: "7f2c0008" -> 0x7f2c0008. nullopt otherwise.
std::optional<uint64_t> parse_hex_digits(std::string_view digits);

}  // namespace ptx

#endif  // PTX_BASE_NUMBER_H_
