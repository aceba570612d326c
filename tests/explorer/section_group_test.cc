// SPDX-License-Identifier: BSD-2-Clause
// explore_group (explorer/section_group.h): sections that overlap in time under a lock taken shared.
// Brute force on the reduced Arm geometry: every state that gives each written entry a value of its
// history, every IPA; a mapping no cut of the sections gives is a violation. The fast explorer and
// the faithful one agree with it.
#include "explorer/section_group.h"

#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "explorer/mapping.h"
#include "pagetable/walk.h"
#include "tests/support/random_sections.h"

namespace ptx {
namespace {

using test::kArm4x2;

struct Group {
  test::SectionCase c;
  std::vector<uint32_t> member;  // per update
  uint32_t members = 0;
  std::vector<size_t> commits;   // per member that committed before the last: the updates made before
};

// A random case split into 2..3 sections: every entry belongs to one section, except (one case in
// three) one entry whose writes two sections share in order, as a cmpxchg protocol serialises them.
Group make_group(uint64_t seed) {
  Group g{test::random_case(kArm4x2, seed, 7), {}, 2 + static_cast<uint32_t>(seed % 2), {}};
  std::mt19937_64 rng(seed);
  std::map<uint64_t, uint32_t> owner;
  for (const Update& u : g.c.updates) {
    auto [it, fresh] = owner.emplace(u.entry, static_cast<uint32_t>(rng() % g.members));
    uint32_t m = it->second;
    if (!fresh && seed % 3 == 0 && rng() % 2) m = it->second = (m + 1) % g.members;  // hand over, in order
    g.member.push_back(m);
  }
  // One seed in two: a section commits after some update, not necessarily its own last.
  for (uint32_t m = 1; m < g.members && seed % 2 == 1; ++m) g.commits.push_back(rng() % (g.c.updates.size() + 1));
  return g;
}

struct Brute {
  std::set<uint64_t> observed;                      // every third mapping, over every IPA
  std::map<uint64_t, std::set<uint64_t>> at;        // ipa -> its third mappings
};

uint64_t map_of(const NptImage& m, uint64_t ipa) {
  return mapping_of(CompareMode::kDescriptor, kArm4x2, ipa, walk(kArm4x2, test::kTestRoot, ipa, m));
}

// The value of each written entry in the cut where the sections of `done` are done (section_group.h).
NptImage cut_state(const Group& g, uint32_t done) {
  NptImage m = g.c.before;
  std::set<uint64_t> stopped;
  for (size_t i = 0; i < g.c.updates.size(); ++i) {
    const Update& u = g.c.updates[i];
    if (stopped.contains(u.entry)) continue;
    if ((done >> g.member[i] & 1) == 0) {
      stopped.insert(u.entry);
      continue;
    }
    m.write(0, u.entry, u.new_value);
  }
  return m;
}

Brute brute_force(const Group& g) {
  std::vector<std::pair<uint64_t, std::vector<uint64_t>>> hist;  // entry -> before value, then each write
  for (const Update& u : g.c.updates) {
    auto it = std::find_if(hist.begin(), hist.end(), [&](const auto& h) { return h.first == u.entry; });
    if (it == hist.end()) it = hist.insert(hist.end(), {u.entry, {g.c.before.read(0, u.entry)}});
    it->second.push_back(u.new_value);
  }
  const uint64_t pages = kArm4x2.ipa_limit() / kArm4x2.page_size();
  std::vector<std::set<uint64_t>> allowed(pages);
  for (uint32_t done = 0; done < (1u << g.members); ++done) {
    const NptImage m = cut_state(g, done);
    for (uint64_t p = 0; p < pages; ++p) allowed[p].insert(map_of(m, p * kArm4x2.page_size()));
  }
  for (const size_t n : g.commits) {  // the state after the first n updates
    NptImage m = g.c.before;
    for (size_t i = 0; i < n; ++i) m.write(0, g.c.updates[i].entry, g.c.updates[i].new_value);
    for (uint64_t p = 0; p < pages; ++p) allowed[p].insert(map_of(m, p * kArm4x2.page_size()));
  }
  Brute b;
  std::vector<size_t> pick(hist.size(), 0);
  for (;;) {
    NptImage m = g.c.before;
    for (size_t i = 0; i < hist.size(); ++i) m.write(0, hist[i].first, hist[i].second[pick[i]]);
    for (uint64_t p = 0; p < pages; ++p) {
      const uint64_t v = map_of(m, p * kArm4x2.page_size());
      if (!allowed[p].contains(v)) b.observed.insert(v), b.at[p * kArm4x2.page_size()].insert(v);
    }
    size_t i = 0;
    while (i < hist.size() && ++pick[i] == hist[i].second.size()) pick[i++] = 0;
    if (i == hist.size()) break;
  }
  return b;
}

Exploration run(const Group& g, ExploreMode mode) {
  NptImage m = g.c.before;
  ExploreOptions o;
  o.mode = mode;
  o.parallel = false;
  return explore_group(m, test::kTestRoot, kArm4x2, g.c.updates, g.member, g.members, o, g.commits);
}

TEST(SectionGroupTest, EveryCutAndCommitStateIsAllowedAndOnlyThoseAreAllowed) {
  int with_violations = 0;
  for (uint64_t seed = 0; seed < 400; ++seed) {
    const Group g = make_group(seed);
    const Brute b = brute_force(g);
    const Exploration fast = run(g, ExploreMode::kFast);
    std::set<uint64_t> seen;
    for (const Violation& v : fast.violations) {
      seen.insert(v.observed);
      EXPECT_TRUE(b.at.contains(v.ipa) && b.at.at(v.ipa).contains(v.observed)) << g.c.describe() << " ipa " << v.ipa;
    }
    EXPECT_EQ(seen, b.observed) << g.c.describe();
    with_violations += b.observed.empty() ? 0 : 1;
    if (g.c.updates.size() <= kFaithfulMaxUpdates) {
      const Exploration faithful = run(g, ExploreMode::kFaithful);
      EXPECT_EQ(faithful.violations.size(), fast.violations.size()) << g.c.describe();
      for (size_t i = 0; i < std::min(faithful.violations.size(), fast.violations.size()); ++i) {
        EXPECT_EQ(faithful.violations[i].observed, fast.violations[i].observed) << g.c.describe();
        EXPECT_EQ(faithful.violations[i].sequences, fast.violations[i].sequences) << g.c.describe();
      }
    }
  }
  EXPECT_GT(with_violations, 20);  // the cases are not all trivially clean
  EXPECT_LT(with_violations, 400);
}

// Section 0 remaps a page (P -> Q) in table T1 while section 1 re-points the table entry above it
// from T1 to T2 (which maps R). Walks may see Q: as one section that is a third mapping, as two it
// is the cut in which only section 0 is done.
TEST(SectionGroupTest, ACutIsNotAViolation) {
  NptImage m(kArm4x2, test::kTestRoot);
  const uint64_t l1 = 0x11000, l2 = 0x12000, t1 = 0x13000, t2 = 0x14000;
  const uint64_t p = 0x80000000 | 0x7c3, q = 0x90000000 | 0x7c3, r = 0xa0000000 | 0x7c3;
  m.write(0, test::kTestRoot, l1 | 3);
  m.write(0, l1, l2 | 3);
  m.write(0, l2, t1 | 3);
  m.write(0, t1, p);
  m.write(0, t2, r);
  const std::vector<Update> u{{UpdateKind::kPte, t1, p, q}, {UpdateKind::kPmd, l2, t1 | 3, t2 | 3}};
  ExploreOptions o;
  o.parallel = false;
  NptImage one = m;
  const Exploration as_one = explore_group(one, test::kTestRoot, kArm4x2, u, std::vector<uint32_t>{0, 0}, 1, o);
  ASSERT_EQ(as_one.violations.size(), 1u);
  EXPECT_EQ(as_one.violations[0].observed, q);
  const Exploration as_two = explore_group(m, test::kTestRoot, kArm4x2, u, std::vector<uint32_t>{0, 1}, 2, o);
  EXPECT_TRUE(as_two.ok());
  EXPECT_EQ(m.read(0, l2), t2 | 3);  // left in the after-state
}

// Linux 6.12's block-and-page, reduced (ptx schedules --engine linux-6.12 --scenario block-and-page
// --schedule 0.1-54.0): section 1 links the tables (0, 1); section 0 installs a block in section
// 1's table (2) and commits; section 1 replaces the block by a table holding one page (3, 4). A
// walk may see the block, the state at section 0's commit; no cut gives it (section 0 alone: its
// table is not linked; both: the block is gone), so without the commit state it is a wrong
// translation.
TEST(SectionGroupTest, TheStateAtACommitIsNotAViolation) {
  NptImage m(kArm4x2, test::kTestRoot);
  const uint64_t l1 = 0x11000, l2 = 0x12000, t1 = 0x13000;
  const uint64_t block = 0x80000000 | 0x7c1, page = 0x80001000 | 0x7c3;
  const std::vector<Update> u{{UpdateKind::kPgd, test::kTestRoot, 0, l1 | 3},
                              {UpdateKind::kPud, l1, 0, l2 | 3},
                              {UpdateKind::kPmd, l2, 0, block},
                              {UpdateKind::kPmd, l2, block, t1 | 3},
                              {UpdateKind::kPte, t1 + 8, 0, page}};
  const std::vector<uint32_t> member{1, 1, 0, 1, 1};
  ExploreOptions o;
  o.parallel = false;
  NptImage cuts_only = m;
  const Exploration without = explore_group(cuts_only, test::kTestRoot, kArm4x2, u, member, 2, o);
  ASSERT_EQ(without.violations.size(), 2u);  // IPA 0 and the page's IPA, both inside the block
  for (const Violation& v : without.violations) {
    EXPECT_EQ(v.observed, block);
    EXPECT_EQ(v.cls, ViolationClass::kWrongTranslation);
  }
  const std::vector<size_t> commits{3};  // section 0 committed after updates 0..2
  EXPECT_TRUE(explore_group(m, test::kTestRoot, kArm4x2, u, member, 2, o, commits).ok());
}

// A commit state allows the memory at that moment only: section 1 remaps a page through a wrong
// one (P -> W -> Q); section 0, writing another entry, commits before the wrong write (or after the
// right one): W is still a wrong translation.
TEST(SectionGroupTest, ACommitStateHidesNoOtherIntermediateState) {
  NptImage m(kArm4x2, test::kTestRoot);
  const uint64_t l1 = 0x11000, l2 = 0x12000, t1 = 0x13000;
  const uint64_t p = 0x80000000 | 0x7c3, w = 0x90000000 | 0x7c3, q = 0xa0000000 | 0x7c3, r = 0xb0000000 | 0x7c3;
  m.write(0, test::kTestRoot, l1 | 3);
  m.write(0, l1, l2 | 3);
  m.write(0, l2, t1 | 3);
  m.write(0, t1, p);
  const std::vector<Update> u{{UpdateKind::kPte, t1 + 8, 0, r}, {UpdateKind::kPte, t1, p, w}, {UpdateKind::kPte, t1, w, q}};
  const std::vector<uint32_t> member{0, 1, 1};
  ExploreOptions o;
  o.parallel = false;
  for (const size_t commit : {size_t{1}, size_t{3}}) {
    NptImage fresh = m;
    const std::vector<size_t> commits{commit};
    const Exploration x = explore_group(fresh, test::kTestRoot, kArm4x2, u, member, 2, o, commits);
    ASSERT_EQ(x.violations.size(), 1u) << commit;
    EXPECT_EQ(x.violations[0].observed, w);
  }
}

}  // namespace
}  // namespace ptx
