// SPDX-License-Identifier: BSD-2-Clause
// EventChecker on event streams built in code: critical sections (nested locks, trylock
// re-entry, unmatched unlocks), barrier epochs (which barriers cut a section), the before-state
// (other threads' writes), roots (registration, HCR_EL2, hint-only roots, every root a section
// changes), findings (unlocked-write, mem-read, lock-conflict) and the errors.
#include <gtest/gtest.h>

#include "tests/armcheck/check_util.h"

namespace ptx::armcheck {
namespace {

using armtrace::DsbKind;
using armtrace::EventKind;
using armtrace::Sysreg;
using testing::keep_all;
using testing::Stream;

// Tables of a stage-2 root at kRoot (4 levels: IPA 0 is root[0] -> L1[0] -> L2[0] -> L3[0]).
constexpr uint64_t kRoot = 0x10000, kL1 = 0x11000, kL2 = 0x12000, kL3 = 0x13000;
constexpr uint64_t kLockA = 0xa0, kLockB = 0xb0;
constexpr uint64_t kPage = 0x40000000 | 0x7ff, kStale = 0x50000000 | 0x7ff;

// Initialises the four tables and links root -> L1 -> L2 (and L2 -> L3 when `link_l3`), and
// writes a stale valid entry into L3[1] (IPA 0x1000). Then registers the root (VMID 1) unless
// `register_root` is false.
void tables_with_dirty_l3(Stream& s, bool register_root = true, bool link_l3 = false) {
  for (uint64_t p : {kRoot, kL1, kL2, kL3}) s.init(p);
  s.write(0, kRoot, kL1 | 3);
  s.write(0, kL1, kL2 | 3);
  s.write(0, kL3 + 8, kStale);
  if (link_l3) s.write(0, kL2, kL3 | 3);
  if (register_root) s.vttbr(0, kRoot, 1);
}

TEST(EventCheckerTest, ClearingBeforeLinkingNeedsABarrierOfTheHolder) {
  struct Case {
    const char* name;
    bool barrier;
    DsbKind kind;
    bool isb;
    uint64_t wrong;
  };
  for (const Case& c : {Case{"none", false, DsbKind::kIsh, false, 1}, Case{"dsb ish", true, DsbKind::kIsh, false, 0},
                        Case{"dsb ishst", true, DsbKind::kIshst, false, 0},
                        Case{"dsb nsh", true, DsbKind::kNsh, false, 1}, Case{"isb", false, DsbKind::kIsh, true, 1}}) {
    Stream s;
    tables_with_dirty_l3(s);
    s.lock(1, kLockA);
    s.write(1, kL3 + 8, 0);
    if (c.barrier) s.dsb(1, c.kind);
    if (c.isb) s.isb(1);
    s.dsb(2);  // another tid's barrier completes nothing of tid 1's
    s.write(1, kL2, kL3 | 3);
    s.unlock(1, kLockA);
    const StatusOr<CheckResult> r = s.check();
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    EXPECT_EQ(r->totals.wrong_translations, c.wrong) << c.name;
    EXPECT_EQ(r->kept.at(0).context->barriers.size(), c.wrong == 0 ? 1u : 0u) << c.name;
  }
}

// A DSB completes every earlier write of the tid, also those of an outer section that a nested
// lock interrupted: the outer section is cut there too.
TEST(EventCheckerTest, ABarrierInsideANestedSectionCutsTheOuterSectionToo) {
  Stream s;
  tables_with_dirty_l3(s);
  s.lock(1, kLockA);
  s.write(1, kL3 + 8, 0);  // outer: clear the stale entry
  s.lock(1, kLockB);
  s.dsb(1, DsbKind::kIshst);  // completes the clear
  s.unlock(1, kLockB);
  s.write(1, kL2, kL3 | 3);  // outer: link
  const uint64_t unlock = s.unlock(1, kLockA);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->totals.sections, 2u);  // the inner one is empty
  EXPECT_EQ(r->totals.violations, 0u);
  ASSERT_EQ(r->kept.size(), 1u);
  EXPECT_EQ(r->kept[0].context->barriers, (std::vector<uint32_t>{1}));
  EXPECT_EQ(r->kept[0].context->last_line, unlock);
}

TEST(EventCheckerTest, NestedLocksSendWritesToTheInnermostSection) {
  Stream s;
  tables_with_dirty_l3(s, true, /*link_l3=*/true);
  s.lock(1, kLockA);
  const uint64_t outer_write = s.write(1, kL3, kPage);
  const uint64_t inner_lock = s.lock(1, kLockB);
  const uint64_t inner_write = s.write(1, kL3 + 16, kPage + 0x1000);
  s.unlock(1, kLockB);
  s.unlock(1, kLockA);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->kept.size(), 2u);  // closed inner first
  EXPECT_EQ(r->kept[0].context->lock, kLockB);
  EXPECT_EQ(r->kept[0].context->first_line, inner_lock);
  EXPECT_EQ(r->kept[0].context->update_lines, (std::vector<uint64_t>{inner_write}));
  EXPECT_EQ(r->kept[1].context->lock, kLockA);
  EXPECT_EQ(r->kept[1].context->update_lines, (std::vector<uint64_t>{outer_write}));
  EXPECT_EQ(r->kept[0].section.seq, 0u);
  EXPECT_EQ(r->kept[1].section.seq, 1u);
}

