// SPDX-License-Identifier: BSD-2-Clause
// Replays the seed corpus of number_fuzz and every input it found a problem with
// (tests/fuzz/regressions/number/) through the fuzz target's differential oracle
// (fuzz/number_oracle.h): parse_u64 and parse_hex_digits against reference parsers. Seeds named
// valid-* are accepted by parse_u64, bad-* refused.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz/number_oracle.h"
#include "tests/fuzz/replay_util.h"

namespace ptx {
namespace {

namespace fs = std::filesystem;

TEST(NumberFuzz, SeedCorpusAgreesWithTheReference) {
  const std::vector<fs::path> files = test::fuzz_inputs("corpus", "number");
  EXPECT_GE(files.size(), 5u);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    bool accepted = false;
    EXPECT_EQ(fuzz::check_number_input(test::file_bytes(f), &accepted), "");
    EXPECT_TRUE(test::named_valid(f) || test::named_bad(f));
    EXPECT_EQ(accepted, test::named_valid(f)) << (accepted ? "accepted" : "refused");
  }
}

TEST(NumberFuzz, EveryFoundInputAgreesWithTheReference) {
  test::expect_oracle_holds("regressions", "number",
                            [](const std::string& bytes) { return fuzz::check_number_input(bytes); });
}

// The oracle can tell: the reference refuses what the header forbids.
TEST(NumberFuzz, ReferenceFollowsTheHeader) {
  EXPECT_EQ(fuzz::reference_u64("0x1000"), 4096u);
  EXPECT_EQ(fuzz::reference_u64("18446744073709551615"), UINT64_MAX);
  for (const char* bad : {"", "0x", "-1", "+1", " 1", "1 ", "0x1g", "18446744073709551616", "0x10000000000000000"}) {
    EXPECT_FALSE(fuzz::reference_u64(bad).has_value()) << bad;
  }
  EXPECT_FALSE(fuzz::reference_digits("00000000000000001", 16, 16).has_value());  // 17 digits
}

}  // namespace
}  // namespace ptx
