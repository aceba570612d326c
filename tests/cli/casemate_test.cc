// SPDX-License-Identifier: BSD-2-Clause
// `ptx check` of casemate traces end to end (the traces of tests/data/casemate/, described in its
// README.md): exit status 0/1/2 by verdict class, `--allow transient-faults`, the report's casemate
// fields, malformed records (exit 2, "ptx: TRACE:LINE:COL: what: rule", no report), detection of
// the format and `--format`; and `ptx record --format casemate`, whose check gives the violation
// counts and classes of `ptx run` on the same workload.
#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"
#include "tests/support/test_paths.h"

namespace ptx::clitest {
namespace {

std::string data(const std::string& name) { return ::ptx::test::source_dir() + "/tests/data/casemate/" + name; }

class CasemateCli : public testing::Test {
 protected:
  // `ptx check TRACE ARGS... --quiet`.
  Result check(const std::string& trace, std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"check", trace, "--quiet"});
    return run_ptx(args, dir_);
  }
  // The last line of stdout starting with "verdict: ".
  static std::string verdict(const Result& r) {
    const size_t at = r.out.rfind("verdict: ");
    return at == std::string::npos ? "" : r.out.substr(at, r.out.find('\n', at) - at);
  }
  std::string file(const std::string& name, const std::string& text) {
    write_file(dir_ / name, text);
    return dir_ / name;
  }
  ScratchDir dir_;
};

// The transactional check's verdicts (--tlb off; the TLB verdicts of these traces are
// tests/cli/tlb_test.cc's).
TEST_F(CasemateCli, ExitStatusFollowsTheVerdictClass) {
  struct Case {
    const char* trace;
    int exit, allowed;  // without and with --allow transient-faults
    const char* verdict;
  };
  for (const Case& c : {
           Case{"first_map.trace", 0, 0, "verdict: transactional (no violation)"},
           Case{"bbm_block.trace", 1, 0, "verdict: transactional except transient faults: 1 transient fault in 1 section"},
           Case{"valid_to_valid.trace", 0, 0, "verdict: transactional (no violation)"},
           Case{"remap_twice.trace", 1, 1,
                "verdict: NOT transactional: 1 violation in 1 section (1 wrong translation, 0 transient faults)"},
           Case{"dirty_table.trace", 1, 1,
                "verdict: NOT transactional: 2 violations in 1 section (2 wrong translations, 0 transient faults)"},
           Case{"dirty_table_cleared.trace", 0, 0, "verdict: transactional (no violation)"},
           Case{"unlocked_write.trace", 1, 1,
                "verdict: transactional (no violation); findings: 1 (unlocked-write 1)"},
           Case{"stage1.trace", 0, 0, "verdict: transactional (no violation)"},
           Case{"every_kind.trace", 1, 1,
                "verdict: transactional (no violation); findings: 2 (mem-read 1, unlocked-write 1)"},
           Case{"ipa39.trace", 1, 1,
                "verdict: NOT transactional: 1 violation in 1 section (1 wrong translation, 0 transient faults)"},
       }) {
    SCOPED_TRACE(c.trace);
    const Result r = check(data(c.trace), {"--tlb", "off"});
    EXPECT_EQ(r.exit_code, c.exit) << describe(r);
    EXPECT_EQ(verdict(r), c.verdict) << describe(r);
    EXPECT_TRUE(r.err.empty()) << describe(r);
    EXPECT_EQ(r.out.rfind("ptx check: " + data(c.trace) + " (casemate, ", 0), 0u) << describe(r);
    const Result allowed = check(data(c.trace), {"--allow", "transient-faults", "--tlb", "off"});
    EXPECT_EQ(allowed.exit_code, c.allowed) << describe(allowed);
  }
  const Result r = check(data("unlocked_write.trace"));
  EXPECT_NE(r.out.find("finding: " + data("unlocked_write.trace") + ":11: unlocked-write: tid 2 holds no lock"),
            std::string::npos)
      << describe(r);
  EXPECT_NE(check(data("every_kind.trace")).out.find("casemate verdict in the trace: must write to pte while holding owner lock"),
            std::string::npos);
}

