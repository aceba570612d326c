// SPDX-License-Identifier: BSD-2-Clause
// SectionTlb (tlb/section_tlb.h): the TLB pass over engine sections, with the TLB maintenance
// they record. An unmap with the engine's flush is clean; without it, or with a wrong TTL hint,
// or with its TLBI before the DSB, it is the stale mapping the cause names; findings are listed
// by VM whatever order the VMs' sections come in; each finding carries the section's line.
#include "tlb/section_tlb.h"

#include <algorithm>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/engine.h"
#include "tests/support/engine_ops.h"

namespace ptx::tlb {
namespace {

constexpr uint64_t kIpa = 0x40000000;
constexpr uint64_t kPage = 0x80000000 | 0x7FF;  // a 4 KiB page, AF set: cacheable

// Map then unmap kIpa in VM `vm`: the two sections, with whatever maintenance the engine recorded.
std::vector<Section> map_unmap(Stage2Engine& e, uint32_t vm) {
  return {test::run_op(e, vm, test::map_op(kIpa, 3, kPage)), test::run_op(e, vm, test::unmap_op(kIpa, 3))};
}

std::vector<TlbFinding> fold(const std::vector<Section>& sections) {
  SectionTlb t("w.txt", TlbOptions{});
  uint64_t line = 10;
  for (const Section& s : sections) EXPECT_TRUE(t.add(s, line++).ok());
  t.finish();
  return t.findings();
}

TEST(SectionTlbTest, AnUnmapWithTheEnginesFlushIsClean) {
  Stage2Engine e;
  EXPECT_TRUE(fold(map_unmap(e, 1)).empty());
}

TEST(SectionTlbTest, AnUnmapWithoutItsFlushLeavesAStaleMapping) {
  Stage2Engine e;
  std::vector<Section> s = map_unmap(e, 1);
  s[1].maintenance.clear();
  const std::vector<TlbFinding> f = fold(s);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].verdict, Verdict::kStaleMapping);
  EXPECT_EQ(f[0].cause, Cause::kNoTlbi);
  EXPECT_EQ(f[0].line, 11u);  // the unmap section's line
  EXPECT_EQ(f[0].src, "engine:1");
  EXPECT_EQ(f[0].ia, kIpa);
  EXPECT_EQ(f[0].level, 3);
}

TEST(SectionTlbTest, EachBrokenStepHasItsCause) {
  struct Case {
    void (*edit)(Section&);
    Cause cause;
  };
  for (const Case& c : {
           Case{[](Section& s) { s.maintenance[1].level = 2; }, Cause::kTtlMismatch},
           Case{[](Section& s) { s.maintenance.erase(s.maintenance.begin()); }, Cause::kTlbiBeforeDsb},
           Case{[](Section& s) {
                  s.maintenance.resize(2);  // and no closing DSB to complete the TLBI
                  s.closing_barrier = false;
                },
                Cause::kNotCompleted},
           Case{[](Section& s) { s.maintenance.resize(3); }, Cause::kNoStage1Tlbi},
       }) {
    Stage2Engine e;
    std::vector<Section> s = map_unmap(e, 1);
    c.edit(s[1]);
    const std::vector<TlbFinding> f = fold(s);
    ASSERT_FALSE(f.empty()) << enum_name(kCauseNames, c.cause);
    EXPECT_EQ(f[0].verdict, Verdict::kStaleMapping);
    EXPECT_EQ(f[0].cause, c.cause);
  }
}

// One pass per VM: the findings are listed by VM, the same whichever VM's sections come first.
TEST(SectionTlbTest, FindingsAreByVmWhateverTheInterleaving) {
  Stage2Engine e;
  std::vector<Section> a = map_unmap(e, 1), b = map_unmap(e, 2);
  for (std::vector<Section>* s : {&a, &b}) (*s)[1].maintenance.clear();
  const std::vector<TlbFinding> one = fold({a[0], a[1], b[0], b[1]});
  const std::vector<TlbFinding> two = fold({b[0], a[0], b[1], a[1]});
  ASSERT_EQ(one.size(), 2u);
  ASSERT_EQ(two.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(one[i].root, two[i].root);
    EXPECT_EQ(one[i].cause, two[i].cause);
    EXPECT_EQ(one[i].src, two[i].src);
  }
  EXPECT_LT(one[0].root, one[1].root);  // VM 1's root first
}

TEST(SectionTlbTest, SummaryCountsTlbisOfEveryVm) {
  Stage2Engine e;
  SectionTlb t("w.txt", TlbOptions{});
  for (uint32_t vm : {1u, 2u}) {
    for (const Section& s : map_unmap(e, vm)) ASSERT_TRUE(t.add(s, 1).ok());
  }
  t.finish();
  EXPECT_EQ(t.summary().tlbis, 4u);  // ipas2e1is + vmalle1is per unmap
  EXPECT_EQ(t.summary().errors, 0u);
}

// A descriptor the Arm rules read otherwise cannot be exported: bad input at the section's line.
TEST(SectionTlbTest, ADescriptorArmCannotCarryIsBadInput) {
  Stage2Engine e;
  Section s = test::run_op(e, 1, test::map_op(kIpa, 3, 0x80000002));  // a page to SeKVM, invalid to Arm
  SectionTlb t("w.txt", TlbOptions{});
  const Status st = t.add(s, 7);
  EXPECT_EQ(st.code(), StatusCode::kBadInput);
  EXPECT_EQ(st.position().line, 7u) << st.to_string();
}

}  // namespace
}  // namespace ptx::tlb
