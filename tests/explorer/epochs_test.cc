// SPDX-License-Identifier: BSD-2-Clause
// Barrier epochs (explorer/epochs.h): a section without barriers is exactly explore(); with
// barriers, break-before-make shows only transient faults, and clearing a dirty page before a
// barrier and then linking it shows nothing (without the barrier: a wrong translation); the fast
// and faithful explorers agree epoch by epoch on random sections cut at random barriers, and
// every witness replays (earlier epochs in program order, then the witness).
#include "explorer/epochs.h"

#include <random>

#include <gtest/gtest.h>

#include "explorer/mapping.h"

#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "explorer/sample_and_shuffle.h"
#include "tests/support/differential.h"
#include "tests/support/random_sections.h"

namespace ptx {
namespace {

using namespace ptx::test;  // NOLINT: the test vocabulary

Exploration run(const NptImage& before, const std::vector<Update>& updates, const std::vector<uint32_t>& ends,
                ExploreMode mode = ExploreMode::kFast, NptImage* after = nullptr) {
  NptImage memory = before;
  ExploreOptions o;
  o.mode = mode;
  o.parallel = false;
  const std::vector<uint64_t> targets;
  Exploration x = explore_epochs(memory, memory.root(), memory.geometry(), updates, ends, targets, o);
  if (after != nullptr) *after = std::move(memory);
  return x;
}

TEST(EpochsTest, OneEpochIsExploreAndLeavesTheAfterState) {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    const SectionCase c = random_case(kReduced4x2, seed);
    NptImage after;
    const Exploration x = run(c.before, c.updates, {}, ExploreMode::kFast, &after);
    EXPECT_EQ(x, explore(c.before, c.updates, std::vector<uint64_t>{}, ExploreOptions{.parallel = false}));
    NptImage expected = c.before;
    for (const Update& u : c.updates) expected.apply(u);
    std::string diff;
    EXPECT_TRUE(images_equal(after, expected, &diff)) << diff;
  }
}

// A page mapped at IPA 0 of the 4x2 Arm geometry: root -> L1 -> L2 -> L3 tables.
struct MappedPage {
  NptImage img{kArm4x2, kTestRoot};
  uint64_t pte = 0x4000;
  MappedPage() {
    img.write(0, kTestRoot, 0x2000 | 3);
    img.write(0, 0x2000, 0x3000 | 3);
    img.write(0, 0x3000, 0x4000 | 3);
    img.write(0, pte, 0x40000000 | 0x7c3);
  }
};

TEST(EpochsTest, BreakBeforeMakeShowsOnlyTheBreak) {
  MappedPage m;
  const std::vector<Update> bbm = {{UpdateKind::kPte, m.pte, 0x400007c3, 0},
                                   {UpdateKind::kPte, m.pte, 0, 0x500007c3}};
  for (const std::vector<uint32_t>& ends : {std::vector<uint32_t>{}, std::vector<uint32_t>{1, 2}}) {
    const Exploration x = run(m.img, bbm, ends);
    // With the barrier the break is seen at the end of epoch 0 and at the start of epoch 1 (each
    // epoch's lists include its empty one): still one violation, its lists summed.
    ASSERT_EQ(x.violations.size(), 1u);
    for (const Violation& v : x.violations) {
      EXPECT_EQ(v.cls, ViolationClass::kTransientFault);
      EXPECT_EQ(v.observed, 0u);
      EXPECT_EQ(v.sequences, 2);  // [u0; u1] and [u1; u0], or [u0] in epoch 0 and [] in epoch 1
    }
  }
  // The barrier halves the lists: epoch 0 has a(1) = 2, epoch 1 has 2: 4 instead of a(2) = 5.
  EXPECT_EQ(run(m.img, bbm, {1, 2}).sequences, 4);
}

// The updates after the last cut are the last epoch, whether or not epoch_ends names its end;
// cuts outside (0, n) cut nothing.
TEST(EpochsTest, TheLastEpochNeedsNoEnd) {
  MappedPage m;
  const std::vector<Update> bbm = {{UpdateKind::kPte, m.pte, 0x400007c3, 0},
                                   {UpdateKind::kPte, m.pte, 0, 0x500007c3}};
  EXPECT_EQ(run(m.img, bbm, {1}), run(m.img, bbm, {1, 2}));
  EXPECT_EQ(run(m.img, bbm, {0, 2}), run(m.img, bbm, {}));
  EXPECT_EQ(largest_epoch(5, std::vector<uint32_t>{2}), 3u);
  EXPECT_EQ(largest_epoch(5, std::vector<uint32_t>{0, 5}), 5u);
}

// Pending writes (an earlier section's, no barrier since): explored with the section, judged
// against the state after them. The page unmapped by the pending write can still be seen.
TEST(EpochsTest, PendingWritesAreJudgedAgainstTheStateAfterThem) {
  MappedPage m;
  const std::vector<Update> updates = {{UpdateKind::kPte, m.pte, 0x400007c3, 0},       // pending unmap
                                       {UpdateKind::kPte, m.pte + 8, 0, 0x500007c3}};  // the section's map
  NptImage memory = m.img;
  ExploreOptions o;
  o.parallel = false;
  const std::vector<uint64_t> targets = {0x1000};
  const Exploration x = explore_epochs(memory, memory.root(), memory.geometry(), updates, {}, targets, o, 1);
  ASSERT_EQ(x.violations.size(), 1u);
  EXPECT_EQ(x.violations[0].ipa, 0u);
  EXPECT_EQ(x.violations[0].before, 0u);  // after the pending unmap
  EXPECT_EQ(x.violations[0].observed, 0x400007c3u);
  EXPECT_EQ(x.violations[0].cls, ViolationClass::kWrongTranslation);
  EXPECT_EQ(x.sequences, 5);  // both writes in one epoch: a(2)
  EXPECT_EQ(x.targets[0].before + x.targets[0].after, 5);
  EXPECT_EQ(memory.pt_map(0x1000), 0x500007c3u);  // left at the after-state
  // As one section (nothing pending) the same list is transactional: old page or nothing.
  NptImage fresh = m.img;
  EXPECT_TRUE(explore_epochs(fresh, fresh.root(), fresh.geometry(), updates, {}, targets, o, 0).ok());
}

// A level-3 table page with a stale entry (still mapping old data), unlinked, then reused.
TEST(EpochsTest, ClearingADirtyPageBeforeABarrierHidesItsStaleEntries) {
  MappedPage m;
  NptImage img = m.img;
  img.write(0, 0x3000, 0);  // the L2 entry unlinked the L3 table, whose stale PTE stays
  const std::vector<Update> reuse = {{UpdateKind::kPte, m.pte, 0x400007c3, 0},  // clear the stale entry
                                     {UpdateKind::kPmd, 0x3000, 0, 0x4000 | 3}};  // link the page
  const Exploration no_barrier = run(img, reuse, {});
  ASSERT_EQ(no_barrier.violations.size(), 1u);
  EXPECT_EQ(no_barrier.violations[0].cls, ViolationClass::kWrongTranslation);
  EXPECT_EQ(no_barrier.violations[0].observed, 0x400007c3u);
  EXPECT_TRUE(run(img, reuse, {1, 2}).ok());
}

// A later epoch starts from the memory the earlier ones left, where addresses whose section
// before-states differ may walk alike (here every IPA under the L2 entry, which epoch 0 broke).
// Each must still be judged against its own before-state: the classes of a later epoch are split
// by the section's before- and after-states too.
TEST(EpochsTest, LaterEpochsJudgeEveryAddressAgainstItsOwnBeforeState) {
  NptImage img(kArm4x2, kTestRoot);
  img.write(0, kTestRoot, 0x2000 | 3);
  img.write(0, 0x2000, 0x3000 | 3);
  img.write(0, 0x3000, 0x4000 | 3);    // E: the L2 entry of IPAs 0..0x3fff, linking L3 table 0x4000
  const uint64_t w = 0x40000000 | 0x401;  // bits 0b01: invalid at L3, a block at (Arm) L2
  const uint64_t p = 0x50000000 | 0x7c3, f = 0x60000000 | 0x401;
  img.write(0, 0x4000, w);  // IPA 0: an invalid entry that reads as a block one level up
  img.write(0, 0x4008, p);  // IPA 0x1000: a page
  const std::vector<Update> updates = {{UpdateKind::kPmd, 0x3000, 0x4003, 0},  // break
                                       {UpdateKind::kPmd, 0x3000, 0, w},       // a wrong block
                                       {UpdateKind::kPmd, 0x3000, w, f}};      // the final block
  const Exploration x = run(img, updates, {1, 3});
  std::vector<std::tuple<uint64_t, uint64_t, ViolationClass>> got;
  for (const Violation& v : x.violations) got.emplace_back(v.ipa, v.observed, v.cls);
  const std::vector<std::tuple<uint64_t, uint64_t, ViolationClass>> want = {
      {0x0, 0, ViolationClass::kTransientFault},        // epoch 0: the break
      {0x1000, 0, ViolationClass::kTransientFault},     // epoch 0: the break
      {0x1000, w, ViolationClass::kWrongTranslation},   // epoch 1: w is IPA 0's before, not this one's
      {0x2000, w, ViolationClass::kWrongTranslation}};  // epoch 1: the zero entries of the L3 table
  EXPECT_EQ(got, want);
}

// Every witness replays: updates[0, epoch_start) in program order, then the witness.
void expect_replays(const SectionCase& c, const Exploration& x) {
  for (const Violation& v : x.violations) {
    NptImage replay = c.before;
    for (uint32_t i = 0; i < v.epoch_start; ++i) replay.apply(c.updates[i]);
    std::vector<Update> list;
    for (uint32_t i : v.witness) {
      ASSERT_GE(i, v.epoch_start);
      list.push_back(c.updates[i]);
    }
    update_npt(list, replay);
    // Descriptor mode: pt_map's value (an Arm invalid entry is no mapping: 0, explorer/mapping.h).
    EXPECT_EQ(mapping_of(CompareMode::kDescriptor, replay.geometry(), v.ipa, replay.pt_map(v.ipa), 0), v.observed) << c.describe();
  }
}

TEST(EpochsTest, FastEqualsFaithfulWithRandomBarriers) {
  int cut = 0, violating = 0;
  for (uint64_t seed = 0; seed < 3000 / kCaseDivisor; ++seed) {
    const Geometry& g = seed % 2 ? kArm4x2 : kReduced4x2;
    const SectionCase c = random_case(g, 9'000'000 + seed, 7);
    std::mt19937_64 rng(seed);
    std::vector<uint32_t> ends;
    for (uint32_t i = 1; i < c.updates.size(); ++i) {
      if (rng() % 3 == 0) ends.push_back(i);
    }
    if (!c.updates.empty()) ends.push_back(static_cast<uint32_t>(c.updates.size()));
    cut += ends.size() > 1;
    const Exploration fast = run(c.before, c.updates, ends);
    const Exploration ref = run(c.before, c.updates, ends, ExploreMode::kFaithful);
    ASSERT_EQ(fast.classes, ref.classes) << c.describe();
    ASSERT_EQ(fast.sequences, ref.sequences) << c.describe();
    ASSERT_EQ(fast.violations.size(), ref.violations.size()) << c.describe();
    for (size_t i = 0; i < fast.violations.size(); ++i) {
      const Violation &a = fast.violations[i], &b = ref.violations[i];
      ASSERT_TRUE(a.ipa == b.ipa && a.observed == b.observed && a.sequences == b.sequences && a.cls == b.cls &&
                  a.epoch == b.epoch && a.witness.size() == b.witness.size())
          << c.describe();
    }
    violating += !fast.ok();
    expect_replays(c, fast);
    expect_replays(c, ref);
  }
  EXPECT_GT(cut, 500 / kCaseDivisor);
  EXPECT_GT(violating, 50 / kCaseDivisor);
}

}  // namespace
}  // namespace ptx
