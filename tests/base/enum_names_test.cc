// SPDX-License-Identifier: BSD-2-Clause
#include "base/enum_names.h"

#include <gtest/gtest.h>

namespace ptx {
namespace {

enum class Color { kRed, kGreen, kBlue };
constexpr EnumNames<Color, 3> kColorNames{{{Color::kRed, "red"}, {Color::kGreen, "green"}, {Color::kBlue, "blue"}}};

TEST(EnumNamesTest, NameParseMapAndChoices) {
  static_assert(enum_name(kColorNames, Color::kGreen) == "green");
  EXPECT_EQ(parse_enum(kColorNames, "blue"), Color::kBlue);
  EXPECT_EQ(parse_enum(kColorNames, "Blue"), std::nullopt);  // exact spelling
  EXPECT_EQ(parse_enum(kColorNames, ""), std::nullopt);
  const auto m = enum_map(kColorNames);
  EXPECT_EQ(m.size(), 3u);
  EXPECT_EQ(m.at("red"), Color::kRed);
  EXPECT_EQ(enum_choices(kColorNames), "red, green or blue");
  EXPECT_EQ(enum_name(kColorNames, static_cast<Color>(7)), "?");
}

}  // namespace
}  // namespace ptx
