// SPDX-License-Identifier: BSD-2-Clause
// Replays the seed corpus of shard_merge_fuzz and every input it found a problem with
// (tests/fuzz/regressions/shard_merge/) through the fuzz target's oracle
// (fuzz/shard_merge_oracle.h). Seeds named valid-* join (as a report or a SARIF log), bad-* are
// refused.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz/shard_merge_oracle.h"
#include "tests/fuzz/replay_util.h"

namespace ptx {
namespace {

namespace fs = std::filesystem;

// A directory of this test's own: ctest runs the tests of this file as processes side by side, and
// the oracle writes files of fixed names there.
std::string ScratchDir() {
  const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  const fs::path d = fs::path(testing::TempDir()) / ("shard_merge_fuzz." + std::to_string(getpid()) + "." + test);
  fs::create_directories(d);
  return d.string();
}

TEST(ShardMergeFuzz, SeedCorpusKeepsTheContract) {
  const std::vector<fs::path> files = test::fuzz_inputs("corpus", "shard_merge");
  EXPECT_GE(files.size(), 10u);
  for (const fs::path& f : files) {
    SCOPED_TRACE(f.string());
    bool accepted = false;
    EXPECT_EQ(fuzz::check_shard_merge_input(test::file_bytes(f), ScratchDir(), &accepted), "");
    EXPECT_TRUE(test::named_valid(f) || test::named_bad(f));
    EXPECT_EQ(accepted, test::named_valid(f)) << (accepted ? "accepted" : "refused");
  }
}

TEST(ShardMergeFuzz, EveryFoundInputKeepsTheContract) {
  test::expect_oracle_holds("regressions", "shard_merge", [](const std::string& bytes) {
    return fuzz::check_shard_merge_input(bytes, ScratchDir());
  });
}

// The oracle can tell: a joined report whose head differs from the one returned is caught.
TEST(ShardMergeFuzz, TheOracleSeesAWrongHead) {
  const std::string dir = ScratchDir();
  const std::string in = dir + "/one.json", out = dir + "/out.json";
  std::ofstream(in) << test::file_bytes(test::fuzz_inputs("corpus", "shard_merge").front().parent_path() /
                                        "valid-empty-report.json");
  StatusOr<nlohmann::json> head = report::merge_run_reports({in}, out);
  ASSERT_TRUE(head.ok()) << head.status().to_string();
  EXPECT_EQ(fuzz::check_joined_report(*head, out), "");
  nlohmann::json other = *head;
  other["findings"].push_back(1);
  EXPECT_NE(fuzz::check_joined_report(other, out), "");
}

}  // namespace
}  // namespace ptx
