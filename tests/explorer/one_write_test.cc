// SPDX-License-Identifier: BSD-2-Clause
// Differential test of the one-leaf-write path (explorer/one_write.h) against the plain
// references: the faithful enumeration (explore_faithful: every field of the Exploration, the
// classes being AddressClasses' own) and, address by address, the states the two lists reach
// (FaithfulStates: every page-aligned IPA of the reduced geometries as a target, and unaligned
// ones). Cases: every generator style with one update, random images with one write at a random
// entry of any level (aliased and stale tables, blocks, unmaps, no-op writes, slots no walk reads,
// pages no walk reaches, an old value that is not the image's), in per-level pools and flat
// memories (Arm rules: a table reached at several levels), and the SeKVM geometry. The path
// must also overwrite an Exploration that holds another section's result (storage reuse).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "explorer/one_write.h"
#include "tests/support/random_sections.h"

namespace ptx {
namespace {

// A stale result to overwrite: a violating section of two writes, with classes, targets and
// violations (so that every vector the path fills held something).
Exploration stale_result() {
  const test::SectionCase c = test::make_case(test::kReduced4x2, test::CaseStyle::kSetNptBatched, 6, 5);
  std::vector<uint64_t> targets = {0, 0x1000, 0x3000};
  Exploration x = explore(c.before, c.updates, targets);
  x.pending = 3;
  return x;
}

// Every page-aligned IPA of a reduced geometry (the SeKVM one: random ones and the update's own
// region), plus unaligned and random IPAs.
std::vector<uint64_t> targets_for(const test::SectionCase& c, std::mt19937_64& rng) {
  const Geometry& g = c.before.geometry();
  std::vector<uint64_t> t;
  if (g.ipa_bits() <= 24) {
    for (uint64_t ipa = 0; ipa < g.ipa_limit(); ipa += g.page_size()) t.push_back(ipa);
  } else {
    for (int i = 0; i < 64; ++i) t.push_back((rng() % g.ipa_limit()) & ~(g.page_size() - 1));
  }
  for (int i = 0; i < 8; ++i) t.push_back(rng() % g.ipa_limit());
  return t;
}

// The path's result equals the faithful one, and each target's counts are those of the two
// states (FaithfulStates). Returns whether the path took the case.
bool expect_same(const test::SectionCase& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<uint64_t> targets = targets_for(c, rng);
  bool took = false;
  for (const CompareMode mode : {CompareMode::kDescriptor, CompareMode::kTranslation}) {
    Exploration x = stale_result();
    took = explore_one_leaf_write(c.before, c.updates, targets, mode, &x);
    EXPECT_EQ(took, is_one_leaf_write(c.before, c.updates)) << c.describe();
    if (!took) {
      EXPECT_EQ(x, stale_result()) << "a refused case must leave *out untouched\n" << c.describe();
      return false;
    }
    ExploreOptions o;
    o.compare = mode;
    o.parallel = false;
    const Exploration ref = explore_faithful(c.before, c.updates, targets, o);
    const std::string what = std::string(compare_mode_name(mode)) + "\n" + c.describe();
    EXPECT_EQ(x, ref) << what;
    EXPECT_EQ(explore(c.before, c.updates, targets, o), ref) << what;  // explore() takes the path too
    Exploration reused = stale_result();
    explore(c.before, c.updates, targets, o, &reused);
    EXPECT_EQ(reused, ref) << what;
    const FaithfulStates states(c.before, c.updates);
    for (size_t i = 0; i < targets.size(); ++i) {
      EXPECT_EQ(x.targets.at(i), states.verdict(targets[i], mode).counts) << "ipa " << targets[i] << " " << what;
      if (x.targets.at(i) != states.verdict(targets[i], mode).counts) return took;  // one message
    }
  }
  return took;
}

// A random image of `g` (a generator's before-state) with one write at a random entry: of a page
// the image holds or of a random page of its pools, any level, a leaf value, 0, or the entry's own
// value; its old value usually the image's, sometimes not (explore() reads the image).
test::SectionCase one_random_write(const Geometry& g, uint64_t seed) {
  std::mt19937_64 rng(seed);
  test::SectionCase c = test::random_case(g, seed, 3);
  c.updates.clear();
  std::vector<std::pair<int, uint64_t>> pages;
  c.before.for_each_page([&](int level, uint64_t page, const uint64_t*) { pages.emplace_back(level, page); });
  int level = static_cast<int>(rng() % static_cast<uint64_t>(g.levels));
  uint64_t page = g.table_of(test::kTestRoot) + (rng() % 64) * g.page_size();
  if (!pages.empty() && rng() % 4 != 0) std::tie(level, page) = pages[rng() % pages.size()];
  // Mostly slots a walk reads; sometimes one past the table's entries (no walk reads it).
  const uint64_t slot = rng() % (rng() % 8 == 0 ? g.page_size() / 8 : g.entries_per_table());
  const uint64_t entry = page + slot * 8;
  const uint64_t now = c.before.read(level, entry);
  uint64_t value = 0;
  switch (rng() % 4) {
    case 0: value = 0; break;
    case 1: value = now; break;
    case 2: value = test::random_page_descriptor(rng); break;
    default: value = level == g.block_level() ? test::random_block_descriptor(g, rng) : test::random_page_descriptor(rng);
  }
  const uint64_t old_value = rng() % 8 == 0 ? now ^ 0x40 : now;
  c.updates.push_back(Update{kind_at_level(level, g.levels), entry, old_value, value});
  return c;
}

TEST(OneWriteTest, GeneratorStylesEqualFaithful) {
  int took = 0, refused = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    for (int s = 0; s < static_cast<int>(test::CaseStyle::kCount); ++s) {
      for (const Geometry& g : {test::kReduced4x2, test::kReduced3x2, test::kReduced4x3, Geometry::sekvm(),
                                test::kArm4x2, test::kArm3x2, test::kArm4x3}) {
        const test::SectionCase c = test::make_case(g, static_cast<test::CaseStyle>(s), 1, 11000 + seed);
        if (c.updates.size() != 1) continue;
        ASSERT_NO_FATAL_FAILURE(expect_same(c, seed) ? ++took : ++refused);
      }
    }
  }
  EXPECT_GT(took, 500);
  EXPECT_GT(refused, 40);  // table writes (links, re-points, block <-> table) take the general path
}

// Random writes in random images, in per-level pools and (the Arm rules) in flat memories, where a
// table may be reached at several levels: the path then takes the write only when no value is a
// table at any of them, and its classes come from every such level.
TEST(OneWriteTest, RandomWritesInRandomImagesEqualFaithful) {
  for (const bool flat : {false, true}) {
    int took = 0, refused = 0, unreachable = 0, aliased = 0, levels = 0;
    const std::vector<Geometry> geometries = flat ? std::vector<Geometry>{test::kArm4x2, test::kArm3x2, test::kArm4x3}
                                                  : std::vector<Geometry>{test::kReduced4x2, test::kReduced3x2, test::kReduced4x3};
    for (const Geometry& g : geometries) {
      for (uint64_t seed = 0; seed < 700; ++seed) {
        const test::SectionCase c = one_random_write(g, 12000 + seed);
        bool path = false;
        ASSERT_NO_FATAL_FAILURE(path = expect_same(c, seed));
        refused += !path;
        if (!path) continue;
        ++took;
        Exploration x;
        explore_one_leaf_write(c.before, c.updates, {}, CompareMode::kDescriptor, &x);
        unreachable += x.classes.empty();
        aliased += x.classes.size() > 1;
        levels += std::any_of(x.classes.begin(), x.classes.end(),
                              [&](const AddressClass& a) { return a.pages != x.classes.front().pages; });
      }
    }
    SCOPED_TRACE(flat ? "flat" : "per-level pools");
    EXPECT_GT(took, 1000);
    EXPECT_GT(refused, 50);
    EXPECT_GT(unreachable, 50);  // writes no walk reads: no class
    EXPECT_GT(aliased, 5);       // a table reached by several walks: a class per prefix
    EXPECT_TRUE(!flat || levels > 0) << levels;  // ... and at several levels
  }
}

// A flat memory whose root table maps itself (a recursive mapping: root entry 3 points at the root,
// so the root, and the tables under it, are reached at every level too): a write into the root or
// into a table under it is read at several levels, through chains that pass the root table.
TEST(OneWriteTest, RecursiveRootMappingEqualsFaithful) {
  const Geometry& g = test::kArm4x2;
  const uint64_t root = test::kTestRoot, a = root + g.page_size(), b = root + 2 * g.page_size();
  NptImage image(g, root);
  image.write(0, root + 3 * 8, root | 3);  // the self map
  image.write(0, root, a | 3);
  image.write(0, a + 8, b | 3);
  image.write(0, b + 16, 0x7000 | 3);
  int took = 0, levels = 0;
  for (const uint64_t page : {root, a, b}) {
    for (uint64_t slot = 0; slot < g.entries_per_table(); ++slot) {
      // Invalid, a block at Arm levels 1 and 2 (bits 01), and a page or table (bits 11).
      for (const uint64_t value : {uint64_t{0}, uint64_t{0x9000 | 1}, uint64_t{0xa000 | 3}}) {
        const uint64_t entry = page + slot * 8;
        const uint64_t now = image.read(0, entry);
        const test::SectionCase c{image, {Update{kind_at_level(g.leaf_level(), g.levels), entry, now, value}},
                                  test::CaseStyle::kRandom, slot};
        bool path = false;
        ASSERT_NO_FATAL_FAILURE(path = expect_same(c, slot));
        if (!path) continue;
        ++took;
        Exploration x;
        explore_one_leaf_write(c.before, c.updates, {}, CompareMode::kDescriptor, &x);
        levels += std::any_of(x.classes.begin(), x.classes.end(),
                              [&](const AddressClass& k) { return k.pages != x.classes.front().pages; });
      }
    }
  }
  EXPECT_GT(took, 10);
  EXPECT_GT(levels, 3);  // classes of one write at several levels, through the self map
}

// The SeKVM geometry and its run's sections: one page mapped, remapped or unmapped in a table
// that set_npt made, and a block.
TEST(OneWriteTest, SekvmSectionsEqualFaithful) {
  int took = 0;
  for (uint64_t seed = 0; seed < 60; ++seed) {
    test::SetNptModel m = test::make_sekvm_like_state(Geometry::sekvm(), 13000 + seed, 6);
    std::mt19937_64 rng(seed);
    const Geometry& g = m.geometry();
    std::vector<std::pair<int, uint64_t>> leaves;
    m.image().for_each_page([&](int level, uint64_t page, const uint64_t* e) {
      for (uint64_t i = 0; i < g.entries_per_table(); ++i) {
        if (e[i] != 0 && !g.is_table(level, e[i])) leaves.emplace_back(level, page + i * 8);
      }
    });
    ASSERT_FALSE(leaves.empty());
    for (int k = 0; k < 4; ++k) {
      const auto [level, entry] = leaves[rng() % leaves.size()];
      const uint64_t now = m.image().read(level, entry);
      const uint64_t value = k == 0 ? 0 : level == g.block_level() ? test::random_block_descriptor(g, rng)
                                                                    : test::random_page_descriptor(rng);
      test::SectionCase c{m.image(), {Update{kind_at_level(level, g.levels), entry, now, value}}, test::CaseStyle::kSetNpt, seed};
      bool path = false;
      ASSERT_NO_FATAL_FAILURE(path = expect_same(c, seed));
      took += path;
    }
  }
  EXPECT_EQ(took, 240);
}

}  // namespace
}  // namespace ptx
