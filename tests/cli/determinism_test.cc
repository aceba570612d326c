// SPDX-License-Identifier: BSD-2-Clause
// Verdicts and counts do not depend on the thread count, and an offline check of a recorded trace
// reaches the same report as the live run.
#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"

namespace ptx::clitest {
namespace {

// A small qemu-virt run (the hidden --ops sets the ops per VM) in both section policies.
std::vector<std::string> qemu_args(const std::string& policy) {
  return {"run", "--preset", "qemu-virt", "--vms", "4", "--ops", "2000", "--seed", "7",
          "--sections", policy, "--quiet", "--report-all"};
}

std::string run_report(const ScratchDir& dir, std::vector<std::string> args, const std::string& name,
                       const std::string& threads, int expect_exit = 0) {
  const std::string report = dir / name;
  args.insert(args.end(), {"--threads", threads, "--report", report});
  const Result r = run_ptx(args, dir);
  EXPECT_EQ(r.exit_code, expect_exit) << describe(r);
  return read_file(report);
}

TEST(CliDeterminism, ReportsAreIdenticalForOneTwoAndFourThreads) {
  ScratchDir dir;
  for (const std::string policy : {"sekvm", "batched"}) {
    SCOPED_TRACE(policy);
    const std::string one = run_report(dir, qemu_args(policy), policy + "-1.json", "1");
    const std::string two = run_report(dir, qemu_args(policy), policy + "-2.json", "2");
    const std::string four = run_report(dir, qemu_args(policy), policy + "-4.json", "4");
    ASSERT_FALSE(one.empty());
    EXPECT_EQ(one, two);
    EXPECT_EQ(one, four);
    const nlohmann::json j = nlohmann::json::parse(one);
    // The workload's ops, and the unmap of each copy-on-write remap (2000 / 100 per VM), which the
    // sekvm engine makes with break-before-make.
    EXPECT_EQ(j["summary"]["ops"], 4 * 2000 + 4 * (2000 / 100));
    EXPECT_EQ(j["sections"].size(), j["summary"]["sections"].get<size_t>());
    if (policy == "batched") {
      EXPECT_LT(j["summary"]["sections"].get<size_t>(), 4u * 2000u);
    }
  }
}

// A workload whose sections violate the condition: the violations (and the exit status 1) are
// the same for every thread count.
TEST(CliDeterminism, ViolationsAreIdenticalForOneTwoAndFourThreads) {
  ScratchDir dir;
  std::string w;
  for (int vm = 1; vm <= 6; ++vm) {
    for (int i = 0; i < 20; ++i) {
      const uint64_t ipa = 0x40000000ULL + static_cast<uint64_t>(i) * 0x1000;
      char line[256];
      std::snprintf(line, sizeof line,
                    "begin\nmap %d %#llx 3 %#llx\nmap %d %#llx 3 %#llx\nend\n", vm,
                    static_cast<unsigned long long>(ipa),
                    static_cast<unsigned long long>(0x80000007ffULL + ipa), vm,
                    static_cast<unsigned long long>(ipa),
                    static_cast<unsigned long long>(0x90000007ffULL + ipa));
      w += line;
    }
  }
  write_file(dir / "w.txt", w);
  const std::vector<std::string> args = {"run", "--workload", dir / "w.txt", "--sections", "batched",
                                         "--quiet"};
  const std::string one = run_report(dir, args, "v1.json", "1", 1);
  const std::string two = run_report(dir, args, "v2.json", "2", 1);
  const std::string four = run_report(dir, args, "v4.json", "4", 1);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, four);
  const nlohmann::json j = nlohmann::json::parse(one);
  EXPECT_EQ(j["summary"]["violating_sections"], 6 * 20);  // each shows its first map
}

TEST(CliDeterminism, RecordThenCheckGivesTheLiveRunsReport) {
  ScratchDir dir;
  for (const std::string policy : {"sekvm", "batched"}) {
    SCOPED_TRACE(policy);
    const std::string live = run_report(dir, qemu_args(policy), "live.json", "2");
    std::vector<std::string> rec = qemu_args(policy);
    rec[0] = "record";
    rec.erase(std::find(rec.begin(), rec.end(), "--report-all"));
    std::vector<std::string> rec1 = rec, rec4 = rec;
    rec1.insert(rec1.end(), {"--threads", "1", "--out", dir / "t1.jsonl"});
    rec4.insert(rec4.end(), {"--threads", "4", "--out", dir / "t4.jsonl"});
    Result r = run_ptx(rec1, dir);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    r = run_ptx(rec4, dir);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_EQ(read_file(dir / "t1.jsonl"), read_file(dir / "t4.jsonl"));
    for (const std::string threads : {"1", "4"}) {
      const std::string checked = run_report(
          dir, {"check", dir / "t1.jsonl", "--quiet", "--report-all"}, "check.json", threads);
      EXPECT_EQ(live, checked) << "check --threads " << threads;
    }
  }
}

}  // namespace
}  // namespace ptx::clitest
