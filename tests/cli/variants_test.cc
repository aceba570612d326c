// SPDX-License-Identifier: BSD-2-Clause
// `ptx run --engine X` end to end: each engine variant gives the violation classes its header
// states (pagetable/engine_variant.h) on the small hand-written workloads of
// tests/data/workloads/ and on a small qemu-virt; sekvm gives none anywhere; and `ptx check` of a
// variant's recorded trace gives the live run's report byte for byte.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"
#include "tests/support/test_paths.h"

namespace ptx::clitest {
namespace {

const std::vector<std::string> kVariants = {"sekvm", "bbm", "dirty-reuse", "two-step-update", "missing-barrier"};
const std::vector<std::string> kWorkloads = {"bbm_remap", "dirty_reuse", "two_step_update", "missing_barrier"};

struct Expected {
  std::set<std::string> allowed;   // classes it may give, anywhere
  std::set<std::string> required;  // classes it must give on its own workload and on qemu-virt
  std::string workload;            // its own hand-written workload ("" for sekvm)
};

const std::map<std::string, Expected>& expected() {
  static const std::map<std::string, Expected> e = {
      {"sekvm", {{}, {}, ""}},
      {"bbm", {{"transient-fault"}, {"transient-fault"}, "bbm_remap"}},
      {"dirty-reuse", {{"wrong-translation"}, {"wrong-translation"}, "dirty_reuse"}},
      {"two-step-update", {{"wrong-translation"}, {"wrong-translation"}, "two_step_update"}},
      {"missing-barrier",
       {{"transient-fault", "wrong-translation"}, {"transient-fault", "wrong-translation"}, "missing_barrier"}},
  };
  return e;
}

std::string workload_path(const std::string& name) {
  return ::ptx::test::source_dir() + "/tests/data/workloads/" + name + ".wl";
}

// A violation's class: the report's "class" when it has one; else from the observed mapping
// (descriptor mode, SeKVM rules: a walk that maps nothing observes 0, a transient fault).
std::string class_of(const nlohmann::json& v) {
  if (v.contains("class")) return v["class"].get<std::string>();
  return v["observed"] == "0x0" ? "transient-fault" : "wrong-translation";
}

// Runs `args` with --engine `variant` and a report; returns the classes of its violations with
// their counts, after checking the exit status and the report's engine.
std::map<std::string, int> classes(const ScratchDir& dir, std::vector<std::string> args, const std::string& variant) {
  // The TPT classes alone: each variant's TLB verdicts are tlb_run_test.cc's.
  args.insert(args.end(), {"--engine", variant, "--tlb", "off", "--quiet", "--report", dir / "r.json"});
  const Result r = run_ptx(args, dir);
  std::map<std::string, int> c;
  EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 1) << describe(r);
  if (r.exit_code != 0 && r.exit_code != 1) return c;
  const nlohmann::json report = read_json(dir / "r.json");
  for (const nlohmann::json& s : report["sections"]) {
    for (const nlohmann::json& v : s["violations"]) ++c[class_of(v)];
  }
  EXPECT_EQ(r.exit_code, c.empty() ? 0 : 1) << describe(r);
  EXPECT_EQ(report["engine"], variant);
  EXPECT_NE(r.out.find("engine " + variant), std::string::npos) << r.out;
  return c;
}

void expect_classes(const std::string& variant, const std::map<std::string, int>& got, bool own,
                    const std::string& where) {
  const Expected& e = expected().at(variant);
  for (const auto& [cls, n] : got) {
    EXPECT_TRUE(e.allowed.count(cls)) << variant << " gives " << n << " " << cls << " on " << where;
  }
  if (!own) return;
  for (const std::string& cls : e.required) {
    EXPECT_TRUE(got.count(cls)) << variant << " gives no " << cls << " on " << where;
  }
}

TEST(CliVariants, EachVariantOnTheHandWrittenWorkloads) {
  ScratchDir dir;
  for (const std::string& variant : kVariants) {
    for (const std::string& w : kWorkloads) {
      const std::map<std::string, int> got = classes(dir, {"run", "--workload", workload_path(w)}, variant);
      expect_classes(variant, got, w == expected().at(variant).workload, w);
    }
  }
}

TEST(CliVariants, EachVariantOnASmallQemuVirt) {
  ScratchDir dir;
  for (const std::string& variant : kVariants) {
    const std::map<std::string, int> got = classes(dir, {"run", "--vms", "2", "--ops", "300"}, variant);
    expect_classes(variant, got, true, "qemu-virt");
    EXPECT_EQ(got.empty(), variant == "sekvm");
  }
}

// record --engine X, then check: the live run's report byte for byte; the trace header names the
// engine.
TEST(CliVariants, RecordCheckRoundTripOfEachVariant) {
  ScratchDir dir;
  for (const std::string& variant : kVariants) {
    const std::string own = expected().at(variant).workload;
    const std::vector<std::vector<std::string>> inputs = {
        {"--vms", "2", "--ops", "300"}, {"--workload", workload_path(own.empty() ? "bbm_remap" : own)}};
    for (const std::vector<std::string>& input : inputs) {
      SCOPED_TRACE(variant + " " + input.back());
      std::vector<std::string> run = {"run"}, record = {"record"};
      for (std::vector<std::string>* a : {&run, &record}) {
        a->insert(a->end(), input.begin(), input.end());
        a->insert(a->end(), {"--engine", variant, "--quiet"});
      }
      run.insert(run.end(), {"--tlb", "off", "--report-all", "--report", dir / "live.json"});
      record.insert(record.end(), {"--out", dir / "t.trace"});
      const Result live = run_ptx(run, dir), rec = run_ptx(record, dir);
      ASSERT_EQ(rec.exit_code, 0) << describe(rec);
      // (--tlb off: the TLB findings name workload lines live and trace lines here;
      // tlb_run_test.cc's CheckOfAPtxTraceGivesTheRunsFindings compares them.)
      const Result check = run_ptx(
          {"check", dir / "t.trace", "--quiet", "--tlb", "off", "--report-all", "--report", dir / "check.json"}, dir);
      EXPECT_EQ(check.exit_code, live.exit_code) << describe(check);
      EXPECT_EQ(read_file(dir / "check.json"), read_file(dir / "live.json"));
      const std::string trace = read_file(dir / "t.trace");
      EXPECT_EQ(nlohmann::json::parse(trace.substr(0, trace.find('\n')))["engine"], variant);
      EXPECT_NE(check.out.find("engine " + variant), std::string::npos) << check.out;
    }
  }
}

}  // namespace
}  // namespace ptx::clitest
