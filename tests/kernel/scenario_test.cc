// SPDX-License-Identifier: BSD-2-Clause
// The scenario format of `ptx schedules` (kernel/scenario.h): the built-ins, a round trip through
// call_text, and each rule's error with its line.
#include "kernel/scenario.h"

#include <gtest/gtest.h>

namespace ptx::kernel {
namespace {

TEST(Scenario, EveryBuiltInParsesAndHasItsName) {
  const std::vector<Scenario>& all = builtin_scenarios();
  ASSERT_EQ(all.size(), 8u);  // every text of scenario_builtin.cc
  for (const Scenario& s : all) {
    EXPECT_FALSE(s.about.empty()) << s.name;
    EXPECT_GE(s.threads.size(), 2u) << s.name;
    StatusOr<Scenario> found = find_scenario(s.name);
    ASSERT_TRUE(found.ok());
    EXPECT_EQ(found->threads.size(), s.threads.size());
  }
  EXPECT_EQ(find_scenario("nope").status().code(), StatusCode::kBadInput);
}

TEST(Scenario, CallsRoundTripThroughTheirText) {
  for (const Scenario& s : builtin_scenarios()) {
    std::string text = "scenario copy\n";
    for (const ptx_k_call& c : s.setup) text += "setup " + call_text(c) + "\n";
    for (const auto& t : s.threads) {
      text += "thread ";
      for (size_t i = 0; i < t.size(); ++i) text += (i ? "; " : "") + call_text(t[i]);
      text += "\n";
    }
    StatusOr<Scenario> back = parse_scenario(text, "copy");
    ASSERT_TRUE(back.ok()) << back.status().to_string() << "\n" << text;
    ASSERT_EQ(back->threads.size(), s.threads.size());
    for (size_t t = 0; t < s.threads.size(); ++t) {
      ASSERT_EQ(back->threads[t].size(), s.threads[t].size());
      for (size_t i = 0; i < s.threads[t].size(); ++i) EXPECT_EQ(call_text(back->threads[t][i]), call_text(s.threads[t][i]));
    }
  }
}

TEST(Scenario, ReadsEveryCallKindWithComments) {
  StatusOr<Scenario> s = parse_scenario(
      "# a comment\nscenario all_kinds\n  setup fault 0x200000 2M 0x40000000 rwx  # trailing\n"
      "thread unmap 0x200000 2M; wrprotect 0 4096\nthread access 0x1000; age 0 1G; split 0 2M\n"
      "thread fault 0x3000 4K 0x5000 rd logging\n",
      "f");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->name, "all_kinds");
  ASSERT_EQ(s->setup.size(), 1u);
  EXPECT_EQ(s->setup[0].prot, uint32_t{PTX_K_PROT_R | PTX_K_PROT_W | PTX_K_PROT_X});
  ASSERT_EQ(s->threads.size(), 3u);
  EXPECT_EQ(s->threads[1][1].kind, uint32_t{PTX_K_AGE});
  EXPECT_EQ(s->threads[1][1].size, uint64_t{1} << 30);
  EXPECT_EQ(s->threads[2][0].logging, 1u);
  EXPECT_EQ(s->threads[2][0].prot, uint32_t{PTX_K_PROT_R | PTX_K_PROT_DEVICE});
}

void expect_error(const std::string& text, const std::string& want) {
  StatusOr<Scenario> s = parse_scenario(text, "f.scenario");
  ASSERT_FALSE(s.ok()) << text;
  EXPECT_EQ(s.status().code(), StatusCode::kBadInput);
  EXPECT_NE(s.status().message().find(want), std::string::npos) << s.status().message();
}

TEST(Scenario, EachRuleBrokenIsABadInputNamingTheLine) {
  expect_error("scenario a\nthread fault 0x1000 4K 0x2000\n", "f.scenario:2: fault takes 4 operands");
  expect_error("scenario a\nthread jump 0\n", "'jump' is not a call");
  expect_error("scenario a\nthread fault 0x1000 3K 0x2000 r\n", "'3K' is not a size");
  expect_error("scenario a\nthread fault 0x1000 2M 0x200000 r\n", "not aligned");
  expect_error("scenario a\nthread fault 0x1000 4K 0x2000 rr\n", "not permissions");
  expect_error("scenario a\nthread unmap 0xffffffffffff000 2M\n", "beyond 2^48");
  expect_error("scenario a b\n", "one name");
  expect_error("scenario a\nscenario b\nthread access 0\n", "a second scenario line");
  expect_error("thread access 0\n", "no 'scenario NAME' line");
  expect_error("scenario a\n", "no thread");
  expect_error("scenario a\nthread access 0;\n", "an empty call");
  expect_error("scenario a\nsetup access 0; access 0\nthread access 0\n", "setup takes one call");
  expect_error("scenario a\nthread access 0\nthread access 0\nthread access 0\nthread access 0\nthread access 0\n",
               "more than 4 threads");
  expect_error("scenario a\nwhat now\n", "'what' is not a statement");
}

}  // namespace
}  // namespace ptx::kernel
