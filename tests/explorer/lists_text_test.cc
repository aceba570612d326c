// SPDX-License-Identifier: BSD-2-Clause
// Numbers that add up: a violation group's "k of n update lists" (explorer/violation_groups.h,
// lists_text) never counts more lists than the section has, on random and adversarial sections,
// and a group over several address classes says it counts per class.
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "explorer/explorer.h"
#include "explorer/violation_groups.h"
#include "tests/support/random_sections.h"
#include "tests/support/sanitized.h"

namespace ptx {
namespace {

// Every "K of N" in `text` (K, N as short_count prints them: digits or "1.02e+573").
void ExpectNoCountAboveItsTotal(const std::string& text, const BigCount& total, const std::string& what) {
  static const std::regex kOf(R"(([0-9.e+]+) of ([0-9.e+]+))");
  for (std::sregex_iterator it(text.begin(), text.end(), kOf), end; it != end; ++it) {
    const std::string k = (*it)[1], n = (*it)[2];
    EXPECT_EQ(n, short_count(total)) << what << ": " << text;
    if (k.find('e') == std::string::npos && n.find('e') == std::string::npos) {
      EXPECT_LE(BigCount(k), BigCount(n)) << what << ": " << text;
    } else {
      EXPECT_LE(std::stod(k), std::stod(n)) << what << ": " << text;
    }
  }
}

TEST(ListsText, NoGroupOfARandomSectionCountsMoreListsThanTheSectionHas) {
  const int cases = test::sanitized_cases(3000);
  int several_classes = 0;
  for (int i = 0; i < cases; ++i) {
    for (const Geometry& g : {test::kReduced4x2, test::kReduced3x2}) {
      const test::SectionCase c = test::random_case(g, 4'400'000 + i, 7);
      const Exploration x = explore(c.before, c.updates, {});
      for (const ViolationGroup& grp : group_violations(x)) {
        EXPECT_LE(grp.max_lists, x.sequences) << c.describe();
        EXPECT_LE(grp.max_lists, grp.lists) << c.describe();
        const std::string text = lists_text(grp, x);
        ExpectNoCountAboveItsTotal(text, x.sequences, c.describe());
        if (grp.members.size() > 1) {
          ++several_classes;
          EXPECT_NE(text.find("in each of its " + std::to_string(grp.members.size()) + " address classes"),
                    std::string::npos) << text;
        }
      }
    }
  }
  EXPECT_GT(several_classes, 0);  // the random sections reach the case the old text got wrong
}

TEST(ListsText, AdversarialSectionsOfEveryStyleToo) {
  for (int style = 0; style < static_cast<int>(test::CaseStyle::kCount); ++style) {
    for (size_t n = 1; n <= 7; ++n) {
      const test::SectionCase c = test::make_case(test::kReduced4x2, static_cast<test::CaseStyle>(style), n, 77 + n);
      const Exploration x = explore(c.before, c.updates, {});
      for (const ViolationGroup& grp : group_violations(x)) {
        ExpectNoCountAboveItsTotal(lists_text(grp, x), x.sequences, c.describe());
      }
    }
  }
}

}  // namespace
}  // namespace ptx
