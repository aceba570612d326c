// SPDX-License-Identifier: BSD-2-Clause
// The theorem and the case table (SPEC §5-§6) on real engine sections, and the patterns that break
// the Transactional Page Table condition, built by hand.
#include <gtest/gtest.h>

#include <random>

#include "explorer/explorer.h"
#include "explorer/sample_and_shuffle.h"
#include "explorer/section_checker.h"
#include "pagetable/engine.h"

namespace ptx {
namespace {

constexpr uint64_t kPage = 0x40000000ULL | 0x7FF;   // a page descriptor (output 0x40000000)
constexpr uint64_t kBlock = 0x80000000ULL | 0x7FD;  // a 2 MiB block descriptor

// SectionChecker::check as (ok, message) for the assertions below.
bool check(SectionChecker& checker, const Section& s, Exploration* x, std::string* err) {
  const Status st = checker.check(s, x);
  *err = st.message();
  return st.ok();
}

Section map_one(Stage2Engine& e, uint32_t vmid, uint64_t ipa, int level, uint64_t desc) {
  CriticalSection cs;
  EXPECT_EQ(e.open_section(vmid, &cs), NptError::kOk);
  EXPECT_EQ(cs.set_npt(ipa, level, desc), NptError::kOk);
  return cs.close();
}

struct Row {
  const char* name;
  std::vector<UpdateKind> kinds;
  int sequences, after, before;
};

// Each row of SPEC's case table, produced by the engine and checked by the explorer.
TEST(CaseTable, EveryRowFromEngineSections) {
  Stage2Engine engine;
  SectionChecker checker;
  auto run = [&](uint32_t vm, uint64_t ipa, int level, uint64_t desc, const Row& row) {
    SCOPED_TRACE(row.name);
    const Section s = map_one(engine, vm, ipa, level, desc);
    std::vector<UpdateKind> kinds;
    for (const Update& u : s.updates) kinds.push_back(u.kind);
    EXPECT_EQ(kinds, row.kinds);
    Exploration x;
    std::string err;
    ASSERT_TRUE(check(checker, s, &x, &err)) << err;
    EXPECT_EQ(x.sequences, row.sequences);
    ASSERT_EQ(x.targets.size(), 1u);
    EXPECT_EQ(x.targets[0].after, row.after);
    EXPECT_EQ(x.targets[0].before, row.before);
    EXPECT_EQ(x.targets[0].other, 0);
    EXPECT_TRUE(x.ok());
    // Every class accounts for every sequence.
    for (const AddressClass& c : x.classes) {
      EXPECT_EQ(c.counts.before + c.counts.after + c.counts.other, x.sequences);
    }
  };
  using K = UpdateKind;
  const uint64_t a = 0x0000'0040'0000'0000ULL;  // pgd 0, pud 1, pmd 0, pte 0
  run(1, a, 3, kPage, {"level 3, nothing mapped", {K::kPgd, K::kPud, K::kPmd, K::kPte}, 65, 24, 41});
  run(1, a + (1ULL << 30), 3, kPage, {"level 3, level-1 table exists", {K::kPud, K::kPmd, K::kPte}, 16, 6, 10});
  run(1, a + (1ULL << 21), 3, kPage, {"level 3, level-2 table exists", {K::kPmd, K::kPte}, 5, 2, 3});
  run(1, a + (1ULL << 12), 3, kPage, {"level 3, level-3 table exists", {K::kPte}, 2, 1, 1});
  run(2, a, 2, kBlock, {"level 2, nothing mapped", {K::kPgd, K::kPud, K::kPmd}, 16, 6, 10});
  run(2, a + (2ULL << 21), 2, kBlock, {"level 2, level-2 table exists", {K::kPmd}, 2, 1, 1});
}

// TransactionalPageTableWrite: no violation over many random valid set_npt sections on many VMs.
TEST(Theorem, NoViolationOverRandomSetNptSections) {
  Stage2Engine engine;
  SectionChecker checker;
  std::mt19937_64 rng(20261121);
  size_t sections = 0, classes = 0;
  size_t attempts = 0;
  while (sections < 100000) {
    ++attempts;
    const uint32_t vm = static_cast<uint32_t>(rng() % kVmCount);
    // IPAs over a few pgd/pud/pmd indexes so tables are shared and revisited.
    const uint64_t ipa = ((rng() % 3) << 39) | ((rng() % 4) << 30) | ((rng() % 8) << 21) |
                         ((rng() % 512) << 12);
    const int level = rng() % 5 == 0 ? 2 : 3;
    const uint64_t desc = ((rng() % (1ULL << 24)) << 12) | (level == 2 ? 0x7FD : 0x7FF);
    CriticalSection cs;
    ASSERT_EQ(engine.open_section(vm, &cs), NptError::kOk);
    const NptError e = cs.set_npt(ipa, level, desc);
    const Section s = cs.close();
    if (e != NptError::kOk) {
      ASSERT_TRUE(e == NptError::kMapUnderBlock || e == NptError::kLevel2OverTable) << npt_error_name(e);
      ASSERT_TRUE(s.updates.empty());
      continue;
    }
    Exploration x;
    std::string err;
    ASSERT_TRUE(check(checker, s, &x, &err)) << err;
    ASSERT_TRUE(x.ok()) << "vm " << vm << " ipa " << std::hex << ipa << " level " << level;
    ASSERT_EQ(x.targets.size(), 1u);
    ASSERT_EQ(x.targets[0].other, 0);
    ASSERT_EQ(x.targets[0].before + x.targets[0].after, x.sequences);
    ++sections;
    classes += x.classes.size();
  }
  EXPECT_GE(classes, sections);  // every section changes at least its own address
  EXPECT_GT(attempts, sections);  // the random ops did exercise the refusals too
}

// --- SPEC §6: each breaking pattern, built by hand, yields a violation with a correct witness ---

NptImage vm_image() { return NptImage(Geometry::sekvm(), pt_vttbr(1)); }

// Builds root -> level-1 -> level-2 tables for `ipa` in `img`, returns the level-2 entry address.
uint64_t build_to_level2(NptImage& img, uint64_t ipa) {
  const uint64_t l1 = pgd_start(1), l2 = pud_start(1);
  img.write(0, pool_start(1) | pgd_index(ipa) * 8, l1 | 3);
  img.write(1, l1 | pud_index(ipa) * 8, l2 | 3);
  return l2 | pmd_index(ipa) * 8;
}

// Builds root -> level-1 -> level-2 -> level-3 tables for `ipa`, returns the PTE's address.
uint64_t build_to_level3(NptImage& img, uint64_t ipa) {
  img.write(2, build_to_level2(img, ipa), pmd_start(1) | 3);
  return pmd_start(1) | pte_index(ipa) * 8;
}

void expect_violation_with_witness(const NptImage& before, const std::vector<Update>& updates,
                                   uint64_t ipa, CompareMode mode = CompareMode::kDescriptor) {
  ExploreOptions o;
  o.compare = mode;
  const std::vector<uint64_t> targets{ipa};
  const Exploration x = explore(before, updates, targets, o);
  ASSERT_FALSE(x.ok());
  EXPECT_GT(x.targets[0].other, 0);
  for (const Violation& v : x.violations) {
    EXPECT_NE(v.observed, v.before);
    EXPECT_NE(v.observed, v.after);
    ASSERT_FALSE(v.witness.empty());
    // Replay the witness with update_npt (Coq list order: head applied last; any order works).
    std::vector<Update> list;
    for (uint32_t i : v.witness) list.push_back(updates[i]);
    NptImage mid = before;
    update_npt(list, mid);
    EXPECT_EQ(mapping_of(mode, before.geometry(), v.ipa, mid.walk(v.ipa)), v.observed);
  }
}

TEST(BreakingPatterns, RecycledTablePageWithStaleEntries) {
  NptImage before = vm_image();
  const uint64_t ipa = 0x200000;  // pmd 1
  const uint64_t pmd_entry = build_to_level2(before, ipa);
  const uint64_t recycled = pmd_start(1);
  before.write(3, recycled | 7 * 8, 0x12345000 | 0x7FF);  // stale PTE left in the page
  const std::vector<Update> updates{
      {UpdateKind::kPmd, pmd_entry, 0, recycled | 3},                        // linked first...
      {UpdateKind::kPte, recycled | 7 * 8, 0x12345000 | 0x7FF, 0},           // ...then cleared
      {UpdateKind::kPte, recycled | pte_index(ipa) * 8, 0, kPage}};
  expect_violation_with_witness(before, updates, ipa | (7 << 12));
  const Exploration x = explore(before, updates, std::vector<uint64_t>{ipa | (7 << 12)});
  ASSERT_EQ(x.violations.size(), 1u);
  EXPECT_EQ(x.violations[0].observed, 0x12345000u | 0x7FF);
  EXPECT_EQ(x.violations[0].witness, std::vector<uint32_t>{0});
}

TEST(BreakingPatterns, TwoLeafWritesToOneEntry) {
  NptImage before = vm_image();
  const uint64_t ipa = 0x1000;
  const uint64_t pte = build_to_level3(before, ipa);
  const std::vector<Update> updates{{UpdateKind::kPte, pte, 0, 0x1000 | 0x7FF},
                                    {UpdateKind::kPte, pte, 0x1000 | 0x7FF, kPage}};
  expect_violation_with_witness(before, updates, ipa);
}

TEST(BreakingPatterns, HugePageSplitWithoutBreakBeforeMake) {
  for (CompareMode mode : {CompareMode::kDescriptor, CompareMode::kTranslation}) {
    NptImage before = vm_image();
    const uint64_t ipa = 0x400000;  // pmd 2
    const uint64_t pmd_entry = build_to_level2(before, ipa);
    const uint64_t block = 0x80000000ULL | 0x7FD;
    before.write(2, pmd_entry, block);
    // Fill a fresh level-3 table with the 512 pages of the block, then swap it in: no BBM.
    std::vector<Update> updates;
    const uint64_t t = pmd_start(1);
    for (uint64_t i = 0; i < 512; i += 64) {  // a few of them suffice to show the split
      updates.push_back({UpdateKind::kPte, t | i * 8, 0, (0x80000000ULL + (i << 12)) | 0x7FF});
    }
    updates.push_back({UpdateKind::kPmd, pmd_entry, block, t | 3});
    expect_violation_with_witness(before, updates, ipa, mode);
  }
}

TEST(BreakingPatterns, UnmapThenRemapInOneSection) {
  NptImage before = vm_image();
  const uint64_t ipa = 0x3000;
  const uint64_t pte = build_to_level3(before, ipa);
  before.write(3, pte, 0x5000 | 0x7FF);
  const std::vector<Update> updates{{UpdateKind::kPte, pte, 0x5000 | 0x7FF, 0},
                                    {UpdateKind::kPte, pte, 0, 0x6000 | 0x7FF}};
  expect_violation_with_witness(before, updates, ipa);
  const Exploration x = explore(before, updates, std::vector<uint64_t>{ipa});
  ASSERT_EQ(x.violations.size(), 1u);
  EXPECT_EQ(x.violations[0].observed, 0u);
}

TEST(BreakingPatterns, MissingBarrierBetweenSections) {
  // Two engine sections that are each transactional...
  Stage2Engine engine;
  SectionChecker checker;
  const uint64_t ipa = 0x7000;
  const Section s1 = map_one(engine, 3, ipa, 3, 0x1000 | 0x7FF);
  const Section s2 = map_one(engine, 3, ipa, 3, 0x2000 | 0x7FF);
  NptImage before(Geometry::sekvm(), pt_vttbr(3));
  for (const Section* s : {&s1, &s2}) {
    Exploration x;
    std::string err;
    ASSERT_TRUE(check(checker, *s, &x, &err)) << err;
    EXPECT_TRUE(x.ok());
  }
  // ...but without the barrier closing s1, its writes are still pending in s2.
  std::vector<Update> pending = s1.updates;
  pending.insert(pending.end(), s2.updates.begin(), s2.updates.end());
  expect_violation_with_witness(before, pending, ipa);
}

}  // namespace
}  // namespace ptx

