// SPDX-License-Identifier: BSD-2-Clause
// SectionChecker on sections of the engine variants: barriers inside a section are explored epoch
// by epoch (break-before-make shows only its break); a section closed without its barrier leaves
// its writes pending for the VM's next section (the old mapping still seen: a wrong translation; a
// new one not yet seen: a transient fault); every witness replays; malformed barriers are refused.
#include "explorer/section_checker.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "explorer/mapping.h"

#include "explorer/sample_and_shuffle.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "tests/support/engine_ops.h"

namespace ptx {
namespace {

constexpr uint32_t kVm = 2;
constexpr uint64_t kIpa = 0x40000000, kIpa2 = 0x40005000;  // two pages of one 2 MiB region
constexpr uint64_t Page(uint64_t n, uint64_t attrs = 0x7FF) { return (0x80000000ULL + n * 0x1000) | attrs; }
MapOp Map(uint64_t ipa, uint64_t desc) { return test::map_op(ipa, 3, desc); }
MapOp Unmap(uint64_t ipa, int level = 3) { return test::unmap_op(ipa, level); }

// An engine of one variant whose sections (one op each) go through a checker.
struct Checked {
  explicit Checked(EngineVariant v, ExploreMode mode = ExploreMode::kFast)
      : engine(SectionPolicy::kSekvm, v), checker(ExploreOptions{.mode = mode, .parallel = false}) {
    checker.set_violation_hook([this](const NptImage& before, const Section& s, const Exploration&) {
      hook_before = std::make_unique<NptImage>(before);
      hook_section = s;
    });
  }
  Exploration run(const MapOp& op) {
    const Section s = test::run_op(engine, kVm, op);
    Exploration x;
    const Status st = checker.check(s, &x);
    EXPECT_TRUE(st.ok()) << st.to_string();
    return x;
  }
  Stage2Engine engine;
  SectionChecker checker;
  std::unique_ptr<NptImage> hook_before;  // what the violation hook was last given
  Section hook_section;
};

std::vector<ViolationClass> Classes(const Exploration& x) {
  std::vector<ViolationClass> c;
  for (const Violation& v : x.violations) c.push_back(v.cls);
  return c;
}

// Every witness of the hook's last section replays: the earlier epochs in program order, then the
// witness (update_npt), from the hook's before-state.
void ExpectWitnessesReplay(const Checked& c, const Exploration& x) {
  ASSERT_NE(c.hook_before, nullptr);
  const std::vector<Update>& updates = c.hook_section.updates;
  for (const Violation& v : x.violations) {
    NptImage replay = *c.hook_before;
    for (uint32_t i = 0; i < v.epoch_start; ++i) replay.apply(updates[i]);
    std::vector<Update> list;
    for (uint32_t i : v.witness) list.push_back(updates.at(i));
    update_npt(list, replay);
    // Descriptor mode: pt_map's value (an Arm invalid entry is no mapping: 0, explorer/mapping.h).
    EXPECT_EQ(mapping_of(CompareMode::kDescriptor, replay.geometry(), v.ipa, replay.pt_map(v.ipa), 0), v.observed) << std::hex << v.ipa;
  }
}

TEST(SectionCheckerBarriers, BreakBeforeMakeShowsOnlyTheBreak) {
  Checked c(EngineVariant::kBbm);
  EXPECT_TRUE(c.run(Map(kIpa, Page(1))).ok());
  const Exploration x = c.run(Map(kIpa, Page(2)));
  // The break is seen at the end of epoch 0 and at the start of epoch 1: one violation, its
  // lists summed, found first in epoch 0.
  ASSERT_EQ(Classes(x), (std::vector<ViolationClass>{ViolationClass::kTransientFault}));
  EXPECT_EQ(x.violations[0].epoch, 0u);
  EXPECT_EQ(x.violations[0].sequences, 2);
  for (const Violation& v : x.violations) {
    EXPECT_EQ(v.before, Page(1));
    EXPECT_EQ(v.after, Page(2));
    EXPECT_EQ(v.observed, 0u);
  }
  EXPECT_EQ(x.sequences, 4);  // a(1) + a(1), not a(2) = 5
  EXPECT_EQ(x.pending, 0u);
  ExpectWitnessesReplay(c, x);
  EXPECT_EQ(c.checker.shadow(kVm).pt_map(kIpa), Page(2));  // the shadow is at the after-state
  // The sekvm engine's one-write remap is transactional.
  Checked sekvm(EngineVariant::kSekvm);
  sekvm.run(Map(kIpa, Page(1)));
  EXPECT_TRUE(sekvm.run(Map(kIpa, Page(2))).ok());
}

TEST(SectionCheckerBarriers, TwoStepUpdateShowsTheOldPageWithTheNewPermissions) {
  Checked c(EngineVariant::kTwoStepUpdate);
  c.run(Map(kIpa, Page(1, 0x77F)));  // read-only
  const Exploration x = c.run(Map(kIpa, Page(2)));
  ASSERT_EQ(Classes(x), (std::vector<ViolationClass>{ViolationClass::kWrongTranslation}));
  EXPECT_EQ(x.violations[0].observed, Page(1));  // page 1, read/write
  ExpectWitnessesReplay(c, x);
}

TEST(SectionCheckerPending, TheOldMappingIsStillSeenAfterTheSectionThatRemovedIt) {
  Checked c(EngineVariant::kMissingBarrier);
  EXPECT_TRUE(c.run(Map(kIpa, Page(1))).ok());   // nothing pending yet
  const Exploration unmap = c.run(Unmap(kIpa));  // the map's 4 writes pending: before P1, after 0
  EXPECT_EQ(unmap.pending, 4u);
  EXPECT_EQ(unmap.updates, 5u);
  EXPECT_EQ(unmap.sequences, 326);  // a(5)
  EXPECT_TRUE(unmap.ok());          // page 1 (before) or nothing (after): no third mapping
  // The next section (another page) while the unmap is pending: page 1 may still be seen.
  const Exploration x = c.run(Map(kIpa2, Page(2)));
  EXPECT_EQ(x.pending, 1u);
  ASSERT_FALSE(x.ok());
  const Violation& v = x.violations[0];
  EXPECT_EQ(v.ipa, kIpa);
  EXPECT_EQ(v.cls, ViolationClass::kWrongTranslation);
  EXPECT_EQ(v.before, 0u);
  EXPECT_EQ(v.after, 0u);
  EXPECT_EQ(v.observed, Page(1));
  EXPECT_TRUE(v.witness.empty());  // the empty list: the unmap not visible
  ExpectWitnessesReplay(c, x);
  EXPECT_EQ(c.hook_section.updates.size(), 2u);  // the hook sees pending ++ own
  EXPECT_EQ(c.checker.shadow(kVm).pt_map(kIpa), 0u);
  EXPECT_EQ(c.checker.shadow(kVm).pt_map(kIpa2), Page(2));
}

TEST(SectionCheckerPending, ANewMappingMayStillBeMissing) {
  Checked c(EngineVariant::kMissingBarrier);
  c.run(Map(kIpa, Page(1)));
  const Exploration x = c.run(Map(kIpa2, Page(2)));  // before: page 1 mapped; not yet for a walker
  ASSERT_FALSE(x.ok());
  for (const Violation& v : x.violations) {
    EXPECT_EQ(v.cls, ViolationClass::kTransientFault);
    EXPECT_EQ(v.observed, 0u);
  }
  EXPECT_EQ(x.violations[0].ipa, kIpa);
  ExpectWitnessesReplay(c, x);
  // The same ops closed with their barriers: nothing.
  Checked sekvm(EngineVariant::kSekvm);
  sekvm.run(Map(kIpa, Page(1)));
  EXPECT_TRUE(sekvm.run(Map(kIpa2, Page(2))).ok());
}

TEST(SectionCheckerPending, FastEqualsFaithful) {
  for (const MapOp& last : {Map(kIpa2, Page(2)), Unmap(kIpa), Map(kIpa, Page(3))}) {
    Checked fast(EngineVariant::kMissingBarrier), faithful(EngineVariant::kMissingBarrier, ExploreMode::kFaithful);
    for (const MapOp& op : {Map(kIpa, Page(1)), Map(kIpa, Page(2, 0x77F)), last}) {
      const Exploration a = fast.run(op), b = faithful.run(op);
      EXPECT_EQ(a.classes, b.classes);
      EXPECT_EQ(a.sequences, b.sequences);
      EXPECT_EQ(a.targets, b.targets);
      ASSERT_EQ(a.violations.size(), b.violations.size());
      for (size_t i = 0; i < a.violations.size(); ++i) {
        EXPECT_EQ(a.violations[i].observed, b.violations[i].observed);
        EXPECT_EQ(a.violations[i].cls, b.violations[i].cls);
      }
    }
  }
}

TEST(SectionCheckerPending, DirtyReuseExposesTheStaleEntries) {
  Checked c(EngineVariant::kDirtyReuse);
  for (uint64_t i : {1u, 2u, 3u}) c.run(Map(kIpa + i * 0x1000, Page(i)));
  EXPECT_TRUE(c.run(Unmap(kIpa, 2)).ok());                    // unlink: old or nothing
  const Exploration x = c.run(Map(0x40200000 + 0x2000, Page(9)));  // the next range reuses the page
  ASSERT_EQ(x.violations.size(), 3u);  // its three stale entries, reached through the new link
  for (const Violation& v : x.violations) {
    EXPECT_EQ(v.cls, ViolationClass::kWrongTranslation);
    EXPECT_EQ(v.before, 0u);
    EXPECT_EQ(v.observed, Page((v.ipa - 0x40200000) / 0x1000));
  }
  ExpectWitnessesReplay(c, x);
}

// advance() (a sharded run's sections of other shards) leaves the shadow and the pending writes
// as check() does: the section after it is explored exactly as after check(), and it refuses
// what check() refuses, changing nothing.
TEST(SectionCheckerAdvance, TheNextSectionIsExploredAsAfterCheck) {
  for (const EngineVariant v : {EngineVariant::kMissingBarrier, EngineVariant::kSekvm}) {
    Checked checked(v), advanced(v);
    for (const MapOp& op : {Map(kIpa, Page(1)), Unmap(kIpa)}) {
      checked.run(op);
      const Section s = test::run_op(advanced.engine, kVm, op);
      ASSERT_TRUE(advanced.checker.advance(s).ok());
    }
    EXPECT_EQ(advanced.checker.shadow(kVm).pt_map(kIpa), checked.checker.shadow(kVm).pt_map(kIpa));
    const Exploration a = checked.run(Map(kIpa2, Page(2))), b = advanced.run(Map(kIpa2, Page(2)));
    EXPECT_EQ(a.pending, b.pending);
    EXPECT_EQ(a.sequences, b.sequences);
    ASSERT_EQ(a.violations.size(), b.violations.size());
    for (size_t i = 0; i < a.violations.size(); ++i) EXPECT_EQ(a.violations[i].observed, b.violations[i].observed);
    EXPECT_EQ(v == EngineVariant::kMissingBarrier, b.pending > 0);
  }
  Checked c(EngineVariant::kSekvm);
  Section s = test::run_op(c.engine, kVm, Map(kIpa, Page(1)));
  s.updates.back().old_value ^= 1;  // not what the entry holds
  const Status st = c.checker.advance(s);
  EXPECT_EQ(st.code(), StatusCode::kBadInput);
  EXPECT_NE(st.message().find("old value"), std::string::npos) << st.to_string();
  EXPECT_EQ(c.checker.shadow(kVm).pt_map(kIpa), 0u);
}

TEST(SectionCheckerBarriers, MalformedBarriersAreRefusedAndChangeNothing) {
  Stage2Engine e;
  const Section good = test::run_op(e, kVm, Map(kIpa, Page(1)));
  for (const std::vector<uint32_t>& bad : {std::vector<uint32_t>{0}, {4}, {2, 2}, {3, 1}, {9}}) {
    SectionChecker checker;
    Section s = good;
    s.barriers = bad;
    Exploration x;
    const Status st = checker.check(s, &x);
    EXPECT_EQ(st.code(), StatusCode::kBadInput);
    EXPECT_NE(st.message().find("barriers must be ascending"), std::string::npos) << st.message();
    EXPECT_EQ(checker.shadow(kVm).pt_map(kIpa), 0u);
    EXPECT_TRUE(checker.check(good, &x).ok());
  }
}

// A section the checker refuses (here: given twice, out of lock order the second time) leaves the
// engine's tables as the engine made them, and the next section is checked as usual.
TEST(SectionCheckerSharedTables, ARefusedSectionLeavesTheEnginesTables) {
  Stage2Engine engine;
  SectionChecker checker;
  checker.share_tables(kVm, engine.pool_memory(kVm));
  auto make = [&](uint64_t ipa, uint64_t desc) { return test::run_op(engine, kVm, test::map_op(ipa, 3, desc)); };
  Exploration x;
  const Section s0 = make(kIpa, 0x80000000 | 0x7FF);
  ASSERT_TRUE(checker.check(s0, &x).ok());
  const Section s1 = make(kIpa + PAGE_SIZE, 0x80001000 | 0x7FF);
  Section stale = s1;
  stale.seq = s0.seq;  // arrives after s0: refused
  EXPECT_FALSE(checker.check(stale, &x).ok());
  EXPECT_EQ(engine.pt_map(kVm, kIpa + PAGE_SIZE), 0x80001000u | 0x7FF);  // the engine's write is still there
  ASSERT_TRUE(checker.check(s1, &x).ok());
  EXPECT_TRUE(x.violations.empty());
  EXPECT_EQ(checker.shadow(kVm).pt_map(kIpa + PAGE_SIZE), engine.pt_map(kVm, kIpa + PAGE_SIZE));
  EXPECT_LT(checker.shadow(kVm).memory_bytes(), PAGE_SIZE) << "a shared shadow holds no page of entries";
}

}  // namespace
}  // namespace ptx
