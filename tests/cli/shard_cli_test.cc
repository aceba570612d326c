// SPDX-License-Identifier: BSD-2-Clause
// `ptx run --shard I/N` and `ptx merge`: the N shards of a run, merged, are the unsharded run's
// report and SARIF log byte for byte (the faulty engines, with their TPT and TLB signatures, and a
// clean run; bounded reports and --report-all); merge refuses what is not the N shards of one run.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"

namespace ptx::clitest {
namespace {

class ShardCli : public testing::Test {
 protected:
  // `args` run whole into whole.json / whole.sarif, then as `shards` shards merged into
  // merged.json / merged.sarif; both exit statuses must be `code`.
  void ExpectMergedEqualsWhole(std::vector<std::string> args, int shards, int code) {
    std::vector<std::string> whole = args;
    whole.insert(whole.end(), {"--quiet", "--report", dir_ / "whole.json", "--sarif", dir_ / "whole.sarif"});
    const Result w = run_ptx(whole, dir_);
    ASSERT_EQ(w.exit_code, code) << describe(w);
    std::vector<std::string> merge = {"merge", "--json", dir_ / "merged.json", "--sarif", dir_ / "merged.sarif"};
    for (int i = 0; i < shards; ++i) {
      const std::string part = "part" + std::to_string(i);
      std::vector<std::string> a = args;
      a.insert(a.end(), {"--quiet", "--shard", std::to_string(i) + "/" + std::to_string(shards), "--report",
                         dir_ / (part + ".json"), "--sarif", dir_ / (part + ".sarif")});
      const Result p = run_ptx(a, dir_);
      ASSERT_LE(p.exit_code, 1) << describe(p);
      EXPECT_NE(p.out.find("shard " + std::to_string(i) + "/"), std::string::npos) << p.out;
      merge.push_back(dir_ / (part + ".json"));
      merge.push_back(dir_ / (part + ".sarif"));
    }
    const Result m = run_ptx(merge, dir_);
    ASSERT_EQ(m.exit_code, code) << describe(m);
    EXPECT_EQ(read_file(dir_ / "merged.json"), read_file(dir_ / "whole.json"));
    EXPECT_EQ(read_file(dir_ / "merged.sarif"), read_file(dir_ / "whole.sarif"));
    EXPECT_EQ(read_json(dir_ / "part0.json").at("shard").at("count"), shards);
  }
  ScratchDir dir_;
};

TEST_F(ShardCli, ThreeShardsOfAFaultyEngineMergeIntoTheWholeRun) {
  for (const char* engine : {"missing-barrier", "dirty-reuse"}) {
    SCOPED_TRACE(engine);
    ExpectMergedEqualsWhole({"run", "--engine", engine, "--vms", "2", "--ops", "6000", "--tlb", "on", "--threads", "2",
                             "--examples", "3"}, 3, 1);
    const nlohmann::json j = read_json(dir_ / "merged.json");
    EXPECT_GT(j.at("summary").at("violations"), 0);
    EXPECT_FALSE(j.at("tlb_findings").empty());
    EXPECT_FALSE(j.contains("shard"));
  }
}

TEST_F(ShardCli, ReportAllAndACleanRunMergeToo) {
  ExpectMergedEqualsWhole({"run", "--engine", "bbm", "--vms", "3", "--ops", "1500", "--report-all"}, 2, 1);
  EXPECT_EQ(read_json(dir_ / "merged.json").at("sections").size(), 4500u);
  ExpectMergedEqualsWhole({"run", "--vms", "1", "--ops", "1000", "--threads", "1"}, 4, 0);
}

TEST_F(ShardCli, MergeRefusesWhatIsNotTheShardsOfOneRun) {
  const auto shard = [&](const std::string& name, const std::string& which, const std::string& ops) {
    const Result r = run_ptx({"run", "--vms", "1", "--ops", ops, "--quiet", "--shard", which, "--report", dir_ / name},
                             dir_);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
  };
  shard("a0.json", "0/2", "1000");
  shard("a1.json", "1/2", "1000");
  shard("b1.json", "1/2", "2000");
  shard("c0.json", "0/3", "1000");
  const struct {
    std::vector<std::string> files;
    const char* message;
  } cases[] = {
      {{"a0.json"}, "shard 1/2 is missing"},
      {{"a0.json", "a0.json"}, "given twice"},
      {{"a0.json", "b1.json"}, "different runs"},
      {{"a0.json", "c0.json"}, "is a shard of 3"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"merge", "--json", dir_ / "m.json"};
    for (const std::string& f : c.files) args.push_back(dir_ / f);
    const Result r = run_ptx(args, dir_);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find(c.message), std::string::npos) << describe(r);
  }
  EXPECT_FALSE(std::filesystem::exists(dir_ / "m.json"));
  const Result no_out = run_ptx({"merge", dir_ / "a0.json", dir_ / "a1.json"}, dir_);
  EXPECT_EQ(no_out.exit_code, 2);
  EXPECT_NE(no_out.err.find("--json FILE"), std::string::npos) << describe(no_out);
  const Result kernel = run_ptx({"run", "--engine", "linux-6.12", "--shard", "0/2"}, dir_);
  EXPECT_EQ(kernel.exit_code, 2) << describe(kernel);
}

}  // namespace
}  // namespace ptx::clitest
