// SPDX-License-Identifier: BSD-2-Clause
// `ptx run --tlb on` and `ptx check --tlb on` of a ptx trace end to end (tlb/section_tlb.h): each
// engine variant's TLB verdicts on a small qemu-virt (pagetable/engine_variant.h states them),
// hand-written workloads with and without the caller's tlbi / dsb lines, the same report for every
// --threads, --tlb off leaving the output as it was, and the trace replay giving the run's
// findings.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"
#include "tests/support/test_paths.h"

namespace ptx::clitest {
namespace {

using Kinds = std::set<std::pair<std::string, std::string>>;  // (verdict, cause)

std::string workload(const std::string& name) {
  return ::ptx::test::source_dir() + "/tests/data/workloads/" + name + ".wl";
}

class TlbRunCli : public testing::Test {
 protected:
  Result run(std::vector<std::string> args) {
    args.insert(args.begin(), {"run", "--quiet"});
    return run_ptx(args, dir_);
  }
  Result qemu(const std::string& engine, std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--vms", "2", "--ops", "2000", "--engine", engine, "--tlb", "on"});
    return run(args);
  }
  static Kinds kinds(const nlohmann::json& report) {
    Kinds k;
    for (const nlohmann::json& f : report["tlb_findings"]) k.emplace(f["verdict"], f["cause"]);
    return k;
  }
  static std::string verdict(const Result& r) {
    const size_t at = r.out.rfind("verdict: ");
    return at == std::string::npos ? "" : r.out.substr(at, r.out.find('\n', at) - at);
  }
  ScratchDir dir_;
};

TEST_F(TlbRunCli, EachVariantGetsTheFindingsItsBugImplies) {
  struct Case {
    std::string engine;
    Kinds allowed;
    Kinds required;
  };
  const std::pair<std::string, std::string> conflict{"tlb-conflict", ""};
  for (const Case& c : {
           // sekvm: its copy-on-write remaps are made with break-before-make (run/engine_source.h).
           Case{"sekvm", {}, {}},
           Case{"bbm", {}, {}},
           Case{"dirty-reuse", {conflict, {"stale-mapping", "no-tlbi"}}, {{"stale-mapping", "no-tlbi"}}},
           Case{"two-step-update", {conflict}, {conflict}},
           Case{"missing-barrier", {conflict, {"stale-mapping", "tlbi-before-dsb"}},
                {{"stale-mapping", "tlbi-before-dsb"}}},
       }) {
    const Result r = qemu(c.engine, {"--report", dir_ / "r.json", "--allow", "transient-faults"});
    const nlohmann::json j = read_json(dir_ / "r.json");
    const Kinds got = kinds(j);
    for (const auto& k : got) EXPECT_TRUE(c.allowed.contains(k)) << c.engine << ": " << k.first << " " << k.second;
    for (const auto& k : c.required) EXPECT_TRUE(got.contains(k)) << c.engine << ": no " << k.first;
    const bool clean = c.engine == "bbm" || c.engine == "sekvm";
    EXPECT_EQ(r.exit_code, clean ? 0 : 1) << c.engine << "\n" << describe(r);
    EXPECT_EQ(j["summary"]["tlb"]["errors"], j["tlb_findings"].size()) << c.engine;
    if (clean) {
      EXPECT_NE(verdict(r).find("; TLB: clean"), std::string::npos) << verdict(r);
    }
  }
}

// sekvm: each copy-on-write remap (qemu-virt balloons budget/100 pages per VM and deflates each
// with a remap of the zero page) is an unmap section, closed by its invalidation, then a map
// section: one more section per remap, no TLB finding, and no violation.
TEST_F(TlbRunCli, SekvmRemapsBreakBeforeMakeInTwoSectionsAndIsClean) {
  const Result r = qemu("sekvm", {"--report", dir_ / "r.json"});
  const nlohmann::json j = read_json(dir_ / "r.json");
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(j["summary"]["violations"], 0);
  EXPECT_EQ(j["tlb_findings"].size(), 0u);
  EXPECT_EQ(j["summary"]["sections"], 4000 + 40);
  EXPECT_EQ(verdict(r), "verdict: transactional (no violation); TLB: clean");
  const Result two_step = qemu("two-step-update", {"--report", dir_ / "t.json"});
  const nlohmann::json t = read_json(dir_ / "t.json");
  EXPECT_EQ(t["summary"]["sections"], 4000) << "only sekvm breaks before it makes";
  EXPECT_EQ(t["summary"]["tlb"]["conflicts"], 40);
}

TEST_F(TlbRunCli, HandWrittenUnplugWithAndWithoutTheCallersFlush) {
  const Result sekvm = run({"--workload", workload("tlb_unplug"), "--tlb", "on"});
  EXPECT_EQ(sekvm.exit_code, 0) << describe(sekvm);
  EXPECT_EQ(verdict(sekvm), "verdict: transactional (no violation); TLB: clean");
  const Result dirty =
      run({"--workload", workload("tlb_unplug"), "--tlb", "on", "--engine", "dirty-reuse", "--report", dir_ / "r.json"});
  EXPECT_EQ(dirty.exit_code, 1) << describe(dirty);
  EXPECT_EQ(verdict(dirty), "verdict: transactional (no violation); TLB: 3 stale mappings");
  const nlohmann::json j = read_json(dir_ / "r.json");
  ASSERT_EQ(j["tlb_findings"].size(), 3u);
  for (const nlohmann::json& f : j["tlb_findings"]) {
    EXPECT_EQ(f["verdict"], "stale-mapping");
    EXPECT_EQ(f["cause"], "no-tlbi");
    EXPECT_EQ(f["line"], 9);  // the unmap
  }
  EXPECT_NE(dirty.out.find("tlb: " + workload("tlb_unplug") + ":9: stale-mapping (no-tlbi): leaf 0x10000007ff"),
            std::string::npos) << dirty.out;
  const Result flushed = run({"--workload", workload("tlb_unplug_flushed"), "--tlb", "on", "--engine", "dirty-reuse"});
  EXPECT_EQ(flushed.exit_code, 0) << describe(flushed);
  EXPECT_EQ(verdict(flushed), "verdict: transactional (no violation); TLB: clean");
}

TEST_F(TlbRunCli, ReportIsTheSameForEveryThreadCount) {
  for (const char* engine : {"dirty-reuse", "missing-barrier"}) {
    const Result one = run({"--vms", "3", "--ops", "2000", "--engine", engine, "--tlb", "on", "--threads", "1",
                            "--report", dir_ / "1.json"});
    const Result two = run({"--vms", "3", "--ops", "2000", "--engine", engine, "--tlb", "on", "--threads", "2",
                            "--report", dir_ / "2.json"});
    EXPECT_EQ(one.exit_code, 1) << describe(one);
    EXPECT_EQ(read_file(dir_ / "1.json"), read_file(dir_ / "2.json")) << engine;
    EXPECT_EQ(verdict(one), verdict(two)) << engine;
  }
}

// --tlb on adds its two keys and its verdicts' bug signatures (family "tlb"); drops them from `b`.
void drop_tlb(nlohmann::json& b) {
  b.erase("tlb_findings");
  b["summary"].erase("tlb");
  nlohmann::json kept = nlohmann::json::array();
  for (const nlohmann::json& s : b["signatures"]) {
    if (s["family"] != "tlb") kept.push_back(s);
  }
  b["signatures"] = kept;
  b["summary"]["signatures"] = kept.size();
}

// --tlb off (the default) writes the report it wrote before; --tlb on adds only its two keys and its
// signatures.
// --tlb on is the default; --tlb off drops exactly the TLB parts of the output.
TEST_F(TlbRunCli, OnIsTheDefaultAndOffDropsOnlyTheTlbParts) {
  const Result plain =
      run({"--vms", "2", "--ops", "2000", "--engine", "dirty-reuse", "--tlb", "off", "--report", dir_ / "off.json"});
  const Result none = run({"--vms", "2", "--ops", "2000", "--engine", "dirty-reuse", "--report", dir_ / "none.json"});
  const Result on = qemu("dirty-reuse", {"--report", dir_ / "on.json"});
  EXPECT_EQ(read_file(dir_ / "on.json"), read_file(dir_ / "none.json"));
  EXPECT_EQ(verdict(on), verdict(none));
  nlohmann::json a = read_json(dir_ / "off.json"), b = read_json(dir_ / "on.json");
  EXPECT_FALSE(a.contains("tlb_findings") || a["summary"].contains("tlb"));
  drop_tlb(b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(verdict(on).rfind(verdict(plain) + "; TLB: ", 0), 0u) << verdict(on);
}

// `ptx check --tlb on` of a recorded ptx trace: the live run's findings, at trace lines.
TEST_F(TlbRunCli, CheckOfAPtxTraceGivesTheRunsFindings) {
  for (const char* engine : {"missing-barrier", "bbm"}) {
    ASSERT_EQ(run_ptx({"record", "--quiet", "--vms", "2", "--ops", "2000", "--engine", engine, "--out", dir_ / "t"},
                      dir_).exit_code, 0);
    const Result live = qemu(engine, {"--report", dir_ / "run.json"});
    const Result check = run_ptx({"check", dir_ / "t", "--quiet", "--tlb", "on", "--report", dir_ / "check.json"}, dir_);
    EXPECT_EQ(check.exit_code, live.exit_code) << describe(check);
    if (std::string(engine) == "missing-barrier") {  // its tlb lines name the trace (their lines are its)
      EXPECT_NE(check.out.find("tlb: " + (dir_ / "t") + ":"), std::string::npos) << check.out;
    }
    auto strip = [](nlohmann::json j) {
      for (nlohmann::json& f : j["tlb_findings"]) f.erase("line"), f.erase("detail");
      return std::make_pair(j["tlb_findings"], j["summary"]["tlb"]);
    };
    EXPECT_EQ(strip(read_json(dir_ / "run.json")), strip(read_json(dir_ / "check.json"))) << engine;
  }
}

TEST_F(TlbRunCli, FlagsAndWorkloadErrorsAreBadInput) {
  EXPECT_EQ(run({"--tlb", "maybe"}).exit_code, 2);
  EXPECT_EQ(run({"--tlb", "on", "--bbm-level", "3"}).exit_code, 2);
  EXPECT_EQ(run({"--tlb", "on", "--ttl", "loose"}).exit_code, 2);
  write_file(dir_ / "bad.wl", "map 1 0x1000 3 0x7ff\ntlbi 1 ipas2e1is 0x1000 5\n");
  const Result bad = run({"--workload", dir_ / "bad.wl", "--tlb", "on", "--report", dir_ / "r.json"});
  EXPECT_EQ(bad.exit_code, 2) << describe(bad);
  EXPECT_NE(bad.err.find("bad.wl:2: invalid TTL level 5"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "r.json"));
  // A descriptor the Arm rules read otherwise cannot go through the Arm events of the TLB pass.
  write_file(dir_ / "arm.wl", "map 1 0x1000 3 0x80000002\n");
  EXPECT_EQ(run({"--workload", dir_ / "arm.wl", "--tlb", "off"}).exit_code, 0);
  EXPECT_EQ(run({"--workload", dir_ / "arm.wl"}).exit_code, 2);  // --tlb on is the default
  const Result arm = run({"--workload", dir_ / "arm.wl", "--tlb", "on"});
  EXPECT_EQ(arm.exit_code, 2) << describe(arm);
  EXPECT_NE(arm.err.find("arm.wl:1: vmid 1 seq 0: update 3 writes 0x80000002 at level 3"), std::string::npos)
      << arm.err;
}

}  // namespace
}  // namespace ptx::clitest
