// SPDX-License-Identifier: BSD-2-Clause
// ExactCount (explorer/sequence_count.h): the counts of Counts compare, order, add and print by
// value whether they are held inline (below 2^64) or share a BigCount, and a copy of a large
// count shares its digits.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>

#include "explorer/exploration.h"
#include "explorer/sequence_count.h"

namespace ptx {
namespace {

const BigCount kTwoPow64 = BigCount(1) << 64;

TEST(ExactCountTest, SmallAndLargeValues) {
  const ExactCount zero, two = 2, max = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(zero, 0);
  EXPECT_TRUE(two.fits_u64());
  EXPECT_EQ(two.u64(), 2u);
  EXPECT_TRUE(max.fits_u64());
  const ExactCount big = kTwoPow64;
  EXPECT_FALSE(big.fits_u64());
  EXPECT_EQ(big.value(), kTwoPow64);
  EXPECT_EQ(ExactCount(BigCount(7)), 7);  // canonical: a small BigCount is held inline
  EXPECT_TRUE(ExactCount(BigCount(7)).fits_u64());
  EXPECT_EQ(ExactCount(kTwoPow64 - 1), max);  // from an expression
  EXPECT_LT(two, max);
  EXPECT_LT(max, big);
  EXPECT_GT(big, 0);
  EXPECT_EQ(to_string(big), "18446744073709551616");
  EXPECT_EQ(big.str(), "18446744073709551616");  // as BigCount's
  EXPECT_EQ(two.convert_to<double>(), 2.0);
  std::ostringstream os;
  os << big << " " << two;
  EXPECT_EQ(os.str(), "18446744073709551616 2");
}

TEST(ExactCountTest, AdditionCarriesPast64Bits) {
  ExactCount c = std::numeric_limits<uint64_t>::max();
  c += 1;
  EXPECT_EQ(c, ExactCount(kTwoPow64));
  EXPECT_FALSE(c.fits_u64());
  c += ExactCount(kTwoPow64);
  EXPECT_EQ(c.value(), 2 * kTwoPow64);
  ExactCount d = 3;
  d += 4;
  EXPECT_EQ(d, 7);
  EXPECT_EQ(ExactCount(5) + ExactCount(kTwoPow64), kTwoPow64 + 5);
  EXPECT_EQ(ExactCount(kTwoPow64) - ExactCount(1), BigCount(std::numeric_limits<uint64_t>::max()));
}

TEST(ExactCountTest, CopiesAndEqualValuesCompareEqual) {
  const ExactCount a = sequence_count(200);
  const ExactCount copy = a;          // shares the digits
  const ExactCount other = sequence_count(200);  // its own digits, the same value
  EXPECT_EQ(a, copy);
  EXPECT_EQ(a, other);
  EXPECT_NE(a, ExactCount(sequence_count(199)));
  ExactCount sum = 0;
  sum += a;  // adding to zero shares too
  EXPECT_EQ(sum, a);
  const Counts c{sequence_count(199), sequence_count(200) - sequence_count(199), 0};
  EXPECT_EQ(c.before + c.after + c.other, sequence_count(200));
}

}  // namespace
}  // namespace ptx