TEST(EventCheckerTest, TrylockByTheHolderReEntersItsSection) {
  Stream s;
  tables_with_dirty_l3(s, true, /*link_l3=*/true);
  const uint64_t lock = s.lock(1, kLockA);
  s.lock(1, kLockA, EventKind::kTrylock);
  s.write(1, kL3, kPage);
  s.unlock(1, kLockA);
  s.write(1, kL3 + 16, kPage + 0x1000);  // still inside: the lock was taken twice
  const uint64_t unlock = s.unlock(1, kLockA);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->totals.sections, 1u);
  EXPECT_EQ(r->totals.updates, 2u);
  EXPECT_TRUE(r->findings.empty());
  EXPECT_EQ(r->kept.at(0).context->first_line, lock);
  EXPECT_EQ(r->kept.at(0).context->last_line, unlock);
}

TEST(EventCheckerTest, AnUnlockWithoutTheLockIsAnErrorAtItsLine) {
  Stream held_by_other;
  held_by_other.lock(1, kLockA);
  held_by_other.unlock(2, kLockA);
  Stream never_taken;
  never_taken.unlock(0, kLockB);
  for (const Stream* s : {&held_by_other, &never_taken}) {
    const StatusOr<CheckResult> r = s->check();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kBadInput);
    EXPECT_EQ(r.status().position(), (InputPosition{"t.trace", s->last_line(), 1}));
    EXPECT_NE(r.status().message().find("does not hold"), std::string::npos) << r.status().to_string();
  }
}

TEST(EventCheckerTest, LockConflictsAndMismatchingReadsAreFindings) {
  Stream s;
  tables_with_dirty_l3(s);
  s.lock(1, kLockA);
  const uint64_t conflict = s.lock(2, kLockA);
  const uint64_t bad_read = s.read(3, kRoot, 0x1234);
  s.read(3, kL1, kL2 | 3);
  s.read(3, 0x900000, 0);  // never written: reads 0
  s.unlock(2, kLockA);
  s.unlock(1, kLockA);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->findings.size(), 2u);
  EXPECT_EQ(r->findings[0], (Finding{"lock-conflict", conflict, "tid 2 takes lock 0xa0, which tid 1 holds",
                                      r->findings[0].src}));
  EXPECT_EQ(r->findings[1].kind, "mem-read");
  EXPECT_EQ(r->findings[1].line, bad_read);
  EXPECT_EQ(r->totals.findings, 2u);
  EXPECT_EQ(r->totals.sections, 2u);
}

TEST(EventCheckerTest, UnlockedWritesAreFindingsOnlyInARegisteredTree) {
  Stream s;
  tables_with_dirty_l3(s, /*register_root=*/false);
  s.root_lock_hint(0, kRoot, kLockA);  // announced: explored, still being built
  s.write(2, kL1 + 8, kL2 | 3);
  s.vttbr(0, kRoot, 1);
  const uint64_t live = s.write(2, kL1 + 16, kL2 | 3);
  const uint64_t same = s.write(2, kL1 + 16, kL2 | 3);  // no change: still a write without the lock
  s.write(2, kL3 + 16, kStale);    // L3 is not reachable
  s.write(2, 0x900000, 1);         // not a table
  s.lock(1, kLockA);
  s.write(1, kL2 + 8, kL3 | 3);  // a section: not a finding
  s.unlock(1, kLockA);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->findings.size(), 2u);
  EXPECT_EQ(r->findings[0].kind, "unlocked-write");
  EXPECT_EQ(r->findings[0].line, live);
  EXPECT_EQ(r->findings[1].kind, "unlocked-write");
  EXPECT_EQ(r->findings[1].line, same);
  EXPECT_EQ(r->roots, 1u);
  EXPECT_EQ(r->kept.size(), 1u);
}

