// SPDX-License-Identifier: BSD-2-Clause
// Differential test of explore()'s short paths for small sections against the faithful
// enumeration, fast == faithful on every field (witnesses: as short as the faithful ones and
// replaying to the observed mapping), in both compare modes:
//  * one update (explorer.cc: the lists of Coq `sample_and_shuffle_updates` on [u] are [] and
//    [u], so the counts are written down without the search and the count of the general path)
//    and the general path just above it, on the reduced geometries (per-level pools and flat Arm
//    memories) and the SeKVM geometry. A one-update section never shows a third mapping;
//  * ClassSearch (explorer.cc: up to EntryHistories::kLinearEntries updates on per-level pools,
//    the classes found and evaluated in one search): random and adversarial sections of one to
//    six updates (and a few of seven and eight) on random before-states, its classes also against
//    AddressClasses' representatives and sizes, and targets at every representative.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "explorer/address_classes.h"
#include "explorer/entry_history.h"
#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "explorer/mapping.h"
#include "tests/support/random_sections.h"

namespace ptx {
namespace {

// 0 and random page-aligned IPAs: mostly addresses the section does not affect or that are not a
// class representative, which Exploration::targets evaluates on their own.
std::vector<uint64_t> targets_of(const test::SectionCase& c) {
  const Geometry& g = c.before.geometry();
  std::mt19937_64 rng(c.seed * 31 + c.updates.size());
  std::vector<uint64_t> t = {0};
  for (int i = 0; i < 6; ++i) t.push_back((rng() % g.ipa_limit()) & ~(g.page_size() - 1));
  return t;
}

// The fast witness is a shortest one (as long as the faithful one) and replays to `observed`.
void expect_witness(const test::SectionCase& c, CompareMode mode, const Violation& fast, const Violation& ref) {
  EXPECT_EQ(fast.witness.size(), ref.witness.size()) << c.describe();
  NptImage replay = c.before;
  for (const uint32_t i : fast.witness) replay.apply(c.updates.at(i));
  EXPECT_EQ(mapping_of(mode, replay.geometry(), fast.ipa, replay.walk(fast.ipa)), fast.observed) << c.describe();
}

void expect_same(const test::SectionCase& c, CompareMode mode, bool parallel,
                 const std::vector<uint64_t>& more_targets = {}) {
  std::vector<uint64_t> targets = targets_of(c);
  targets.insert(targets.end(), more_targets.begin(), more_targets.end());
  ExploreOptions o;
  o.compare = mode;
  o.parallel = parallel;
  const Exploration fast = explore(c.before, c.updates, targets, o);
  const Exploration ref = explore_faithful(c.before, c.updates, targets, o);
  const std::string what = std::string(compare_mode_name(mode)) + "\n" + c.describe();
  EXPECT_TRUE(c.updates.size() != 1 || fast.ok()) << what;
  EXPECT_EQ(fast.updates, ref.updates) << what;
  EXPECT_EQ(fast.sequences, ref.sequences) << what;
  EXPECT_EQ(fast.classes, ref.classes) << what;
  EXPECT_EQ(fast.targets, ref.targets) << what;
  ASSERT_EQ(fast.violations.size(), ref.violations.size()) << what;
  for (size_t i = 0; i < ref.violations.size(); ++i) {
    Violation without_witness = fast.violations[i];
    without_witness.witness = ref.violations[i].witness;
    EXPECT_EQ(without_witness, ref.violations[i]) << what;
    expect_witness(c, mode, fast.violations[i], ref.violations[i]);
  }
}

TEST(SmallSectionsTest, OneAndTwoUpdatesFastEqualsFaithful) {
  int compared[3] = {0, 0, 0};
  auto check = [&](const Geometry& g, test::CaseStyle style, size_t n, uint64_t seed) {
    const test::SectionCase c = test::make_case(g, style, n, 7000 + seed);
    for (const CompareMode mode : {CompareMode::kDescriptor, CompareMode::kTranslation}) {
      expect_same(c, mode, seed % 5 == 0);
    }
    ++compared[c.updates.size() < 3 ? c.updates.size() : 0];
  };
  for (size_t n = 1; n <= 2; ++n) {
    for (uint64_t seed = 0; seed < 24; ++seed) {
      for (int s = 0; s < static_cast<int>(test::CaseStyle::kCount); ++s) {
        for (const Geometry& g : {test::kReduced4x2, test::kReduced3x2, test::kArm4x2, test::kArm3x2}) {
          check(g, static_cast<test::CaseStyle>(s), n, seed);
        }
      }
      // The SeKVM geometry with its own discipline (set_npt-like states), as the differential test.
      for (const auto style : {test::CaseStyle::kSetNpt, test::CaseStyle::kSetNptBatched, test::CaseStyle::kDirtyFreshPage}) {
        check(Geometry::sekvm(), style, n, seed);
      }
    }
  }
  EXPECT_GT(compared[1], 500);  // the free-form styles make exactly n updates
  EXPECT_GT(compared[2], 500);
}

// Random sections of one update anywhere in a random image (any entry, any value): the short path
// against the faithful enumeration.
TEST(SmallSectionsTest, RandomOneUpdateSections) {
  int one = 0;
  for (const Geometry& g : {test::kReduced4x2, test::kArm4x2, test::kArm3x2}) {
    for (uint64_t seed = 0; seed < 400; ++seed) {
      const test::SectionCase c = test::random_case(g, 9100 + seed, 2);
      if (c.updates.size() != 1) continue;
      ++one;
      for (const CompareMode mode : {CompareMode::kDescriptor, CompareMode::kTranslation}) {
        ASSERT_NO_FATAL_FAILURE(expect_same(c, mode, false));
      }
    }
  }
  EXPECT_GT(one, 200);
}

// ClassSearch's classes are AddressClasses' representatives with their sizes; every
// representative is a target too (its class's counts), beside IPAs that are none.
void expect_class_search_same(const test::SectionCase& c, bool parallel) {
  const EntryHistories h(c.before, c.updates);
  const AddressClasses classes(c.before, h);
  for (const CompareMode mode : {CompareMode::kDescriptor, CompareMode::kTranslation}) {
    expect_same(c, mode, parallel, classes.representatives());
  }
  ExploreOptions o;
  o.parallel = parallel;
  const Exploration fast = explore(c.before, c.updates, {}, o);
  ASSERT_EQ(fast.classes.size(), classes.representatives().size()) << c.describe();
  for (size_t i = 0; i < fast.classes.size(); ++i) {
    EXPECT_EQ(fast.classes[i].ipa, classes.representatives()[i]) << c.describe();
    EXPECT_EQ(fast.classes[i].pages, classes.class_pages()[i]) << c.describe();
  }
}

TEST(SmallSectionsTest, ClassSearchFastEqualsFaithful) {
  int compared[EntryHistories::kLinearEntries + 1] = {};
  int violating = 0;
  for (size_t n = 1; n <= 6; ++n) {
    for (uint64_t seed = 0; seed < 10; ++seed) {
      for (int s = 0; s < static_cast<int>(test::CaseStyle::kCount); ++s) {
        for (const Geometry& g : {test::kReduced4x2, test::kReduced3x2, test::kReduced4x3}) {
          const test::SectionCase c = test::make_case(g, static_cast<test::CaseStyle>(s), n, 8100 + seed);
          ASSERT_NO_FATAL_FAILURE(expect_class_search_same(c, seed % 4 == 0));
          ++compared[c.updates.size()];
          violating += !explore(c.before, c.updates, {}).ok();
        }
      }
      for (const auto style : {test::CaseStyle::kSetNpt, test::CaseStyle::kSetNptBatched, test::CaseStyle::kDirtyFreshPage}) {
        ASSERT_NO_FATAL_FAILURE(expect_class_search_same(test::make_case(Geometry::sekvm(), style, n, 8200 + seed), false));
      }
    }
  }
  for (uint64_t seed = 0; seed < 400; ++seed) {  // random images and sizes, mostly <= 5 updates
    const test::SectionCase c = test::random_case(seed % 2 == 0 ? test::kReduced4x2 : test::kReduced3x2, 8300 + seed, 6);
    ASSERT_NO_FATAL_FAILURE(expect_class_search_same(c, false));
    ++compared[c.updates.size()];
  }
  for (size_t n = 7; n <= EntryHistories::kLinearEntries; ++n) {  // the largest sections it takes
    for (uint64_t seed = 0; seed < 3; ++seed) {
      ASSERT_NO_FATAL_FAILURE(expect_class_search_same(test::make_case(test::kReduced4x2, test::CaseStyle::kRandom, n, 8400 + seed), false));
    }
  }
  for (size_t n = 1; n <= 6; ++n) EXPECT_GT(compared[n], 50) << n;
  EXPECT_GT(violating, 50);  // the adversarial styles do break the condition
}

}  // namespace
}  // namespace ptx
