// SPDX-License-Identifier: BSD-2-Clause
// `--draw DIR`: one picture per violation of the first violating sections of each VM, the same
// files for every thread count, and a clear error when DIR cannot be made.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "tests/cli/cli_util.h"

namespace ptx::clitest {
namespace {

// vmid 1 remaps one page twice inside one batched section (two leaf writes to one PTE: a third
// mapping is visible); vmid 2 does the same in two sections; vmid 3 is transactional.
constexpr const char* kBad = R"(begin
map 1 0x40000000 3 0x80000747
map 1 0x40000000 3 0x90000747
end
begin
map 2 0x40000000 3 0x80000747
map 2 0x40000000 3 0x81000747
end
begin
map 2 0x40001000 3 0x80001747
map 2 0x40001000 3 0x81001747
end
map 3 0x40000000 3 0x80000747
)";

// "S1234abcd-vm1-section0-..." -> "vm1-section0-...": the file name after its signature's id.
std::string without_signature(const std::string& file) {
  EXPECT_EQ(file.size() > 10 && file[0] == 'S' && file[9] == '-', true) << file;
  return file.substr(10);
}

TEST(CliDraw, PicturesOfEachSignaturesFirstOccurrencesSameForEveryThreadCount) {
  ScratchDir dir;
  write_file(dir / "bad.txt", kBad);
  std::vector<std::string> first;
  for (const char* threads : {"1", "4"}) {
    const std::string out = dir / (std::string("draw") + threads);
    const Result r = run_ptx({"run", "--workload", dir / "bad.txt", "--sections", "batched", "--threads",
                              threads, "--quiet", "--draw", out},
                             dir);
    ASSERT_EQ(r.exit_code, 1) << describe(r);
    EXPECT_NE(r.out.find("drawings: 3 in"), std::string::npos) << describe(r);
    std::vector<std::string> dots, named;
    for (const std::string& f : dir.list(std::string("draw") + threads)) {
      if (f.size() > 4 && f.substr(f.size() - 4) == ".dot") dots.push_back(f);
    }
    for (const std::string& f : dots) named.push_back(without_signature(f));
    std::sort(named.begin(), named.end());
    EXPECT_EQ(named, (std::vector<std::string>{"vm1-section0-ipa0x40000000-0x80000747.dot",
                                               "vm2-section0-ipa0x40000000-0x80000747.dot",
                                               "vm2-section1-ipa0x40001000-0x80001747.dot"}));
    // Two signatures: a first mapping under new tables (vm1 s0, vm2 s0) and one in a table that
    // exists (vm2 s1).
    ASSERT_EQ(dots.size(), 3u);
    std::set<std::string> ids;
    for (const std::string& f : dots) ids.insert(f.substr(0, 9));
    EXPECT_EQ(ids.size(), 2u);
    const std::string first_dot = *std::find_if(dots.begin(), dots.end(), [](const std::string& f) {
      return f.find("-vm1-section0-") != std::string::npos;
    });
    const std::string dot = read_file(out + "/" + first_dot);
    EXPECT_NE(dot.find("digraph interleaving"), std::string::npos);
    EXPECT_NE(dot.find("observed 0x80000747"), std::string::npos);
    if (std::system("command -v dot >/dev/null 2>&1") == 0) {
      const std::string svg = first_dot.substr(0, first_dot.size() - 4) + ".svg";
      EXPECT_NE(read_file(out + "/" + svg).find("<svg"), std::string::npos);
    }
    if (first.empty()) first = dots;
    EXPECT_EQ(dots, first);
  }
}

TEST(CliDraw, DrawLimitCountsOccurrencesPerSignature) {
  ScratchDir dir;
  write_file(dir / "bad.txt", kBad);
  const Result r = run_ptx({"run", "--workload", dir / "bad.txt", "--sections", "batched", "--quiet",
                            "--draw", dir / "d", "--draw-limit", "1"},
                           dir);
  ASSERT_EQ(r.exit_code, 1) << describe(r);
  EXPECT_NE(r.out.find("drawings: 2 in"), std::string::npos) << describe(r);  // each signature's first
  std::vector<std::string> named;
  for (const std::string& f : dir.list("d")) {
    if (f.size() > 4 && f.substr(f.size() - 4) == ".dot") named.push_back(without_signature(f));
  }
  std::sort(named.begin(), named.end());
  EXPECT_EQ(named, (std::vector<std::string>{"vm1-section0-ipa0x40000000-0x80000747.dot",
                                             "vm2-section1-ipa0x40001000-0x80001747.dot"}));
}

TEST(CliDraw, UncreatableDirectoryIsBadInput) {
  ScratchDir dir;
  write_file(dir / "bad.txt", kBad);
  write_file(dir / "file", "not a directory");
  const Result r = run_ptx({"run", "--workload", dir / "bad.txt", "--sections", "batched", "--quiet",
                            "--draw", dir / "file/sub", "--report", dir / "r.json"},
                           dir);
  EXPECT_EQ(r.exit_code, 2) << describe(r);
  EXPECT_NE(r.err.find("--draw"), std::string::npos) << describe(r);
  EXPECT_FALSE(std::filesystem::exists(dir / "r.json"));
}

}  // namespace
}  // namespace ptx::clitest
