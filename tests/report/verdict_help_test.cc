// SPDX-License-Identifier: BSD-2-Clause
// verdict_help: every verdict and finding docs/verdicts.md describes has its own help (what SARIF
// rules carry), and a cause's fix replaces the verdict's.
#include "report/verdict_help.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/test_paths.h"

namespace ptx::report {
namespace {

TEST(VerdictHelp, EveryVerdictTheReferenceDescribesHasItsOwnHelp) {
  std::ifstream in(::ptx::test::source_dir() + "/docs/verdicts.md");
  ASSERT_TRUE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  const VerdictHelp unknown = verdict_help("no-such-verdict", "");
  size_t names = 0;
  const std::regex heading("\n### `([a-z0-9-]+)`");
  for (std::sregex_iterator it(doc.begin(), doc.end(), heading), end; it != end; ++it) {
    const std::string name = (*it)[1];
    ++names;
    const VerdictHelp h = verdict_help(name, "");
    EXPECT_NE(h.meaning, unknown.meaning) << name << " has no help of its own";
    EXPECT_FALSE(h.fix.empty()) << name;
  }
  EXPECT_GE(names, 16u);  // the TPT classes, the Arm-trace and kernel findings, the TLB verdicts
}

TEST(VerdictHelp, ACausesFixReplacesTheVerdicts) {
  const VerdictHelp plain = verdict_help("stale-mapping", "");
  const VerdictHelp caused = verdict_help("stale-mapping", "tlbi-before-dsb");
  EXPECT_EQ(plain.meaning, caused.meaning);
  EXPECT_NE(plain.fix, caused.fix);
  EXPECT_NE(caused.fix.find("DSB"), std::string_view::npos);
}

}  // namespace
}  // namespace ptx::report
