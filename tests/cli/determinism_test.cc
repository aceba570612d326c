// SPDX-License-Identifier: BSD-2-Clause
// Verdicts and counts do not depend on the thread count, and an offline check of a recorded trace
// reaches the same report as the live run.
#include <sstream>
#include <string>
#include <vector>

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

// stdout without the line that carries the timing ("... records/s ... wall ...").
std::string without_timing(const std::string& out) {
  std::string kept;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.find(" wall ") == std::string::npos) kept += line + "\n";
  }
  return kept;
}

// A casemate trace is read in one thread and checked in another from --threads 2 on
// (armcheck/casemate_check.h): the output, the report and the exit status are those of one thread.
TEST(CliDeterminism, CasemateCheckIsIdenticalForOneTwoAndFourThreads) {
  ScratchDir dir;
  const Result rec = run_ptx({"record", "--vms", "2", "--ops", "3000", "--engine", "two-step-update", "--format",
                              "casemate", "--out", dir / "t.trace", "--quiet"},
                             dir);
  ASSERT_EQ(rec.exit_code, 0) << describe(rec);
  for (const std::string all : {"", "--report-all"}) {
    SCOPED_TRACE(all);
    std::vector<Result> runs;
    std::vector<std::string> reports;
    for (const std::string threads : {"1", "2", "4"}) {
      const std::string report = dir / "c.json";  // one path: stdout names it
      std::vector<std::string> args = {"check", dir / "t.trace", "--quiet", "--threads", threads, "--report", report};
      if (!all.empty()) args.push_back(all);
      runs.push_back(run_ptx(args, dir));
      reports.push_back(read_file(report));
    }
    EXPECT_EQ(runs[0].exit_code, 1) << describe(runs[0]);  // the variant's wrong translations
    EXPECT_NE(runs[0].out.find("violations 60"), std::string::npos) << runs[0].out;
    for (size_t i = 1; i < runs.size(); ++i) {
      EXPECT_EQ(runs[i].exit_code, runs[0].exit_code);
      EXPECT_EQ(without_timing(runs[i].out), without_timing(runs[0].out));
      EXPECT_EQ(reports[i], reports[0]);
    }
    ASSERT_FALSE(reports[0].empty());
  }
}

}  // namespace
}  // namespace ptx::clitest
