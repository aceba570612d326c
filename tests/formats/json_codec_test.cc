// SPDX-License-Identifier: BSD-2-Clause
// The JSON form of ptx's records (formats/json_codec.h): hex strings, counts as numbers below 2^64
// and decimal strings above, MapOp / Update / Counts / Violation, and the enums by their names.
#include "formats/json_codec.h"

#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace ptx {
namespace {

using nlohmann::json;

const BigCount kTwoPow64 = BigCount(1) << 64;

TEST(JsonCodec, Hex) {
  EXPECT_EQ(hex(0), "0x0");
  EXPECT_EQ(hex(0x1f), "0x1f");
  EXPECT_EQ(hex(0x40000000), "0x40000000");
  EXPECT_EQ(hex(std::numeric_limits<uint64_t>::max()), "0xffffffffffffffff");
}

TEST(JsonCodec, CountsBelow2Pow64AreNumbers) {
  for (const BigCount& c : {BigCount(0), BigCount(65), BigCount(9864101), BigCount(kTwoPow64 - 1)}) {
    const json j = count_json(c);
    ASSERT_TRUE(j.is_number_unsigned()) << j.dump();
    EXPECT_EQ(BigCount(j.get<uint64_t>()), c);
  }
  EXPECT_EQ(count_json(kTwoPow64 - 1).dump(), "18446744073709551615");
}

TEST(JsonCodec, CountsFrom2Pow64AreDecimalStrings) {
  EXPECT_EQ(count_json(kTwoPow64), json("18446744073709551616"));
  EXPECT_EQ(count_json(sequence_count(25)), json(to_string(sequence_count(25))));
  EXPECT_EQ(count_json(BigCount(1) << 100), json("1267650600228229401496703205376"));
}

TEST(JsonCodec, Enums) {
  EXPECT_EQ(json(SectionPolicy::kSekvm), json("sekvm"));
  EXPECT_EQ(json(SectionPolicy::kBatched), json("batched"));
  EXPECT_EQ(json(EngineVariant::kDirtyReuse), json("dirty-reuse"));
  EXPECT_EQ(json(ExploreMode::kFast), json("fast"));
  EXPECT_EQ(json(ExploreMode::kFaithful), json("faithful"));
  EXPECT_EQ(json(CompareMode::kDescriptor), json("descriptor"));
  EXPECT_EQ(json(CompareMode::kTranslation), json("translation"));
}

TEST(JsonCodec, MapOp) {
  const json j = MapOp{0x40000000, 3, 0x10000007ffULL};
  EXPECT_EQ(j.dump(), R"({"descriptor":"0x10000007ff","ipa":"0x40000000","kind":"map","level":3})");
  EXPECT_EQ(json(MapOp{0x200000, 2, 0x7fd}),
            (json{{"kind", "map"}, {"ipa", "0x200000"}, {"level", 2}, {"descriptor", "0x7fd"}}));
  EXPECT_EQ(json(MapOp{0x200000, 2, 0, OpKind::kUnmap}),
            (json{{"kind", "unmap"}, {"ipa", "0x200000"}, {"level", 2}, {"descriptor", "0x0"}}));
}

TEST(JsonCodec, UpdateOfEveryKind) {
  const char* names[] = {"PGD", "PUD", "PMD", "PTE"};
  for (int k = 0; k < 4; ++k) {
    const Update u{static_cast<UpdateKind>(k), 0x10000 + 8 * static_cast<uint64_t>(k), 0, 0x11003};
    const json j = u;
    EXPECT_EQ(j, (json{{"kind", names[k]}, {"entry", hex(u.entry)}, {"old", "0x0"}, {"new", "0x11003"}}));
  }
  const json j = Update{UpdateKind::kPte, 0x911008, 0x5000 | 0x7FF, 0};
  EXPECT_EQ(j.dump(), R"({"entry":"0x911008","kind":"PTE","new":"0x0","old":"0x57ff"})");
}

TEST(JsonCodec, Counts) {
  const json small = Counts{2, 3, 0};
  EXPECT_EQ(small.dump(), R"({"after":3,"before":2,"other":0})");
  const json big = Counts{kTwoPow64, 1, kTwoPow64 * 3};
  EXPECT_EQ(big, (json{{"before", "18446744073709551616"}, {"after", 1}, {"other", "55340232221128654848"}}));
}

TEST(JsonCodec, Violation) {
  Violation v;
  v.ipa = 0x7000;
  v.before = 0x57ff;
  v.after = 0x67ff;
  v.observed = 0;
  v.sequences = 3;
  v.witness = {0, 2};
  const json j = v;
  EXPECT_EQ(j.dump(),
            R"({"after":"0x67ff","before":"0x57ff","class":"wrong-translation","ipa":"0x7000","observed":"0x0","sequences":3,"witness":[0,2]})");
  v.sequences = kTwoPow64;
  v.witness.clear();
  const json big = v;
  EXPECT_EQ(big["sequences"], json("18446744073709551616"));
  EXPECT_EQ(big["witness"], json::array());
}

}  // namespace
}  // namespace ptx