TEST_F(CasemateCli, ReportCarriesTheCasemateFields) {
  const std::string report = dir_ / "bbm.json";
  const Result r = check(data("bbm_block.trace"), {"--report", report});
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  const nlohmann::json j = read_json(report);
  EXPECT_EQ(j["format"], "casemate");
  EXPECT_TRUE(j["casemate_verdict"].is_null());
  EXPECT_EQ(j.count("policy"), 0u);
  EXPECT_EQ(j["records"]["mem-write"], 4);
  EXPECT_EQ(j["records"]["tlbi"], 2);
  EXPECT_EQ(j["records"]["barrier"], 3);
  EXPECT_EQ(j["summary"]["ops"], 15);  // records
  EXPECT_EQ(j["summary"]["violations"], 1);
  EXPECT_EQ(j["summary"]["transient_faults"], 1);
  EXPECT_EQ(j["summary"]["wrong_translations"], 0);
  EXPECT_EQ(j["summary"]["findings"], 0);
  ASSERT_EQ(j["sections"].size(), 1u);
  const nlohmann::json& s = j["sections"][0];
  EXPECT_EQ(s["tid"], 1);
  EXPECT_EQ(s["lock"], "0x7f300040");
  EXPECT_EQ(s["lines"], nlohmann::json({7, 15}));
  EXPECT_EQ(s["open_at_end"], false);
  EXPECT_EQ(s["root"], "0x7f2c0000");
  EXPECT_EQ(s["stage"], 2);
  EXPECT_EQ(s["vmid"], 1);
  EXPECT_EQ(s["barriers"], nlohmann::json({1}));
  EXPECT_EQ(s["updates"][0]["line"], 8);
  EXPECT_EQ(s["updates"][1]["src"], "pgt.c:47");
  EXPECT_EQ(s["updates"][1]["new"], "0xc00007fd");
  EXPECT_EQ(s["violations"][0]["class"], "transient-fault");
  EXPECT_EQ(s["violations"][0]["observed"], "0x0");
  EXPECT_EQ(s["violations"][0]["witness"], nlohmann::json::array({0}));

  const std::string all = dir_ / "every.json";
  ASSERT_EQ(check(data("every_kind.trace"), {"--report", all, "--report-all"}).exit_code, 1);
  const nlohmann::json e = read_json(all);
  EXPECT_EQ(e["casemate_verdict"], "must write to pte while holding owner lock");
  EXPECT_EQ(e["findings"], nlohmann::json::parse(R"([{"kind":"mem-read","line":19,
      "detail":"tid 3 reads 0x0 at 0x7f2d0008, but memory holds 0x7f2e0003"},
      {"kind":"unlocked-write","line":45,
      "detail":"tid 2 writes 0x800017ff over 0x0 at 0x7f2f0008, an entry of root 0x7f2c0000, holding lock 0x7f300080 but not the root's lock 0x7f300040"}])"));
  EXPECT_EQ(e["records"]["trylock"], 1);
  EXPECT_EQ(e["records"]["mem-free"], 1);
  ASSERT_EQ(e["sections"].size(), 2u);
  EXPECT_EQ(e["sections"][1]["open_at_end"], true);
  EXPECT_EQ(e["sections"][1]["lines"], nlohmann::json({44, 45}));
  EXPECT_EQ(e["sections"][1]["tid"], 2);
}

TEST_F(CasemateCli, StageOneAndAThirtyNineBitIpaInTheReport) {
  const std::string s1 = dir_ / "s1.json", ipa = dir_ / "ipa.json";
  ASSERT_EQ(check(data("stage1.trace"), {"--report", s1, "--report-all"}).exit_code, 0);
  const nlohmann::json j = read_json(s1);
  EXPECT_EQ(j["sections"][0]["stage"], 1);
  EXPECT_EQ(j["sections"][0]["root"], "0x7f400000");
  EXPECT_EQ(j["sections"][0]["vmid"], 0);
  EXPECT_EQ(j["sections"][0]["barriers"], nlohmann::json({1, 2}));
  ASSERT_EQ(check(data("ipa39.trace"), {"--report", ipa}).exit_code, 1);
  const nlohmann::json k = read_json(ipa);
  EXPECT_EQ(k["sections"][0]["vmid"], 2);
  EXPECT_EQ(k["sections"][0]["violations"][0]["ipa"], "0x40000000");
  EXPECT_EQ(k["sections"][0]["updates"][0]["kind"], "PTE");
}

