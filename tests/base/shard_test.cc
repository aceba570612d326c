// SPDX-License-Identifier: BSD-2-Clause
#include "base/shard.h"

#include <array>
#include <vector>

#include <gtest/gtest.h>

namespace ptx {
namespace {

TEST(Shard, ParsesIOfNAndRefusesTheRest) {
  const StatusOr<Shard> s = parse_shard("2/5");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, (Shard{2, 5}));
  EXPECT_EQ(s->text(), "2/5");
  for (const char* bad : {"", "1", "5/5", "1/0", "-1/2", "a/b", "1/2/3", "0/1000001"}) {
    const StatusOr<Shard> b = parse_shard(bad);
    ASSERT_FALSE(b.ok()) << bad;
    EXPECT_EQ(b.status().code(), StatusCode::kBadInput) << bad;
    EXPECT_NE(b.status().message().find("--shard '" + std::string(bad) + "'"), std::string::npos) << b.status().to_string();
  }
  EXPECT_NE(parse_shard("x", "r.json \"shard\"").status().message().find("r.json \"shard\" 'x'"), std::string::npos);
}

// Every key is owned by exactly one shard, the whole run owns every key, and consecutive keys
// spread evenly (no shard gets more than 1.2x its share of 30,000 consecutive lines).
TEST(Shard, PartsAreDisjointCompleteAndBalanced) {
  constexpr uint32_t kShards = 7;
  std::array<uint64_t, kShards> owned{};
  for (uint64_t key = 0; key < 30000; ++key) {
    EXPECT_TRUE(Shard{}.owns(key));
    int owners = 0;
    for (uint32_t i = 0; i < kShards; ++i) {
      if (Shard{i, kShards}.owns(key)) {
        ++owners;
        ++owned[i];
      }
    }
    ASSERT_EQ(owners, 1) << key;
  }
  for (uint32_t i = 0; i < kShards; ++i) EXPECT_LT(owned[i], 30000 / kShards * 12 / 10) << i;
}

}  // namespace
}  // namespace ptx
