// SPDX-License-Identifier: BSD-2-Clause
// `ptx run / record --engine linux-NAME` end to end: a recorded one-vCPU trace, checked with
// `ptx check --tlb on`, gives the run's verdict and signatures (ids, counts, first positions: a
// VM's event N is line N of its trace); record's format defaults to casemate for a kernel engine
// and refuses ptx with the reason. Skipped when ptx was built without kernel sources.
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"

namespace ptx::clitest {
namespace {

using KernelCli = KernelEngineCli;

// The summary from the counts line to the verdict, with every position's source ("vm-events:",
// "TRACE:") dropped and the speed lines removed.
std::string comparable(const std::string& out, const std::string& source) {
  std::string s = out.substr(out.find("sections "));
  s = std::regex_replace(s, std::regex(".*/s .*wall.*\n"), "");
  s = std::regex_replace(s, std::regex("memory: .*\n"), "");
  s = std::regex_replace(s, std::regex(source), "@");
  return s;
}

TEST_F(KernelCli, ARecordedTraceChecksAsTheRunDoes) {
  const std::vector<std::string> input{"--engine", "linux-6.12", "--vcpus", "1", "--vms", "1", "--ops", "3000"};
  std::vector<std::string> rec{"record", "--out", dir_ / "vm.trace"};
  rec.insert(rec.end(), input.begin(), input.end());
  const Result recorded = run_ptx(rec, dir_);
  ASSERT_EQ(recorded.exit_code, 0) << describe(recorded);
  EXPECT_NE(recorded.out.find("(casemate, "), std::string::npos) << recorded.out;  // the default format
  const Result checked = run_ptx({"check", dir_ / "vm.trace", "--tlb", "on"}, dir_);
  std::vector<std::string> run{"run", "--quiet", "--tlb", "on"};
  run.insert(run.end(), input.begin(), input.end());
  const Result ran = run_ptx(run, dir_);
  EXPECT_EQ(ran.exit_code, checked.exit_code) << describe(ran) << describe(checked);
  EXPECT_NE(ran.out.find("transient-fault"), std::string::npos) << ran.out;  // break-before-make
  EXPECT_EQ(comparable(ran.out, "vm-events:"), comparable(checked.out, std::string(dir_ / "vm.trace") + ":"));
}

TEST_F(KernelCli, RecordRefusesTheSekvmTraceFormatWithTheReason) {
  const Result r = run_ptx({"record", "--engine", "linux-6.12", "--vms", "1", "--ops", "1000", "--format", "ptx", "--out",
                            dir_ / "t.jsonl"},
                           dir_);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("--format ptx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("overlap in time"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "t.jsonl"));
}

}  // namespace
}  // namespace ptx::clitest
