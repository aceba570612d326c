// SPDX-License-Identifier: BSD-2-Clause
// Differential test (b): explore() (explorer.h, exact counting) == explore_faithful()
// (faithful.h, enumeration of Coq `sample_and_shuffle_updates` applied by `update_npt`) on every
// field except witnesses, which must be as short as the faithful ones, write distinct entries, and
// reproduce the observed mapping when replayed with update_npt. Cases: random and adversarial
// sections from tests/support/random_sections.h, n <= 7 updates (mostly <= 5), on 4x2, 3x2 and
// 4x3 geometries and the SeKVM geometry.
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

#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "explorer/mapping.h"
#include "explorer/sample_and_shuffle.h"
#include "explorer/sequence_count.h"
#include "tests/support/differential.h"
#include "tests/support/random_sections.h"

namespace ptx {
namespace {

using namespace ptx::test;  // NOLINT: the test vocabulary

constexpr CompareMode kModes[] = {CompareMode::kDescriptor, CompareMode::kTranslation};

std::string witness_problem(const SectionCase& c, CompareMode mode, const Violation& v, size_t min_len) {
  const Geometry& g = c.before.geometry();
  if (v.witness.size() != min_len) {
    return fmt::format("witness length {} != shortest {}", v.witness.size(), min_len);
  }
  std::set<EntryKey> entries;
  std::vector<Update> list;
  for (const uint32_t idx : v.witness) {
    if (idx >= c.updates.size()) return fmt::format("witness index {} out of range", idx);
    const Update& u = c.updates[idx];
    if (!entries.insert(g.key(level_of_kind(u.kind, g.levels), u.entry)).second) {
      return fmt::format("witness writes entry {:#x} twice", u.entry);
    }
    list.push_back(u);
  }
  NptImage replay = c.before;
  update_npt(list, replay);
  const uint64_t got = mapping_of(mode, g, v.ipa, replay.walk(v.ipa));
  if (got != v.observed) {
    return fmt::format("replaying the witness maps {:#x} to {:#x}, not the observed {:#x}", v.ipa, got,
                       v.observed);
  }
  return "";
}

std::string witness_text(const std::vector<uint32_t>& w) {
  std::string s;
  for (uint32_t i : w) s += fmt::format(" #{}", i);
  return "[" + s + " ]";
}

// Returns whether the section violates the condition (descriptor mode, per explore_faithful).
// "" when the classes agree, else what differs.
std::string classes_diff(const Exploration& fast, const Exploration& ref) {
  if (fast.classes == ref.classes) return "";
  std::string d = fmt::format("classes differ ({} fast, {} faithful)", fast.classes.size(), ref.classes.size());
  auto line = [](const std::vector<AddressClass>& v, size_t i) {
    if (i >= v.size()) return std::string("-");
    return fmt::format("ipa={:#x} before={:#x} after={:#x} {}", v[i].ipa, v[i].before, v[i].after,
                       counts_text(v[i].counts));
  };
  for (size_t i = 0; i < std::max(fast.classes.size(), ref.classes.size()); ++i) {
    if (i < fast.classes.size() && i < ref.classes.size() && fast.classes[i] == ref.classes[i]) continue;
    d += fmt::format("\n  [{}] fast: {}\n      faithful: {}", i, line(fast.classes, i), line(ref.classes, i));
  }
  return d;
}

std::string targets_diff(const Exploration& fast, const Exploration& ref, const std::vector<uint64_t>& targets) {
  if (fast.targets == ref.targets) return "";
  std::string d = "target counts differ";
  for (size_t i = 0; i < targets.size() && i < fast.targets.size() && i < ref.targets.size(); ++i) {
    if (fast.targets[i] != ref.targets[i]) {
      d += fmt::format("\n  target {:#x}: fast {} faithful {}", targets[i], counts_text(fast.targets[i]),
                       counts_text(ref.targets[i]));
    }
  }
  return d;
}

// Violations must agree on everything but the witnesses.
std::string violations_diff(const Exploration& fast, const Exploration& ref) {
  bool same = fast.violations.size() == ref.violations.size();
  for (size_t i = 0; same && i < fast.violations.size(); ++i) {
    const Violation& a = fast.violations[i];
    const Violation& b = ref.violations[i];
    same = a.ipa == b.ipa && a.before == b.before && a.after == b.after && a.observed == b.observed &&
           a.sequences == b.sequences && a.cls == b.cls;
  }
  if (same) return "";
  std::string d = fmt::format("violations differ ({} fast, {} faithful)", fast.violations.size(),
                              ref.violations.size());
  auto line = [](const Violation& v) {
    return fmt::format("ipa={:#x} before={:#x} after={:#x} observed={:#x} sequences={} {}", v.ipa, v.before,
                       v.after, v.observed, to_string(v.sequences), violation_class_name(v.cls));
  };
  for (const auto& v : fast.violations) d += "\n  fast:     " + line(v);
  for (const auto& v : ref.violations) d += "\n  faithful: " + line(v);
  return d;
}

// Both sides' witnesses are shortest, write distinct entries and replay to the observed mapping.
std::string witnesses_diff(const SectionCase& c, CompareMode mode, const Exploration& fast,
                           const Exploration& ref) {
  for (size_t i = 0; i < fast.violations.size(); ++i) {
    const size_t min_len = ref.violations[i].witness.size();
    std::string p = witness_problem(c, mode, ref.violations[i], min_len);
    if (!p.empty()) {
      return fmt::format("faithful witness {} at {:#x}: {}", witness_text(ref.violations[i].witness),
                         ref.violations[i].ipa, p);
    }
    p = witness_problem(c, mode, fast.violations[i], min_len);
    if (!p.empty()) {
      return fmt::format("fast witness {} at {:#x} (faithful {}): {}", witness_text(fast.violations[i].witness),
                         fast.violations[i].ipa, witness_text(ref.violations[i].witness), p);
    }
  }
  for (const AddressClass& k : ref.classes) {  // sanity of the result shape
    if (k.counts.before + k.counts.after + k.counts.other != ref.sequences) {
      return fmt::format("class {:#x} counts do not sum to a(n)", k.ipa);
    }
  }
  return "";
}

// Random page-aligned IPAs, 0 and the last (unaligned) IPA of the geometry.
std::vector<uint64_t> random_targets(const SectionCase& c) {
  const Geometry& g = c.before.geometry();
  std::mt19937_64 rng(c.seed ^ 0x5555);
  std::vector<uint64_t> targets;
  for (size_t i = 0; i <= c.updates.size(); ++i) targets.push_back((rng() % g.ipa_limit()) & ~(g.page_size() - 1));
  targets.push_back(0);
  targets.push_back(g.ipa_limit() - 1);
  return targets;
}

// Compares the two explorers on `c` in both compare modes; returns whether the faithful
// reference finds a violation in descriptor mode.
bool check_fast_vs_faithful(const SectionCase& c, bool parallel, Failures& fails) {
  const std::vector<uint64_t> targets = random_targets(c);
  bool violates = false;
  for (const CompareMode mode : kModes) {
    ExploreOptions opt;
    opt.compare = mode;
    opt.parallel = parallel;
    const Exploration fast = explore(c.before, c.updates, targets, opt);
    const Exploration ref = explore_faithful(c.before, c.updates, targets, opt);
    if (mode == CompareMode::kDescriptor) violates = !ref.ok();
    const std::string where = fmt::format("mode={} parallel={}", compare_mode_name(mode), parallel);
    std::string d;
    if (fast.updates != ref.updates || fast.sequences != ref.sequences) {
      d = fmt::format("updates/sequences {} {} vs {} {}", fast.updates, to_string(fast.sequences), ref.updates,
                      to_string(ref.sequences));
    }
    for (auto next : {classes_diff(fast, ref), targets_diff(fast, ref, targets), violations_diff(fast, ref)}) {
      if (d.empty()) d = std::move(next);
    }
    if (d.empty()) d = witnesses_diff(c, mode, fast, ref);
    if (!d.empty()) {
      fails.add(c, where + ": " + d);
      return violates;
    }
  }
  return violates;
}

TEST(ExplorerDifferentialTest, FastEqualsFaithful) {
  const auto t0 = std::chrono::steady_clock::now();
  Failures fails("explore vs explore_faithful");
  int total = 0, violating = 0;
  for (const Plan& p : kPlans) {
    for (int i = 0; i < p.cases / kCaseDivisor; ++i) {
      const SectionCase c = test::random_case(p.g, p.seed_base + i, p.max_updates);
      violating += check_fast_vs_faithful(c, i % 16 == 0, fails);
      ++total;
    }
  }
  // The SeKVM geometry: set_npt-like states and sections, including dirty fresh pages.
  for (int i = 0; i < 400 / kCaseDivisor; ++i) {
    const auto style = i % 3 == 0   ? test::CaseStyle::kSetNpt
                       : i % 3 == 1 ? test::CaseStyle::kSetNptBatched
                                    : test::CaseStyle::kDirtyFreshPage;
    const SectionCase c = test::make_case(Geometry::sekvm(), style, 1 + i % 7, 4'000'000 + i);
    check_fast_vs_faithful(c, i % 8 == 0, fails);
    ++total;
  }
  fails.report();
  EXPECT_GE(total, kMinCases);
  EXPECT_GT(violating, 100 / kCaseDivisor);  // the adversarial styles do break the condition
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%d cases, %d with violations (descriptor mode), %.1f s\n", total, violating, secs);
}

TEST(ExplorerDifferentialTest, FastEqualsFaithfulEveryStyleAndSize) {
  Failures fails("explore vs explore_faithful (styles x sizes)");
  for (int s = 0; s < static_cast<int>(test::CaseStyle::kCount); ++s) {
    for (size_t n = 0; n <= 7; ++n) {
      for (uint64_t seed = 0; seed < kStyleSeeds; ++seed) {
        const auto style = static_cast<test::CaseStyle>(s);
        check_fast_vs_faithful(test::make_case(test::kReduced4x2, style, n, seed), seed % 4 == 0, fails);
        check_fast_vs_faithful(test::make_case(test::kReduced3x2, style, n, seed), false, fails);
        check_fast_vs_faithful(test::make_case(test::kArm4x2, style, n, seed), seed % 4 == 1, fails);
        check_fast_vs_faithful(test::make_case(test::kArm3x2, style, n, seed), false, fails);
      }
    }
  }
  fails.report();
}

}  // namespace
}  // namespace ptx
