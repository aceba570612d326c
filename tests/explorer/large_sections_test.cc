// SPDX-License-Identifier: BSD-2-Clause
// The explorer's paths for larger sections, against the faithful reference and closed forms:
//  * sections of more than EntryHistories::kLinearEntries updates (the sorted index instead of the
//    linear scan), fast == faithful on every count, class and witness (9 updates: a(9) = 986,410
//    lists enumerated);
//  * sections of more than 30 updates (arbitrary-precision counts, memoised per leaf signature):
//    n PTEs written once into fresh tables, where a page's lists split into a(n-1) without its
//    write (before) and a(n) - a(n-1) with it (after); and one entry written m times among n
//    updates, where each of its values is the last-applied one in (c/m)(a(n) - a(n-m)) lists and
//    its before-value in a(n-m).
#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <vector>

#include "explorer/entry_history.h"
#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "explorer/sequence_count.h"
#include "pagetable/constants.h"
#include "tests/support/random_sections.h"
#include "tests/support/sanitized.h"

namespace ptx {
namespace {

std::vector<uint64_t> page_targets(const Geometry& g, uint64_t seed) {
  std::vector<uint64_t> t;
  for (uint64_t i = 0; i < 8; ++i) t.push_back(((seed * 0x9E3779B97F4A7C15ULL + i * 0x51) % g.ipa_limit()) & ~(g.page_size() - 1));
  return t;
}

// fast == faithful on everything but the witnesses' choice: a witness is any shortest list that
// replays to the observed mapping, so they must have the same length and the fast one must replay.
void expect_same(const test::SectionCase& c, std::span<const uint64_t> targets, CompareMode mode) {
  ExploreOptions o;
  o.compare = mode;
  o.parallel = false;
  Exploration fast = explore(c.before, c.updates, targets, o);
  Exploration ref = explore_faithful(c.before, c.updates, targets, o);
  ASSERT_EQ(fast.violations.size(), ref.violations.size()) << c.describe();
  for (size_t i = 0; i < fast.violations.size(); ++i) {
    Violation& v = fast.violations[i];
    ASSERT_EQ(v.witness.size(), ref.violations[i].witness.size()) << c.describe();
    NptImage state = c.before;
    for (uint32_t u : v.witness) state.apply(c.updates[u]);
    ASSERT_EQ(mapping_of(mode, state.geometry(), v.ipa, state.walk(v.ipa)), v.observed) << c.describe();
    v.witness.clear();
    ref.violations[i].witness.clear();
  }
  ASSERT_EQ(fast, ref) << compare_mode_name(mode) << "\n" << c.describe();
}

TEST(LargeSectionsTest, FastEqualsFaithfulPastTheLinearIndex) {
  const test::CaseStyle styles[] = {test::CaseStyle::kRandom, test::CaseStyle::kDuplicateWrite,
                                    test::CaseStyle::kUnmapRemap, test::CaseStyle::kAlias};
  // Faithful enumeration past kLinearEntries is slow under a sanitizer: there, one style per
  // geometry (the Release run compares all four).
  const size_t style_count = test::kSanitized ? 1 : std::size(styles);
  int compared = 0;
  for (const Geometry& g : {test::kReduced4x2, test::kArm4x2}) {
    for (const test::CaseStyle style : std::span(styles, style_count)) {
      const test::SectionCase c = test::make_case(g, style, EntryHistories::kLinearEntries + 1, 90 + compared);
      ASSERT_GT(c.updates.size(), EntryHistories::kLinearEntries) << c.describe();
      const std::vector<uint64_t> targets = page_targets(g, c.seed);
      for (const CompareMode mode : {CompareMode::kDescriptor, CompareMode::kTranslation}) {
        expect_same(c, targets, mode);
      }
      ++compared;
    }
  }
  EXPECT_EQ(compared, static_cast<int>(2 * style_count));
}

// n PTE writes (each once) into fresh level-3 tables of VM 1, 512 per table, as in bench_explore.
struct Batched {
  NptImage before{Geometry::sekvm(), pt_vttbr(1)};
  std::vector<Update> updates;
  std::vector<uint64_t> targets;
};

Batched batched(size_t n) {
  Batched b;
  const uint64_t ipa = 0x40'0000'0000ULL, l1 = pgd_start(1), l2 = pud_start(1), l3 = pmd_start(1);
  b.before.write(0, pool_start(1) | pgd_index(ipa) * 8, l1 | 3);
  b.before.write(1, l1 | pud_index(ipa) * 8, l2 | 3);
  for (uint64_t t = 0; t * 512 < n; ++t) b.before.write(2, l2 | pmd_index(ipa + t * 512 * PAGE_SIZE) * 8, (l3 + t * PAGE_SIZE) | 3);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t page = ipa + i * PAGE_SIZE;
    b.updates.push_back(Update{UpdateKind::kPte, (l3 + (i / 512) * PAGE_SIZE) | pte_index(page) * 8, 0, (0x4000'0000ULL + i * PAGE_SIZE) | 0x7FF});
    b.targets.push_back(page);
  }
  b.targets.push_back(ipa + n * PAGE_SIZE);  // not written: every list keeps it
  return b;
}

TEST(LargeSectionsTest, BatchedPagesSplitIntoListsWithAndWithoutTheirWrite) {
  for (const size_t n : {31u, 100u, 600u, 1100u}) {
    const Batched b = batched(n);
    for (const bool parallel : {false, true}) {
      ExploreOptions o;
      o.parallel = parallel;
      const Exploration x = explore(b.before, b.updates, b.targets, o);
      ASSERT_TRUE(x.ok()) << n;
      ASSERT_EQ(x.sequences, sequence_count(n));
      const Counts written{sequence_count(n - 1), sequence_count(n) - sequence_count(n - 1), 0};
      const Counts untouched{sequence_count(n), 0, 0};
      ASSERT_EQ(x.targets.size(), n + 1);
      for (size_t i = 0; i < n; ++i) ASSERT_EQ(x.targets[i], written) << "n " << n << " page " << i;
      ASSERT_EQ(x.targets[n], untouched) << n;
      size_t written_classes = 0;
      for (const AddressClass& c : x.classes) {
        ASSERT_TRUE(c.counts == written || c.counts == untouched) << n << " " << std::hex << c.ipa;
        written_classes += c.counts == written;
      }
      ASSERT_EQ(written_classes, n);
    }
  }
}

TEST(LargeSectionsTest, AnEntryWrittenSeveralTimesAmongManyUpdates) {
  constexpr size_t n = 40, m = 3;
  Batched b = batched(n - m);
  // The page after the batch, written m times with three different values.
  const uint64_t page = 0x40'0000'0000ULL + (n - m) * PAGE_SIZE, entry = pmd_start(1) | pte_index(page) * 8;
  uint64_t old = 0;
  for (uint64_t j = 0; j < m; ++j) {
    const uint64_t v = (0x9000'0000ULL + j * PAGE_SIZE) | 0x7FF;
    b.updates.push_back(Update{UpdateKind::kPte, entry, old, v});
    old = v;
  }
  ExploreOptions o;
  o.parallel = false;
  const std::vector<uint64_t> target = {page};
  const Exploration x = explore(b.before, b.updates, target, o);
  const BigCount each = (sequence_count(n) - sequence_count(n - m)) / m;
  ASSERT_EQ(x.targets[0], (Counts{sequence_count(n - m), each, 2 * each}));
  ASSERT_EQ(x.violations.size(), 2u);  // the first two values: neither before nor after
  for (size_t j = 0; j < 2; ++j) {
    EXPECT_EQ(x.violations[j].ipa, page);
    EXPECT_EQ(x.violations[j].sequences, each);
    EXPECT_EQ(x.violations[j].witness, (std::vector<uint32_t>{static_cast<uint32_t>(n - m + j)}));
  }
}

}  // namespace
}  // namespace ptx