TEST_F(CasemateCli, MalformedRecordsExitTwoWithTheirPositionAndNoReport) {
  const std::string lock = "(lock (id 1) (tid 0) (address 0x10) (src \"a.c:1\"))\n";
  struct Case {
    const char* name;
    std::string text;
    const char* position;  // "LINE:COL"
    const char* what;
  };
  for (const Case& c : {
           Case{"unknown_kind", lock + "(msr (id 2) (tid 0) (sysreg vttbr_el2) (value 0) (src \"a.c:2\"))\n", "2:2",
                "unknown record kind 'msr'"},
           Case{"bad_hex", lock + "(mem-write (id 2) (tid 0) (mem-order plain) (address 0xZZ) (value 0) (src \"a.c:2\"))\n",
                "2:54", "'0xZZ' is not hexadecimal"},
           Case{"upper_0x", lock + "(unlock (id 2) (tid 0) (address 0X10) (src \"a.c:2\"))\n", "2:33", "'0X10'"},
           Case{"tid_4", lock + "(unlock (id 2) (tid 4) (address 0x10) (src \"a.c:2\"))\n", "2:21", "tid 4 out of range"},
           Case{"unmatched_unlock", lock + "(unlock (id 2) (tid 1) (address 0x10) (src \"a.c:2\"))\n", "2:1",
                "unlock of lock 0x10 that tid 1 does not hold"},
           Case{"crlf", "(lock (id 1) (tid 0) (address 0x10) (src \"a.c:1\"))\r\n", "1:51", "CR character"},
           Case{"comment", lock + "# a comment\n", "2:1", "casemate traces have no comments"},
           Case{"no_src", lock + "(unlock (id 2) (tid 0) (address 0x10))\n", "2:38", "missing src"},
           Case{"src_no_colon", lock + "(unlock (id 2) (tid 0) (address 0x10) (src \"a.c\"))\n", "2:44", "has no ':'"},
           Case{"tlbi_no_value", lock + "(tlbi (id 2) (tid 0) vae2is (src \"a.c:2\"))\n", "2:30", "missing value on tlbi vae2is"},
           Case{"wrong_key", lock + "(unlock (id 2) (tid 0) (size 0x10) (src \"a.c:2\"))\n", "2:25", "expected 'address'"},
           Case{"dsb_sy", lock + "(barrier (id 2) (tid 0) dsb (kind sy) (src \"a.c:2\"))\n", "2:35", "unexpected word 'sy'"},
           Case{"junk_after_record", lock + "(unlock (id 2) (tid 0) (address 0x10) (src \"a.c:2\"))x\n", "2:53",
                "unexpected 'x' between records"},
           Case{"end_of_file", lock + "(unlock (id 2) (tid 0) (address 0x10) (src \"a.c:2\")\n", "3:1", "end of file inside"},
       }) {
    SCOPED_TRACE(c.name);
    const std::string trace = file(std::string(c.name) + ".trace", c.text);
    const std::string report = dir_ / "report.json";
    const Result r = check(trace, {"--report", report});
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_EQ(r.err.rfind("ptx: " + trace + ":" + c.position + ": ", 0), 0u) << describe(r);
    EXPECT_NE(r.err.find(c.what), std::string::npos) << describe(r);
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << describe(r);  // one line
    EXPECT_TRUE(verdict(r).empty()) << describe(r);
    EXPECT_FALSE(std::filesystem::exists(report));
  }
  for (const char* refused : {"vtcr_tg0_16k.trace", "vtcr_t0sz40.trace"}) {
    const Result r = check(data(refused));
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_EQ(r.err.rfind("ptx: " + data(refused) + ":2:1: vtcr_el2 value ", 0), 0u) << describe(r);
  }
}

