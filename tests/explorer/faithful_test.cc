// SPDX-License-Identifier: BSD-2-Clause
// The faithful reference itself: SPEC §5's case table, a dirty fresh page exposing a third
// mapping, the set_npt model the random cases use against the engine, and the size limit.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "explorer/exploration.h"
#include "explorer/explore.h"
#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "explorer/sequence_count.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "tests/support/random_sections.h"
#include "tests/support/sanitized.h"

namespace ptx {
namespace {

using namespace ptx::test;  // NOLINT: the test vocabulary

constexpr CompareMode kModes[] = {CompareMode::kDescriptor, CompareMode::kTranslation};

// ---------------------------------------------------------------------------------------------
// The reference itself on the case table of SPEC §5 (set_npt on a valid SeKVM state).

struct TableRow {
  const char* what;
  int prepare;  // 0: nothing mapped; 1: level-1 table exists; 2: level-2 table; 3: level-3 table
  int level;    // set_npt level (2 or 3)
  size_t updates;
  uint64_t sequences, after, before;
};

TEST(FaithfulTest, SpecCaseTable) {
  const TableRow rows[] = {
      {"level 3, nothing mapped", 0, 3, 4, 65, 24, 41},
      {"level 3, level-1 table exists", 1, 3, 3, 16, 6, 10},
      {"level 3, level-2 table exists", 2, 3, 2, 5, 2, 3},
      {"level 3, level-3 table exists", 3, 3, 1, 2, 1, 1},
      {"level 2, nothing mapped", 0, 2, 3, 16, 6, 10},
      {"level 2, level-2 table exists", 2, 2, 1, 2, 1, 1},
  };
  const uint64_t ipa = 0x12345600000;  // the op's address (2 MiB aligned)
  for (const TableRow& row : rows) {
    SCOPED_TRACE(row.what);
    test::SetNptModel m;  // the SeKVM geometry, vmid 0
    // Prepare the tables on the path by mapping a neighbour that shares them.
    const uint64_t neighbour = row.prepare == 0   ? ipa ^ (uint64_t{1} << 39)   // another pgd entry
                               : row.prepare == 1 ? ipa ^ (uint64_t{1} << 30)   // same pgd entry
                               : row.prepare == 2 ? ipa ^ (uint64_t{1} << 21)   // same pud entry
                                                  : ipa ^ (uint64_t{1} << 12);  // same pmd entry
    if (row.prepare > 0) {
      ASSERT_TRUE(m.set_npt(neighbour, 3, 0x7000000403, nullptr));
    }
    const NptImage before = m.image();
    std::vector<Update> updates;
    ASSERT_TRUE(m.set_npt(ipa, row.level, row.level == 3 ? 0x5000000403 : 0x5000000401, &updates));
    ASSERT_EQ(updates.size(), row.updates);
    const FaithfulStates states(before, updates);
    EXPECT_EQ(states.list_count(), row.sequences);
    for (const CompareMode mode : kModes) {
      const AddressVerdict v = states.verdict(ipa, mode);
      EXPECT_EQ(v.counts.after, BigCount(row.after));
      EXPECT_EQ(v.counts.before, BigCount(row.before));
      EXPECT_EQ(v.counts.other, 0);
      EXPECT_TRUE(v.others.empty());
      // Every other address keeps its mapping.
      const AddressVerdict nv = states.verdict(neighbour, mode);
      EXPECT_EQ(nv.counts.before, BigCount(row.sequences));
      const uint64_t targets[] = {ipa, neighbour};
      ExploreOptions opt;
      opt.compare = mode;
      const Exploration ref = explore_faithful(before, updates, targets, opt);
      EXPECT_TRUE(ref.ok());
      EXPECT_EQ(ref.targets[0], v.counts);
      EXPECT_EQ(ref.sequences, BigCount(row.sequences));
      EXPECT_EQ(explore(before, updates, targets, opt), ref);
    }
  }
}

TEST(FaithfulTest, DirtyFreshPageExposesThirdMapping) {
  // A recycled level-3 page with a stale PTE at the op's index: linking it (PMD) before the PTE
  // write lands exposes the stale PTE.
  test::SetNptModel m;
  const uint64_t ipa = 0x40000000;
  ASSERT_TRUE(m.set_npt(ipa ^ (uint64_t{1} << 21), 3, 0x7000000403, nullptr));  // pgd, pud exist
  const uint64_t stale = 0x6660000403;
  m.dirty_next_page(3, pte_index(ipa), stale);
  const NptImage before = m.image();
  std::vector<Update> updates;
  ASSERT_TRUE(m.set_npt(ipa, 3, 0x5000000403, &updates));
  ASSERT_EQ(updates.size(), 2u);  // PMD link, PTE write
  const FaithfulStates states(before, updates);
  const AddressVerdict v = states.verdict(ipa);
  EXPECT_EQ(v.others, std::vector<uint64_t>{stale});
  // pt_updates = [PTE; PMD]; lists: [], [PMD], [PTE], [PTE; PMD], [PMD; PTE].
  // [] and [PTE] keep 0 (before), [PMD] shows the stale PTE, both full orders the new PTE.
  EXPECT_EQ(v.counts.before, 2);
  EXPECT_EQ(v.counts.other, 1);
  EXPECT_EQ(v.counts.after, 2);
  EXPECT_EQ(states.shortest_list(ipa, stale), std::optional<std::vector<uint32_t>>(std::vector<uint32_t>{0}));
  EXPECT_EQ(states.shortest_list(ipa, 0x1234), std::nullopt);
  const uint64_t targets[] = {ipa};
  const Exploration ref = explore_faithful(before, updates, targets);
  ASSERT_EQ(ref.violations.size(), 1u);
  EXPECT_EQ(states.verdict(ref.violations[0].ipa).others, std::vector<uint64_t>{stale});
  EXPECT_EQ(ref.violations[0].observed, stale);
  EXPECT_EQ(ref.violations[0].sequences, 1);
  EXPECT_EQ(ref.violations[0].witness, std::vector<uint32_t>{0});
}

// The test-support set_npt model is the engine's set_npt: same refusals, same writes (values, old
// values, order), same memory, in the SeKVM geometry.
TEST(SetNptModelTest, MatchesTheEngine) {
  for (uint64_t seed = 0; seed < 40; ++seed) {
    std::mt19937_64 rng(seed);
    Stage2Engine engine;
    test::SetNptModel model;
    const uint32_t vmid = 0;
    for (int op = 0; op < 40; ++op) {
      // clustered IPAs (shared tables), pages and blocks, and some refused ops
      const uint64_t ipa = (rng() % 3) << 39 | (rng() % 3) << 30 | (rng() % 4) << 21 | (rng() % 3) << 12;
      const int level = rng() % 4 == 0 ? 2 : 3;
      uint64_t desc = level == 3 ? test::random_page_descriptor(rng)
                                 : test::random_block_descriptor(Geometry::sekvm(), rng);
      if (rng() % 20 == 0) desc = 0;
      if (rng() % 20 == 0) desc = 0x1234003;  // a table-looking descriptor (refused at level 2)
      const uint64_t at = level == 2 ? ipa & ~uint64_t{0x1fffff} : ipa;
      CriticalSection cs;
      ASSERT_EQ(engine.open_section(vmid, &cs), NptError::kOk);
      const NptError e = cs.set_npt(at, level, desc);
      const Section section = cs.close();
      std::vector<Update> log;
      const bool ok = model.set_npt(at, level, desc, &log);
      ASSERT_EQ(e == NptError::kOk, ok) << "seed " << seed << " op " << op << " error " << static_cast<int>(e);
      ASSERT_EQ(section.updates, log) << "seed " << seed << " op " << op;
    }
    model.image().for_each_page([&](int level, uint64_t page, const uint64_t* entries) {
      for (uint64_t i = 0; i < 512; ++i) {
        ASSERT_EQ(engine.read_entry(vmid, level, page + i * 8), entries[i]) << "L" << level << " " << page;
      }
    });
    EXPECT_EQ(model.next_page(1), engine.pt_pgd_next(vmid));
    EXPECT_EQ(model.next_page(2), engine.pt_pud_next(vmid));
    EXPECT_EQ(model.next_page(3), engine.pt_pmd_next(vmid));
  }
}

TEST(FaithfulTest, TooManyUpdatesIsRefused) {
  NptImage before(test::kReduced4x2, test::kTestRoot);
  std::vector<Update> updates(kFaithfulMaxUpdates + 1, Update{UpdateKind::kPte, 0x100000, 0, 3});
  ExploreOptions faithful;
  faithful.mode = ExploreMode::kFaithful;
  const StatusOr<Exploration> x = explore_section(before, updates, {}, faithful);
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), StatusCode::kBadInput);
  EXPECT_NE(x.status().message().find("kFaithfulMaxUpdates"), std::string::npos) << x.status().message();
  // At the limit it explores (a(10) = 9,864,101 lists: a minute under a sanitizer, where the
  // Release run has already shown it); in fast mode any size does.
  updates.pop_back();
  if (!test::kSanitized) {
    EXPECT_TRUE(explore_section(before, updates, {}, faithful).ok());
  }
  updates.resize(2 * kFaithfulMaxUpdates, updates.front());
  EXPECT_TRUE(explore_section(before, updates, {}, ExploreOptions{}).ok());
}

}  // namespace
}  // namespace ptx
