// SPDX-License-Identifier: BSD-2-Clause
// `ptx SUBCOMMAND --help` shows, for every option that takes one of a few names, those names
// ({a|b|c}, CLI11's CheckedTransformer over the project's name tables), never the enums' numbers;
// a wrong name is refused with the names; --help and errors point to docs/.
#include <gtest/gtest.h>

#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_util.h"

namespace ptx::clitest {
namespace {

// The lines of `text` that name an option's value type ENUM.
std::vector<std::string> enum_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find("ENUM") != std::string::npos) out.push_back(line);
  }
  return out;
}

TEST(CliHelp, EveryEnumOptionOfEverySubcommandShowsItsNames) {
  ScratchDir dir;
  const std::map<std::string, std::vector<std::string>> want = {
      {"run", {"--sections ENUM:{sekvm|batched}", "--engine ENUM:{sekvm|bbm|dirty-reuse|two-step-update|missing-barrier",
               "--mode ENUM:{fast|faithful}", "--compare ENUM:{descriptor|translation}",
               "--allow ENUM:{none|transient-faults}", "--tlb ENUM:{on|off}", "--ttl ENUM:{strict|ignore}",
               "--tlb-deadline ENUM:{unlock|end}"}},
      {"record", {"--sections ENUM:{sekvm|batched}", "--engine ENUM:{sekvm|bbm|dirty-reuse|two-step-update|missing-barrier",
                  "--format ENUM:{ptx|casemate}"}},
      {"check", {"--format ENUM:{auto|ptx|casemate}", "--mode ENUM:{fast|faithful}",
                 "--compare ENUM:{descriptor|translation}", "--allow ENUM:{none|transient-faults}",
                 "--tlb ENUM:{on|off}", "--ttl ENUM:{strict|ignore}", "--tlb-deadline ENUM:{unlock|end}"}},
  };
  const std::regex names(R"(ENUM:\{[a-z0-9.-]+(\|[a-z0-9.-]+)+\})");
  for (const auto& [sub, options] : want) {
    const Result r = run_ptx({sub, "--help"}, dir);
    ASSERT_EQ(r.exit_code, 0) << describe(r);
    for (const char c : r.out) EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << sub << ": a control character";
    const std::vector<std::string> lines = enum_lines(r.out);
    EXPECT_EQ(lines.size(), options.size()) << sub << ":\n" << r.out;
    for (const std::string& line : lines) EXPECT_TRUE(std::regex_search(line, names)) << sub << ": " << line;
    for (const std::string& o : options) EXPECT_NE(r.out.find(o), std::string::npos) << sub << " lacks " << o;
  }
  const Result top = run_ptx({"--help"}, dir);
  EXPECT_NE(top.out.find("docs/"), std::string::npos) << top.out;
}

TEST(CliHelp, AWrongNameIsRefusedWithTheNamesAndTheDocument) {
  ScratchDir dir;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"run", "--ttl", "loose"}, {"run", "--tlb", "maybe"}, {"record", "--format", "x", "--out", "t"},
        {"check", "t", "--format", "json"}, {"run", "--engine", "linux"}}) {
    const Result r = run_ptx(args, dir);
    EXPECT_EQ(r.exit_code, 2) << describe(r);
    EXPECT_NE(r.err.find("' is not one of "), std::string::npos) << describe(r);
    EXPECT_NE(r.err.find("docs/cli.md"), std::string::npos) << describe(r);
    for (const char c : r.err) EXPECT_TRUE(c == '\n' || (c >= 0x20 && c < 0x7f)) << describe(r);
  }
}

}  // namespace
}  // namespace ptx::clitest