// The before-state of a section is the memory at its unlock with its own writes undone: another
// thread's write in between (here, clearing the stale entry) is part of it.
TEST(EventCheckerTest, OtherThreadsWritesDuringASectionArePartOfItsBeforeState) {
  Stream s;
  tables_with_dirty_l3(s);
  s.lock(1, kLockA);
  s.write(1, kL2, kL3 | 3);
  const uint64_t other = s.write(2, kL3 + 8, 0);  // unlocked, into the now-live L3
  s.unlock(1, kLockA);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->totals.violations, 0u);
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].line, other);
  EXPECT_EQ(r->kept.at(0).section.updates.size(), 1u);
}

TEST(EventCheckerTest, HcrTurningStageTwoOnRegistersTheLastVttbr) {
  Stream s;
  tables_with_dirty_l3(s, /*register_root=*/false);
  s.sysreg(1, Sysreg::kHcrEl2, 0);
  s.vttbr(1, kRoot, 7);  // stage 2 is off for tid 1: not registered
  s.write(2, kL1 + 8, kL2 | 3);
  s.vttbr(0, kRoot + 0x1000000, 8);  // tid 0 still has the default HCR_EL2 (on): registered
  s.sysreg(1, Sysreg::kHcrEl2, 1);
  const uint64_t live = s.write(2, kL1 + 16, kL2 | 3);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->roots, 2u);
  ASSERT_EQ(r->findings.size(), 1u);
  EXPECT_EQ(r->findings[0].line, live);
}

TEST(EventCheckerTest, ASectionIsExploredForEveryRootItChanges) {
  Stream s;
  tables_with_dirty_l3(s);
  const uint64_t root2 = 0x20000;
  s.init(root2);
  s.write(0, root2 + 8, kL1 | 3);  // a second root sharing the level-1 table (at IPA 512 GiB)
  s.vttbr(0, root2, 2);
  s.vttbr(0, 0x30000, 3);  // a third root the section does not touch
  s.lock(1, kLockA);
  s.write(1, kL2, kL3 | 3);
  s.write(1, kL2, 0);
  s.unlock(1, kLockA);
  const StatusOr<CheckResult> r = s.check();
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->totals.sections, 1u);
  EXPECT_EQ(r->totals.wrong_translations, 2u);  // the stale page, seen through each root
  ASSERT_EQ(r->kept.size(), 2u);
  EXPECT_EQ(r->kept[0].context->root, kRoot);
  EXPECT_EQ(r->kept[0].section.vmid, 1u);
  EXPECT_EQ(r->kept[0].exploration.violations.at(0).ipa, 0x1000u);
  EXPECT_EQ(r->kept[1].context->root, root2);
  EXPECT_EQ(r->kept[1].section.vmid, 2u);
  EXPECT_EQ(r->kept[1].exploration.violations.at(0).ipa, (uint64_t{1} << 39) | 0x1000);
}

TEST(EventCheckerTest, FinishClosesOpenSectionsAtTheLastLine) {
  Stream s;
  tables_with_dirty_l3(s, true, /*link_l3=*/true);
  const uint64_t a = s.lock(1, kLockA);
  s.write(1, kL3, kPage);
  const uint64_t b = s.lock(3, kLockB);
  s.write(3, kL3 + 16, kPage + 0x1000);
  s.read(0, kL3, kPage);
  const StatusOr<CheckResult> r = s.check(keep_all(), "BBM valid->valid");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->casemate_verdict, "BBM valid->valid");
  ASSERT_EQ(r->kept.size(), 2u);
  for (const CheckedSection& c : r->kept) {
    EXPECT_TRUE(c.context->open_at_end);
    EXPECT_EQ(c.context->last_line, s.last_line());
  }
  EXPECT_EQ(r->kept[0].context->first_line, a);  // by tid
  EXPECT_EQ(r->kept[1].context->first_line, b);
  EXPECT_EQ(r->kept[1].context->tid, 3u);
}