namespace ptx {
namespace {

TEST(SectionChecker, RefusesSectionsOutOfLockOrderAndLeavesTheShadowUnchanged) {
  Stage2Engine engine;
  const Section s0 = map_one(engine, 4, 0x1000, 3, 0x1000 | 0x7FF);
  const Section s1 = map_one(engine, 4, 0x2000, 3, 0x2000 | 0x7FF);  // old values all 0 too
  SectionChecker checker;
  Exploration x;
  std::string err;
  ASSERT_TRUE(check(checker, s1, &x, &err)) << err;  // a gap is allowed...
  EXPECT_FALSE(check(checker, s0, &x, &err));          // ...going back is not
  EXPECT_NE(err.find("lock order"), std::string::npos) << err;
  // Only s1 was applied: its PTE sits in a level-3 page that s0 (refused) would have linked.
  EXPECT_EQ(checker.shadow(4).pt_map(0x1000), 0u);
  EXPECT_EQ(checker.shadow(4).read(3, s1.updates.back().entry), 0x2000u | 0x7FF);
  EXPECT_EQ(checker.shadow(4).read(0, s0.updates.front().entry), 0u);
}

TEST(SectionChecker, RefusesAnOldValueThatIsNotTheShadows) {
  Stage2Engine engine;
  const Section s0 = map_one(engine, 5, 0x1000, 3, 0x1000 | 0x7FF);
  Section bad = s0;
  bad.updates.back().old_value = 0x999;
  SectionChecker checker;
  Exploration x;
  std::string err;
  EXPECT_FALSE(check(checker, bad, &x, &err));
  EXPECT_NE(err.find("old value"), std::string::npos) << err;
  EXPECT_EQ(checker.shadow(5).page_count(), 0u);  // nothing applied
  EXPECT_TRUE(check(checker, s0, &x, &err)) << err;
}

}  // namespace
}  // namespace ptx
