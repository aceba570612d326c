// SPDX-License-Identifier: BSD-2-Clause
// `ptx schedules` and `ptx merge` end to end: the list, the exit statuses, a finding's replay
// command writing a casemate trace that `ptx check` reads, shards joined by merge as the whole run
// prints, and bad input.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"

namespace ptx::clitest {
namespace {

using SchedulesCli = KernelEngineCli;

TEST_F(SchedulesCli, ListsTheBuiltInsOneNameALine) {
  const Result r = run_ptx({"schedules", "--list"}, dir_);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out.substr(0, 10), "same-page\n");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 8);
}

TEST_F(SchedulesCli, CleanIsZeroAndAMutantIsOneWithAReplayThatWritesATrace) {
  const Result clean = run_ptx({"schedules", "--scenario", "same-page", "--schedules", "50", "--quiet"}, dir_);
  EXPECT_EQ(clean.exit_code, 0) << describe(clean);
  EXPECT_NE(clean.out.find("verdict: clean"), std::string::npos) << clean.out;
  const Result bug = run_ptx({"schedules", "--engine", "linux-6.12+cmpxchg-plain", "--scenario", "same-page",
                              "--schedules", "200", "--quiet"}, dir_);
  ASSERT_EQ(bug.exit_code, 1) << describe(bug);
  const size_t at = bug.out.find("--schedule ");
  ASSERT_NE(at, std::string::npos) << bug.out;
  const std::string id = bug.out.substr(at + 11, bug.out.find(' ', at + 11) - at - 11);
  const Result replay = run_ptx({"schedules", "--engine", "linux-6.12+cmpxchg-plain", "--scenario", "same-page",
                                 "--schedule", id, "--trace", dir_ / "s.casemate", "--quiet"}, dir_);
  EXPECT_EQ(replay.exit_code, 1) << describe(replay);
  EXPECT_NE(replay.out.find("schedules 1 "), std::string::npos) << replay.out;
  const Result check = run_ptx({"check", dir_ / "s.casemate", "--quiet"}, dir_);
  EXPECT_NE(check.exit_code, 2) << describe(check);  // a trace ptx reads (its verdict is its own)
  EXPECT_NE(check.out.find("casemate"), std::string::npos) << check.out;
  // --html: the schedule's pages, whose index names the finding's signature.
  const Result pages = run_ptx({"schedules", "--engine", "linux-6.12+cmpxchg-plain", "--scenario", "same-page",
                                "--schedule", id, "--html", dir_ / "pages", "--quiet"}, dir_);
  EXPECT_EQ(pages.exit_code, 1) << describe(pages);
  EXPECT_NE(pages.out.find("html: "), std::string::npos) << pages.out;
  EXPECT_NE(read_file(dir_ / "pages/index.html").find("shared-entry"), std::string::npos);
  const Result no_id = run_ptx({"schedules", "--scenario", "same-page", "--html", dir_ / "p2"}, dir_);
  EXPECT_EQ(no_id.exit_code, 2) << describe(no_id);
  EXPECT_NE(no_id.err.find("--html"), std::string::npos) << describe(no_id);
}

TEST_F(SchedulesCli, ShardsMergedPrintWhatTheWholeRunPrints) {
  const std::vector<std::string> run{"schedules", "--engine", "linux-6.12+eagain-dropped", "--scenario", "same-range",
                                     "--schedules", "60", "--quiet"};
  std::vector<std::string> whole = run;
  whole.insert(whole.end(), {"--json", dir_ / "whole.json"});
  const Result w = run_ptx(whole, dir_);
  std::vector<std::string> merge{"merge", "--json", dir_ / "merged.json"};
  for (const char* i : {"0", "1"}) {
    std::vector<std::string> part = run;
    part.insert(part.end(), {"--shard", std::string(i) + "/2", "--json", dir_ / (std::string(i) + ".json")});
    const Result p = run_ptx(part, dir_);
    EXPECT_NE(p.exit_code, 2) << describe(p);
    merge.push_back(dir_ / (std::string(i) + ".json"));
  }
  const Result m = run_ptx(merge, dir_);
  EXPECT_EQ(m.exit_code, w.exit_code) << describe(m);
  EXPECT_EQ(m.out, w.out);
  EXPECT_EQ(read_json(dir_ / "merged.json"), read_json(dir_ / "whole.json"));
  const Result half = run_ptx({"merge", dir_ / "0.json"}, dir_);
  EXPECT_EQ(half.exit_code, 2) << describe(half);
  EXPECT_NE(half.err.find("shard 1/2 is missing"), std::string::npos) << half.err;
}

TEST_F(SchedulesCli, BadInputIsExitTwoNamingIt) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"schedules", "--scenario", "nope"}, "no built-in scenario"},
      {{"schedules"}, "give --scenario"},
      {{"schedules", "--scenario", "same-page", "--schedule", "x"}, "--schedule 'x'"},
      {{"schedules", "--scenario", "same-page", "--trace", "t"}, "give --schedule"},
      {{"schedules", "--scenario", "same-page", "--shard", "2/2"}, "--shard '2/2'"},
      {{"schedules", "--engine", "linux-6.1", "--scenario", "split-vs-fault"}, "kvm_pgtable_stage2_split"},
      {{"schedules", "--engine", "sekvm", "--scenario", "same-page"}, "unknown engine"},
      {{"schedules", "--scenario-file", "/nonexistent"}, "cannot be opened"},
  };
  for (const auto& [args, want] : cases) {
    const Result r = run_ptx(args, dir_);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
  }
  write_file(dir_ / "bad.scenario", "scenario x\nthread fault 1 4K 0 r\n");
  const Result f = run_ptx({"schedules", "--scenario-file", dir_ / "bad.scenario"}, dir_);
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_NE(f.err.find("bad.scenario:2:"), std::string::npos) << f.err;
}

}  // namespace
}  // namespace ptx::clitest
