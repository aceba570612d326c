// SPDX-License-Identifier: BSD-2-Clause
// KeyedPermutation (workload/keyed_permutation.h): a bijection of [0, n) for every n, including
// the edges (0, 1, 2, powers of two and one past them, odd bit counts), deterministic from
// (n, key), different keys giving different orders, and far from the identity.
#include "workload/keyed_permutation.h"

#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace ptx::workload {
namespace {

std::vector<uint64_t> Images(uint64_t n, uint64_t key) {
  const KeyedPermutation p(n, key);
  std::vector<uint64_t> out;
  for (uint64_t i = 0; i < n; ++i) out.push_back(p(i));
  return out;
}

TEST(KeyedPermutation, IsABijectionOfEverySize) {
  std::vector<uint64_t> sizes = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 255, 256, 257, 1000, 4095, 4097};
  for (uint64_t n = 18; n < 300; n += 7) sizes.push_back(n);
  sizes.push_back((uint64_t{1} << 17) + 3);
  for (uint64_t n : sizes) {
    for (uint64_t key : {0ULL, 1ULL, 0xDEADBEEFULL}) {
      std::vector<bool> hit(n, false);
      for (uint64_t x : Images(n, key)) {
        ASSERT_LT(x, n) << "n " << n << " key " << key;
        ASSERT_FALSE(hit[x]) << "n " << n << " key " << key << ": " << x << " twice";
        hit[x] = true;
      }
    }
  }
}

TEST(KeyedPermutation, DeterministicAndKeyed) {
  EXPECT_EQ(Images(1000, 7), Images(1000, 7));
  EXPECT_NE(Images(1000, 7), Images(1000, 8));
  EXPECT_EQ(KeyedPermutation(0, 1).size(), 0u);
  EXPECT_EQ(KeyedPermutation(1, 1)(0), 0u);
}

// A shuffle moves almost everything: few fixed points, and neighbours land far apart on average.
TEST(KeyedPermutation, ScattersItsInput) {
  const uint64_t n = 100000;
  const std::vector<uint64_t> img = Images(n, 42);
  uint64_t fixed = 0;
  double gap = 0;
  for (uint64_t i = 0; i < n; ++i) {
    fixed += img[i] == i;
    if (i > 0) gap += static_cast<double>(img[i] > img[i - 1] ? img[i] - img[i - 1] : img[i - 1] - img[i]);
  }
  EXPECT_LT(fixed, 20u);                            // a random permutation has 1 on average
  EXPECT_GT(gap / static_cast<double>(n - 1), n / 4.0);  // n / 3 for a random one
  uint64_t first_half_low = 0;  // the first half of the order takes about half of each half
  for (uint64_t i = 0; i < n / 2; ++i) first_half_low += img[i] < n / 2;
  EXPECT_NEAR(static_cast<double>(first_half_low), n / 4.0, n / 50.0);
}

}  // namespace
}  // namespace ptx::workload
