// SPDX-License-Identifier: BSD-2-Clause
#include "base/number.h"

#include <gtest/gtest.h>

namespace ptx {
namespace {

TEST(ParseU64Test, DecimalAndPrefixedHex) {
  EXPECT_EQ(parse_u64("0"), 0u);
  EXPECT_EQ(parse_u64("4096"), 4096u);
  EXPECT_EQ(parse_u64("0x1000"), 4096u);
  EXPECT_EQ(parse_u64("0X1000"), 4096u);
  EXPECT_EQ(parse_u64("0xffffffffffffffff"), UINT64_MAX);
  EXPECT_EQ(parse_u64("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_u64("0xAbC"), 0xabcu);
}

TEST(ParseU64Test, RejectsEverythingElse) {
  for (const char* bad : {"", "0x", "-1", "+1", " 1", "1 ", "0x1g", "12x", "0x-1", "0x+1", "x10",
                          "18446744073709551616", "0x10000000000000000", "1e3", "0b101"}) {
    EXPECT_EQ(parse_u64(bad), std::nullopt) << bad;
  }
}

TEST(ParseHexDigitsTest, OneToSixteenDigits) {
  EXPECT_EQ(parse_hex_digits("7f2c0008"), 0x7f2c0008u);
  EXPECT_EQ(parse_hex_digits("FFFFFFFFFFFFFFFF"), UINT64_MAX);
  for (const char* bad : {"", "0x10", "10000000000000000", "-1", "g", "1 "}) {
    EXPECT_EQ(parse_hex_digits(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace ptx
