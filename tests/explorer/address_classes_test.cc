// SPDX-License-Identifier: BSD-2-Clause
// Differential test (a): the address classes (explorer/address_classes.h) against brute force
// over EVERY page-aligned IPA of reduced geometries: an IPA outside every class is unaffected
// (every list maps it as before, and after == before); an IPA is in a class exactly when its
// before-walk reads an entry the section writes (address_classes.h, item 1/2); an IPA in a class
// has its representative's verdict counts (descriptor mode: the whole verdict, including the
// other mappings); class_of(rep) == rep. The brute force is the faithful reference
// (FaithfulStates: every list of Coq `sample_and_shuffle_updates` applied by `update_npt`).
// Cases: random and adversarial sections from tests/support/random_sections.h, n <= 7 updates.
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

#include "explorer/address_classes.h"
#include "explorer/entry_history.h"
#include "explorer/faithful.h"
#include "explorer/mapping.h"
#include "explorer/sequence_count.h"
#include "tests/support/differential.h"
#include "tests/support/random_sections.h"

namespace ptx {
namespace {

using namespace ptx::test;  // NOLINT: the test vocabulary

constexpr CompareMode kModes[] = {CompareMode::kDescriptor, CompareMode::kTranslation};

// The entries a section writes (keys: (level, entry) in per-level pools, the address in a flat
// memory).
std::set<EntryKey> written_entries(const Geometry& g, std::span<const Update> updates) {
  std::set<EntryKey> w;
  for (const Update& u : updates) w.insert(g.key(level_of_kind(u.kind, g.levels), u.entry));
  return w;
}

// ---------------------------------------------------------------------------------------------
// (a) Address classes against brute force.

// Representatives are ascending page IPAs, each its own class. False after reporting a failure.
bool check_representatives(const SectionCase& c, const AddressClasses& classes, Failures& fails) {
  const Geometry& g = c.before.geometry();
  const std::vector<uint64_t>& reps = classes.representatives();
  for (size_t i = 0; i < reps.size(); ++i) {
    const uint64_t r = reps[i];
    if (r >= g.ipa_limit() || r % g.page_size() != 0 || (i > 0 && reps[i - 1] >= r)) {
      fails.add(c, fmt::format("representatives not page aligned, in range and ascending: {:#x}", r));
      return false;
    }
    const std::optional<uint64_t> cr = classes.class_of(r);
    if (cr != std::optional<uint64_t>(r)) {
      fails.add(c, fmt::format("class_of(rep {:#x}) = {}", r, cr ? fmt::format("{:#x}", *cr) : "nullopt"));
      return false;
    }
  }
  return true;
}

// Each class's size is the number of page IPAs class_of puts in it.
bool check_class_sizes(const SectionCase& c, const AddressClasses& classes, Failures& fails) {
  const Geometry& g = c.before.geometry();
  const std::vector<uint64_t>& reps = classes.representatives();
  std::map<uint64_t, uint64_t> members;
  for (uint64_t ipa = 0; ipa < g.ipa_limit(); ipa += g.page_size()) {
    if (const std::optional<uint64_t> cls = classes.class_of(ipa)) ++members[*cls];
  }
  for (size_t i = 0; i < reps.size(); ++i) {
    if (members[reps[i]] != classes.class_pages()[i]) {
      fails.add(c, fmt::format("class {:#x} has {} pages, class_pages says {}", reps[i], members[reps[i]],
                               classes.class_pages()[i]));
      return false;
    }
  }
  return true;
}

void check_classes(const SectionCase& c, Failures& fails) {
  const NptImage& before = c.before;
  const Geometry& g = before.geometry();
  const size_t n = c.updates.size();
  const FaithfulStates states(before, c.updates);
  if (BigCount(states.list_count()) != sequence_count(n)) {
    fails.add(c, fmt::format("list_count {} != a({})", states.list_count(), n));
    return;
  }
  const EntryHistories histories(before, c.updates);
  const AddressClasses classes(before, histories);
  if (!check_representatives(c, classes, fails) || !check_class_sizes(c, classes, fails)) return;
  const std::vector<uint64_t>& reps = classes.representatives();
  const auto written = written_entries(g, c.updates);
  for (const CompareMode mode : kModes) {
    std::map<uint64_t, AddressVerdict> rep_verdict;
    for (const uint64_t r : reps) rep_verdict.emplace(r, states.verdict(r, mode));
    for (uint64_t ipa = 0; ipa < g.ipa_limit(); ipa += g.page_size()) {
      const AddressVerdict v = states.verdict(ipa, mode);
      const bool unaffected = v.counts.before == sequence_count(n) && v.after == v.before;
      const std::optional<uint64_t> cls = classes.class_of(ipa);
      const std::string where = fmt::format("mode={} ipa={:#x}", compare_mode_name(mode), ipa);
      // Structural contract (address_classes.h 1/2): in a class iff the before-walk reads a
      // written entry.
      const WalkResult w = before.walk(ipa);
      bool reads_written = false;
      for (int k = 0; k < w.steps; ++k) reads_written |= written.count(g.key(k, w.path[k].entry)) > 0;
      if (cls.has_value() != reads_written) {
        fails.add(c, fmt::format("{}: class_of = {} but the before-walk {} a written entry; verdict {}",
                                 where, cls ? fmt::format("{:#x}", *cls) : "nullopt",
                                 reads_written ? "reads" : "reads no", verdict_text(v)));
        return;
      }
      if (!cls) {
        if (!unaffected) {
          fails.add(c, fmt::format("{}: no class but affected: {}", where, verdict_text(v)));
          return;
        }
        continue;
      }
      auto it = rep_verdict.find(*cls);
      if (it == rep_verdict.end()) {
        fails.add(c, fmt::format("{}: class_of = {:#x} is not a representative", where, *cls));
        return;
      }
      const AddressVerdict& rv = it->second;
      bool ok = rv.counts == v.counts;
      if (mode == CompareMode::kDescriptor) {
        ok = ok && rv.others == v.others && rv.before == v.before && rv.after == v.after;
      } else {
        ok = ok && rv.others.empty() == v.others.empty();
      }
      if (!ok) {
        fails.add(c, fmt::format("{}: verdict {}\n  differs from representative {:#x}: {}", where,
                                 verdict_text(v), *cls, verdict_text(rv)));
        return;
      }
    }
  }
}

TEST(ExplorerDifferentialTest, AddressClassesMatchBruteForce) {
  const auto t0 = std::chrono::steady_clock::now();
  Failures fails("address classes vs brute force");
  int total = 0;
  std::map<std::string, int> by_style;
  for (const Plan& p : kPlans) {
    for (int i = 0; i < p.cases / kCaseDivisor; ++i) {
      const SectionCase c = test::random_case(p.g, p.seed_base + i, p.max_updates);
      check_classes(c, fails);
      ++total;
      ++by_style[std::string(test::case_style_name(c.style))];
    }
  }
  fails.report();
  EXPECT_GE(total, kMinCases);
  std::string styles;
  for (const auto& [s, k] : by_style) styles += fmt::format(" {}={}", s, k);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%d cases (%s), %.1f s\n", total, styles.c_str(), secs);
}

// Every adversarial style at every size 0..7, on the 4x2 geometry.
TEST(ExplorerDifferentialTest, AddressClassesMatchBruteForceEveryStyleAndSize) {
  Failures fails("address classes vs brute force (styles x sizes)");
  for (int s = 0; s < static_cast<int>(test::CaseStyle::kCount); ++s) {
    for (size_t n = 0; n <= 7; ++n) {
      for (uint64_t seed = 0; seed < kStyleSeeds; ++seed) {
        check_classes(test::make_case(test::kReduced4x2, static_cast<test::CaseStyle>(s), n, seed), fails);
        check_classes(test::make_case(test::kArm4x2, static_cast<test::CaseStyle>(s), n, seed), fails);
      }
    }
  }
  fails.report();
}

// ---------------------------------------------------------------------------------------------
// (b) explore() against explore_faithful().

// Checks one witness: minimal length, distinct entries, and replaying it reproduces `observed`.
}  // namespace
}  // namespace ptx