TEST_F(CasemateCli, TheFormatIsDetectedOrForced) {
  // Leading blank lines and spaces: still a casemate trace.
  const std::string spaced = file("spaced.trace", "\n  \n\t" + read_file(data("first_map.trace")));
  Result r = check(spaced);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_NE(r.out.find("(casemate, 13 records, 1 root)"), std::string::npos) << describe(r);
  // An empty trace and a verdict line alone are casemate traces that pass.
  EXPECT_EQ(check(file("verdict_only.trace", "! BBM valid->valid\n"), {"--format", "casemate"}).exit_code, 0);
  EXPECT_EQ(check(file("empty.trace", ""), {"--format", "casemate"}).exit_code, 0);
  // --format ptx forces the ptx reader on a casemate trace: its error.
  r = check(data("first_map.trace"), {"--format", "ptx"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_EQ(r.err.rfind("ptx: " + data("first_map.trace") + ":1", 0), 0u) << describe(r);
  EXPECT_EQ(r.out.find("casemate"), std::string::npos) << describe(r);
  // A ptx trace is read as one, and --format casemate refuses it at its first byte.
  const std::string ptx_trace = dir_ / "t.jsonl";
  ASSERT_EQ(run_ptx({"record", "--quiet", "--vms", "1", "--ops", "200", "--out", ptx_trace}, dir_).exit_code, 0);
  r = check(ptx_trace);
  EXPECT_EQ(r.exit_code, 0) << describe(r);
  EXPECT_EQ(r.out.find("casemate"), std::string::npos) << describe(r);
  r = check(ptx_trace, {"--format", "casemate"});
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_EQ(r.err.rfind("ptx: " + ptx_trace + ":1:1: unexpected '{\"description\"", 0), 0u) << describe(r);
  EXPECT_EQ(check(data("first_map.trace"), {"--format", "xml"}).exit_code, 2);
}

// What both paths must agree on: the report's summary (without "ops": the casemate path counts
// records there) and each violation (vmid, ipa, before, after, observed, class, lists, witness).
struct Verdicts {
  nlohmann::json summary;
  std::vector<std::string> violations;  // sorted
  bool operator==(const Verdicts&) const = default;
};
Verdicts verdicts(const nlohmann::json& report) {
  Verdicts v{report["summary"], {}};
  v.summary.erase("ops");
  // The most stale entries held at once: the run folds each VM on its own, the trace's one CPU
  // folds them together, so the two differ; every verdict count is the same.
  if (v.summary.contains("tlb")) v.summary["tlb"].erase("max_stale");
  for (const nlohmann::json& s : report["sections"]) {
    for (const nlohmann::json& x : s["violations"]) v.violations.push_back(s["vmid"].dump() + " " + x.dump());
  }
  std::sort(v.violations.begin(), v.violations.end());
  return v;
}
void PrintTo(const Verdicts& v, std::ostream* os) { *os << v.summary.dump() << " " << testing::PrintToString(v.violations); }

TEST_F(CasemateCli, ARecordedCasemateTraceChecksLikeTheRun) {
  const std::string violating = file("violating.wl",
                                     "map 1 0x40000000 3 0x80000747\n"
                                     "begin\nmap 1 0x40000000 3 0x90000747\nmap 1 0x40000000 3 0xa0000747\nend\n"
                                     "begin\nmap 2 0x40000000 2 0x80000745\nmap 2 0x40200000 2 0x80200745\nend\n"
                                     "begin\nmap 2 0x40400000 3 0x80400747\nmap 2 0x40400000 3 0x80401747\n"
                                     "map 2 0x40401000 3 0x80402747\nend\n");
  const std::vector<std::vector<std::string>> inputs = {
      {"--vms", "2", "--ops", "1500"},
      {"--vms", "3", "--ops", "1500", "--sections", "batched"},
      {"--workload", violating, "--sections", "batched"}};
  for (const std::vector<std::string>& in : inputs) {
    SCOPED_TRACE(testing::PrintToString(in));
    std::vector<std::string> run = {"run", "--quiet", "--report-all", "--report", dir_ / "run.json", "--tlb", "on"};
    std::vector<std::string> rec = {"record", "--quiet", "--format", "casemate", "--out", dir_ / "t.trace"};
    run.insert(run.end(), in.begin(), in.end());
    rec.insert(rec.end(), in.begin(), in.end());
    const Result ran = run_ptx(run, dir_);
    const Result recorded = run_ptx(rec, dir_);
    ASSERT_EQ(recorded.exit_code, 0) << describe(recorded);
    EXPECT_NE(recorded.out.find("trace: " + dir_ / "t.trace" + " (casemate, "), std::string::npos) << describe(recorded);
    const Result checked = check(dir_ / "t.trace", {"--report-all", "--report", dir_ / "check.json", "--tlb", "on"});
    EXPECT_EQ(checked.exit_code, ran.exit_code) << describe(ran) << describe(checked);
    const Verdicts a = verdicts(read_json(dir_ / "run.json")), b = verdicts(read_json(dir_ / "check.json"));
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.summary["sections"], b.summary["sections"]);
    if (in[0] == "--workload") {
      EXPECT_EQ(a.summary["wrong_translations"], 2) << a.summary.dump();  // the two remaps
      EXPECT_EQ(checked.exit_code, 1);
    }
  }
  // The recording is the same whatever --threads says.
  const std::string one = dir_ / "one.trace", two = dir_ / "two.trace";
  ASSERT_EQ(run_ptx({"record", "--quiet", "--vms", "3", "--ops", "600", "--format", "casemate", "--threads", "1", "--out", one}, dir_).exit_code, 0);
  ASSERT_EQ(run_ptx({"record", "--quiet", "--vms", "3", "--ops", "600", "--format", "casemate", "--threads", "2", "--out", two}, dir_).exit_code, 0);
  EXPECT_EQ(read_file(one), read_file(two));
}

TEST_F(CasemateCli, RecordRefusesADescriptorTheArmRulesReadOtherwise) {
  // Bit 0 clear at level 3: SeKVM maps it, the Arm rules do not.
  const std::string w = file("odd.wl", "map 1 0x40000000 3 0x80000747\nmap 1 0x40001000 3 0x80001746\n");
  std::filesystem::create_directory(dir_.path() / "out");
  const Result r = run_ptx({"record", "--quiet", "--workload", w, "--format", "casemate", "--out", dir_ / "out/t.trace"}, dir_);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("vmid 1 seq 1: update 0 writes 0x80001746 at level 3: a page under SeKVM's descriptor rules but "
                       "invalid under Arm's"),
            std::string::npos)
      << describe(r);
  EXPECT_TRUE(dir_.list("out").empty()) << testing::PrintToString(dir_.list("out"));
  // The ptx format records it.
  EXPECT_EQ(run_ptx({"record", "--quiet", "--workload", w, "--out", dir_ / "out/t.jsonl"}, dir_).exit_code, 0);
}

TEST_F(CasemateCli, ThreadsDoNotChangeTheReport) {
  const std::string recorded = dir_ / "q.trace";
  ASSERT_EQ(run_ptx({"record", "--quiet", "--vms", "2", "--ops", "800", "--sections", "batched", "--format", "casemate",
                     "--out", recorded}, dir_).exit_code, 0);
  for (const std::string& trace : {data("every_kind.trace"), data("dirty_table.trace"), recorded}) {
    SCOPED_TRACE(trace);
    std::string first;
    for (const char* threads : {"1", "2", "4", "16"}) {
      const std::string report = dir_ / (std::string("r") + threads + ".json");
      const Result r = check(trace, {"--threads", threads, "--report-all", "--report", report});
      EXPECT_LE(r.exit_code, 1) << describe(r);
      // More threads than this machine's cores: no TBB warning about its worker limit on stderr.
      EXPECT_EQ(r.err.find("TBB"), std::string::npos) << r.err;
      if (first.empty()) first = read_file(report);
      EXPECT_EQ(read_file(report), first) << threads << " threads";
    }
  }
}

}  // namespace
}  // namespace ptx::clitest