TEST(EventCheckerTest, SizeLimitsAreErrorsAtTheirLines) {
  Stream set;
  set.init(0x100000, uint64_t{1} << 30);  // zeroing 1 GiB of nothing is cheap
  set.set(0x100000, uint64_t{32} << 20, 0);
  const uint64_t big = set.set(0x100000, uint64_t{32} << 20, 1);
  StatusOr<CheckResult> r = set.check();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kBadInput);
  EXPECT_EQ(r.status().position().line, big);

  // --mode faithful explores at most 10 updates per epoch.
  for (bool cut : {false, true}) {
    Stream s;
    tables_with_dirty_l3(s, true, /*link_l3=*/true);
    const uint64_t lock = s.lock(1, kLockA);
    for (uint64_t i = 0; i < 12; ++i) {
      s.write(1, kL3 + 8 * (i + 16), kPage + (i << 12));
      if (cut && i == 5) s.dsb(1);
    }
    s.unlock(1, kLockA);
    CheckOptions o = keep_all();
    o.explore.mode = ExploreMode::kFaithful;
    r = s.check(o);
    EXPECT_EQ(r.ok(), cut) << r.status().to_string();
    if (cut) {
      EXPECT_EQ(r->totals.sequences, 2 * sequence_count(6));
    } else {
      EXPECT_EQ(r.status().position().line, lock);
    }
  }
}

// The observer's EventFacts::live_root_distance for each mem-write: the fewest tables between the
// word's page and a live root, after the write; 4 past three tables or off every tree; 0 (unknown)
// without the root cache.
TEST(EventCheckerTest, EachWriteTellsTheObserverHowFarItsPageIsFromALiveRoot) {
  struct Distances final : EventObserver {
    void before(const armtrace::Event&, const NptImage&, const Roots&) override {}
    void after(const armtrace::Event& e, const NptImage&, const Roots&, const EventFacts& f) override {
      if (e.kind == EventKind::kMemWrite) seen.push_back(f.live_root_distance);
    }
    void finish(uint64_t, const NptImage&, const Roots&) override {}
    std::vector<int> seen;
  };
  constexpr uint64_t kL3b = 0x14000, kRoot2 = 0x20000;
  Stream s;
  tables_with_dirty_l3(s, /*register_root=*/true, /*link_l3=*/true);  // 4 writes before the root
  s.write(0, kL3 + 16, kPage);    // 3 tables below the root
  s.write(0, kL2 + 8, kL3b | 3);  // 2
  s.write(0, kL1 + 8, 0);         // 1
  s.write(0, kRoot + 8, 0);       // 0
  s.write(0, 0x30000, kPage);     // in no tree
  s.vttbr(1, kRoot2, 2);
  s.write(1, kRoot2, kL2 | 3);    // a second root, one table above L2: L3's page is nearer now
  s.write(0, kL3 + 24, kPage);    // 2 (through root 2)
  s.write(1, kRoot2, 0);          // the link is gone: 3 again
  s.write(0, kL3 + 32, kPage);
  for (const bool cache : {true, false}) {
    Distances d;
    CheckOptions o = keep_all();
    o.observer = &d;
    o.cache_roots = cache;
    ASSERT_TRUE(s.check(o).ok());
    const std::vector<int> want =
        cache ? std::vector<int>{4, 4, 4, 4, 3, 2, 1, 0, 4, 0, 2, 0, 3} : std::vector<int>(13, 0);
    EXPECT_EQ(d.seen, want) << "cache_roots " << cache;
  }
}

// The observer's EventFacts::old_word for each mem-write: the value its word held just before it
// (what the TLB pass keeps visible until the writer's DSB), whatever the write's byte offset in the
// word; empty for every other event.
TEST(EventCheckerTest, EachWriteTellsTheObserverTheValueItReplaced) {
  struct Olds final : EventObserver {
    void before(const armtrace::Event&, const NptImage&, const Roots&) override {}
    void after(const armtrace::Event& e, const NptImage&, const Roots&, const EventFacts& f) override {
      if (e.kind == EventKind::kMemWrite) {
        seen.push_back(f.old_word.value_or(0xdead));
      } else if (f.old_word) {
        ++others;
      }
    }
    void finish(uint64_t, const NptImage&, const Roots&) override {}
    std::vector<uint64_t> seen;
    int others = 0;
  };
  Stream s;
  tables_with_dirty_l3(s, /*register_root=*/true, /*link_l3=*/true);
  s.write(0, kL3 + 16, kPage | 3);
  s.write(0, kL3 + 16, (2 * kPage) | 3);  // the value the first left
  s.write(0, kL3 + 20, 0);                // the same word, at an offset inside it
  Olds o;
  CheckOptions c = keep_all();
  c.observer = &o;
  ASSERT_TRUE(s.check(c).ok());
  ASSERT_GE(o.seen.size(), 3u);
  const std::vector<uint64_t> last(o.seen.end() - 3, o.seen.end());
  EXPECT_EQ(last, (std::vector<uint64_t>{0, kPage | 3, (2 * kPage) | 3}));
  EXPECT_EQ(o.others, 0);
}

}  // namespace
}  // namespace ptx::armcheck
