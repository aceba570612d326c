// SPDX-License-Identifier: BSD-2-Clause
// `ptx run --workload` on a workload reproducing SPEC §5's case table: the --report-all JSON must
// give exactly the table's counts for each row, and a section that breaks the condition must be
// reported as a violation with a witness (exit 1).
#include <gtest/gtest.h>

#include "tests/cli/cli_util.h"

namespace ptx::clitest {
namespace {

// One row per section; vmid 1 walks rows 1-4 (each adds one table level less), vmid 2 rows 5-6.
constexpr const char* kCaseTable = R"(# SPEC §5 case table
map 1 0x40000000 3 0x80000007ff   # level 3, nothing under the root entry: PGD PUD PMD PTE
map 1 0x80000000 3 0x80001007ff   # level 3, level-1 table exists: PUD PMD PTE
map 1 0x40200000 3 0x80002007ff   # level 3, level-2 table exists: PMD PTE
map 1 0x40001000 3 0x80003007ff   # level 3, level-3 table exists: PTE

map 2 0x40000000 2 0x90000007fd   # level 2, nothing mapped: PGD PUD PMD
map 2 0x40200000 2 0x90002007fd   # level 2, level-2 table exists: PMD
)";

struct Row {
  uint32_t vmid;
  uint64_t seq;
  std::vector<std::string> kinds;
  uint64_t sequences, before, after;
};

const std::vector<Row> kRows = {
    {1, 0, {"PGD", "PUD", "PMD", "PTE"}, 65, 41, 24},
    {1, 1, {"PUD", "PMD", "PTE"}, 16, 10, 6},
    {1, 2, {"PMD", "PTE"}, 5, 3, 2},
    {1, 3, {"PTE"}, 2, 1, 1},
    {2, 0, {"PGD", "PUD", "PMD"}, 16, 10, 6},
    {2, 1, {"PMD"}, 2, 1, 1},
};

TEST(CliCaseTable, ReportGivesTheTableCounts) {
  ScratchDir dir;
  write_file(dir / "case.txt", kCaseTable);
  for (const char* mode : {"fast", "faithful"}) {
    SCOPED_TRACE(mode);
    const std::string report = dir / (std::string("report-") + mode + ".json");
    const Result r = run_ptx({"run", "--workload", dir / "case.txt", "--mode", mode, "--report",
                              report, "--report-all", "--threads", "2"},
                             dir);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    EXPECT_NE(r.out.find("verdict: transactional"), std::string::npos) << r.out;
    const nlohmann::json j = read_json(report);
    EXPECT_EQ(j["summary"]["ops"], 6);
    EXPECT_EQ(j["summary"]["sections"], 6);
    EXPECT_EQ(j["summary"]["updates"], 4 + 3 + 2 + 1 + 3 + 1);
    EXPECT_EQ(j["summary"]["sequences"], 65 + 16 + 5 + 2 + 16 + 2);
    EXPECT_EQ(j["summary"]["violations"], 0);
    ASSERT_EQ(j["sections"].size(), kRows.size());
    for (size_t i = 0; i < kRows.size(); ++i) {
      const Row& row = kRows[i];
      const nlohmann::json& s = j["sections"][i];
      SCOPED_TRACE(s.dump());
      EXPECT_EQ(s["vmid"], row.vmid);
      EXPECT_EQ(s["seq"], row.seq);
      ASSERT_EQ(s["updates"].size(), row.kinds.size());
      for (size_t k = 0; k < row.kinds.size(); ++k) {
        EXPECT_EQ(s["updates"][k]["kind"], row.kinds[k]);
        EXPECT_EQ(s["updates"][k]["old"], "0x0");
      }
      EXPECT_EQ(s["sequences"], row.sequences);
      EXPECT_EQ(s["target"]["before"], row.before);
      EXPECT_EQ(s["target"]["after"], row.after);
      EXPECT_EQ(s["target"]["other"], 0);
      EXPECT_TRUE(s["violations"].empty());
      ASSERT_EQ(s["ops"].size(), 1u);
      EXPECT_TRUE(s["ops"][0]["ipa"].get<std::string>().starts_with("0x"));
      EXPECT_TRUE(s["ops"][0]["descriptor"].get<std::string>().starts_with("0x"));
    }
    // Addresses and descriptors are hex strings.
    EXPECT_EQ(j["sections"][0]["ops"][0]["ipa"], "0x40000000");
    EXPECT_EQ(j["sections"][0]["ops"][0]["level"], 3);
    EXPECT_EQ(j["sections"][0]["ops"][0]["descriptor"], "0x80000007ff");
    EXPECT_EQ(j["sections"][0]["updates"][3]["new"], "0x80000007ff");
  }
}

TEST(CliCaseTable, WithoutReportAllOnlyViolatingSectionsAreListed) {
  ScratchDir dir;
  write_file(dir / "case.txt", kCaseTable);
  const Result r = run_ptx({"run", "--workload", dir / "case.txt", "--report", dir / "r.json"}, dir);
  ASSERT_EQ(r.exit_code, 0) << describe(r);
  const nlohmann::json j = read_json(dir / "r.json");
  EXPECT_EQ(j["summary"]["sections"], 6);
  EXPECT_TRUE(j["sections"].empty());
}

// Remapping a page within one section (possible only under the batched policy) exposes the
// intermediate mapping: a violation, exit 1, with a one-update witness.
TEST(CliCaseTable, RemapInOneSectionIsAViolation) {
  ScratchDir dir;
  write_file(dir / "remap.txt", R"(map 3 0x40000000 3 0x80000007ff
begin
map 3 0x40000000 3 0x81000007ff
map 3 0x40000000 3 0x82000007ff
end
)");
  const Result r = run_ptx({"run", "--workload", dir / "remap.txt", "--sections", "batched",
                            "--report", dir / "r.json"},
                           dir);
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("verdict: NOT transactional"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("remap.txt:3"), std::string::npos) << r.out;  // its first op
  const nlohmann::json j = read_json(dir / "r.json");
  EXPECT_EQ(j["summary"]["violations"], 1);
  ASSERT_EQ(j["sections"].size(), 1u);
  const nlohmann::json& s = j["sections"][0];
  EXPECT_EQ(s["vmid"], 3);
  EXPECT_EQ(s["seq"], 1);
  EXPECT_EQ(s["sequences"], 5);
  ASSERT_EQ(s["violations"].size(), 1u);
  const nlohmann::json& v = s["violations"][0];
  EXPECT_EQ(v["ipa"], "0x40000000");
  EXPECT_EQ(v["before"], "0x80000007ff");
  EXPECT_EQ(v["after"], "0x82000007ff");
  EXPECT_EQ(v["observed"], "0x81000007ff");
  EXPECT_EQ(v["witness"], nlohmann::json::array({0}));
  // Lists [], [u1], [u0], [u0;u1], [u1;u0] give d0, d2, d1, d1, d2 (the head is applied last).
  EXPECT_EQ(s["target"], nlohmann::json({{"before", 1}, {"after", 2}, {"other", 2}}));
  EXPECT_EQ(v["sequences"], 2);
}

}  // namespace
}  // namespace ptx::clitest
