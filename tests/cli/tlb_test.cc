// SPDX-License-Identifier: BSD-2-Clause
// `ptx check --tlb on|off` end to end (tests/tlb/data/, README.md there): the verdict line's TLB
// part, the report's tlb_findings and summary.tlb, the exit status (errors; warnings only with
// --strict), the flags, and --tlb off (the default) leaving the output as it was.
#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"
#include "tests/support/test_paths.h"

namespace ptx::clitest {
namespace {

std::string tlb_data(const std::string& name) { return ::ptx::test::source_dir() + "/tests/tlb/data/" + name; }
std::string casemate_data(const std::string& name) {
  return ::ptx::test::source_dir() + "/tests/data/casemate/" + name;
}

class TlbCli : public testing::Test {
 protected:
  Result check(const std::string& trace, std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"check", trace, "--quiet"});
    return run_ptx(args, dir_);
  }
  static std::string verdict(const Result& r) {
    const size_t at = r.out.rfind("verdict: ");
    return at == std::string::npos ? "" : r.out.substr(at, r.out.find('\n', at) - at);
  }
  ScratchDir dir_;
};

TEST_F(TlbCli, VerdictLineAndExitStatus) {
  struct Case {
    const char* trace;
    std::vector<std::string> args;
    int exit;
    const char* suffix;
  };
  for (const Case& c : {
           Case{"missing_tlbi.trace", {}, 1, "; TLB: 1 stale mapping"},
           Case{"wrprotect.trace", {}, 0, "; TLB: 1 stale permission"},
           Case{"wrprotect.trace", {"--strict"}, 1, "; TLB: 1 stale permission"},
           Case{"wrprotect.trace", {"--tlb-deadline", "end"}, 0, "; TLB: clean"},
           Case{"relax_perms.trace", {"--strict"}, 0, "; TLB: clean"},
           Case{"ttl_mismatch.trace", {}, 1, "; TLB: 1 stale mapping"},
           Case{"ttl_mismatch.trace", {"--ttl", "ignore"}, 0, "; TLB: clean"},
       }) {
    std::vector<std::string> args = c.args;
    args.insert(args.begin(), {"--tlb", "on"});
    const Result r = check(tlb_data(c.trace), args);
    EXPECT_EQ(r.exit_code, c.exit) << c.trace << "\n" << describe(r);
    EXPECT_EQ(verdict(r), std::string("verdict: transactional (no violation)") + c.suffix) << describe(r);
  }
}

TEST_F(TlbCli, ReportHasTlbFindingsAndSummary) {
  const Result r = check(tlb_data("missing_tlbi.trace"), {"--tlb", "on", "--report", dir_ / "r.json"});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("tlb: " + tlb_data("missing_tlbi.trace") + ":14: stale-mapping (no-tlbi): leaf 0x800007ff"),
            std::string::npos) << r.out;
  const nlohmann::json j = read_json(dir_ / "r.json");
  ASSERT_EQ(j["tlb_findings"].size(), 1u);
  const nlohmann::json& f = j["tlb_findings"][0];
  EXPECT_EQ(f["verdict"], "stale-mapping");
  EXPECT_EQ(f["cause"], "no-tlbi");
  EXPECT_EQ(f["severity"], "error");
  EXPECT_EQ(f["line"], 14);
  EXPECT_EQ(f["src"], "pgt.c:114");
  EXPECT_EQ(f["root"], "0x7f2c0000");
  EXPECT_EQ(f["ia"], "0x40000000");
  EXPECT_EQ(f["level"], 3);
  EXPECT_EQ(j["summary"]["tlb"]["errors"], 1);
  EXPECT_EQ(j["summary"]["tlb"]["stale_mappings"], 1);
  EXPECT_EQ(j["summary"]["tlb"]["tlbis"], 0);
}

// --tlb off (and no flag) writes the report it wrote before the TLB pass existed: no TLB keys.
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

// --tlb on is the default; --tlb off drops exactly the TLB parts (the TPT part is the same).
TEST_F(TlbCli, OnIsTheDefaultAndOffDropsOnlyTheTlbParts) {
  for (const char* name : {"bbm_block.trace", "every_kind.trace", "remap_twice.trace", "stage1.trace"}) {
    const Result plain = check(casemate_data(name), {"--report", dir_ / "plain.json"});
    const Result off = check(casemate_data(name), {"--tlb", "off", "--report", dir_ / "off.json"});
    const Result on = check(casemate_data(name), {"--tlb", "on", "--report", dir_ / "on.json"});
    EXPECT_EQ(read_file(dir_ / "plain.json"), read_file(dir_ / "on.json")) << name;
    EXPECT_EQ(plain.exit_code, on.exit_code) << name;
    EXPECT_EQ(verdict(plain), verdict(on)) << name;
    nlohmann::json a = read_json(dir_ / "off.json"), b = read_json(dir_ / "on.json");
    EXPECT_FALSE(a.contains("tlb_findings") || a["summary"].contains("tlb")) << name;
    ASSERT_TRUE(b.contains("tlb_findings")) << name;
    drop_tlb(b);
    EXPECT_EQ(a, b) << name;  // the TPT part is the same with the TLB pass on
    EXPECT_EQ(verdict(on).rfind(verdict(off) + "; TLB: ", 0), 0u) << verdict(on);
  }
}

// The TLB pass is one fold in trace order: the report is the same for every --threads.
TEST_F(TlbCli, ReportIsTheSameForEveryThreadCount) {
  for (const char* name : {"remap_no_bbm.trace", "table_zap_ttl.trace", "vmid_reuse.trace"}) {
    const Result one = check(tlb_data(name), {"--tlb", "on", "--threads", "1", "--report", dir_ / "1.json"});
    const Result two = check(tlb_data(name), {"--tlb", "on", "--threads", "2", "--report", dir_ / "2.json"});
    EXPECT_EQ(one.exit_code, 1) << describe(one);
    EXPECT_EQ(read_file(dir_ / "1.json"), read_file(dir_ / "2.json")) << name;
    EXPECT_EQ(verdict(one), verdict(two)) << name;
  }
}

TEST_F(TlbCli, FlagsAreChecked) {
  EXPECT_EQ(check(tlb_data("bbm_correct.trace"), {"--tlb", "maybe"}).exit_code, 2);
  EXPECT_EQ(check(tlb_data("bbm_correct.trace"), {"--tlb", "on", "--ttl", "loose"}).exit_code, 2);
  EXPECT_EQ(check(tlb_data("bbm_correct.trace"), {"--tlb", "on", "--bbm-level", "3"}).exit_code, 2);
  EXPECT_EQ(check(tlb_data("bbm_correct.trace"), {"--tlb", "on", "--tlb-deadline", "never"}).exit_code, 2);
  const Result ptx_trace = check(::ptx::test::source_dir() + "/README.md", {"--format", "ptx", "--tlb", "on"});
  EXPECT_EQ(ptx_trace.exit_code, 2) << describe(ptx_trace);
}

}  // namespace
}  // namespace ptx::clitest
