// SPDX-License-Identifier: BSD-2-Clause
// Replays the seed corpus of scenario_fuzz and every input it found a problem with
// (tests/fuzz/regressions/scenario/) through the fuzz target's oracle (fuzz/scenario_oracle.h).
// Seeds named valid-* parse, bad-* are refused.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz/scenario_oracle.h"
#include "tests/fuzz/replay_util.h"

namespace ptx {
namespace {

namespace fs = std::filesystem;

TEST(ScenarioFuzz, SeedCorpusKeepsTheContract) {
  const std::vector<fs::path> files = test::fuzz_inputs("corpus", "scenario");
  EXPECT_GE(files.size(), 10u);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    bool accepted = false;
    EXPECT_EQ(fuzz::check_scenario_input(test::file_bytes(f), &accepted), "");
    EXPECT_TRUE(test::named_valid(f) || test::named_bad(f));
    EXPECT_EQ(accepted, test::named_valid(f)) << (accepted ? "accepted" : "refused");
  }
}

TEST(ScenarioFuzz, EveryFoundInputKeepsTheContract) {
  test::expect_oracle_holds("regressions", "scenario",
                            [](const std::string& bytes) { return fuzz::check_scenario_input(bytes); });
}

// The oracle can tell: a text whose round trip would differ is caught (a name is kept as is).
TEST(ScenarioFuzz, TheOracleSeesARoundTrip) {
  bool accepted = false;
  EXPECT_EQ(fuzz::check_scenario_input("scenario x\nthread access 4096\n", &accepted), "");
  EXPECT_TRUE(accepted);
  EXPECT_EQ(fuzz::check_scenario_input("thread access 4096\n", &accepted), "");
  EXPECT_FALSE(accepted);
}

}  // namespace
}  // namespace ptx
