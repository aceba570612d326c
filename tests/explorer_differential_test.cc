// Differential tests: the fast explorer (explorer.h, AddressClasses) against the faithful
// reference (faithful.h), which enumerates Coq `sample_and_shuffle_updates` and applies each list
// with `update_npt`.
//
//  (a) Address classes, by brute force over EVERY page-aligned IPA of reduced geometries: an IPA
//      outside every class is unaffected (every list maps it as before, and after == before);
//      an IPA is in a class exactly when its before-walk reads an entry the section writes
//      (address_classes.h, item 1/2); an IPA in a class has its representative's verdict counts
//      (descriptor mode: the whole verdict, including the other mappings); class_of(rep) == rep.
//  (b) explore() == explore_faithful() on every field except witnesses, which must be as short
//      as the faithful ones, write distinct entries, and reproduce the observed mapping when
//      replayed with update_npt.
// Cases: random and adversarial sections from tests/support/random_sections.h, n <= 7 updates
// (mostly <= 5), on 4x2, 3x2 and 4x3 geometries (and the SeKVM geometry for (b)).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "explorer/address_classes.h"
#include "explorer/entry_history.h"
#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "explorer/mapping.h"
#include "explorer/sample_and_shuffle.h"
#include "explorer/sequence_count.h"
#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "tests/support/random_sections.h"

namespace ptx {
namespace {

using test::SectionCase;

constexpr CompareMode kModes[] = {CompareMode::kDescriptor, CompareMode::kTranslation};

// Sanitizer builds (CI runs ASan+UBSan and TSan) run a quarter of the random cases.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int kCaseDivisor = 4;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr int kCaseDivisor = 4;
#else
constexpr int kCaseDivisor = 1;
#endif
#else
constexpr int kCaseDivisor = 1;
#endif
constexpr int kMinCases = 10000 / kCaseDivisor;
// Seeds per (style, size) in the *EveryStyleAndSize tests.
constexpr uint64_t kStyleSeeds = kCaseDivisor > 1 ? 4 : 12;

// Collects failures across many cases: the first few in full, and the smallest failing case
// (fewest updates, then fewest non-zero before-entries) for the report.
class Failures {
 public:
  explicit Failures(std::string what) : what_(std::move(what)) {}

  void add(const SectionCase& c, const std::string& msg) {
    ++count_;
    if (shown_.size() < 3) shown_.push_back(msg + "\n" + c.describe());
    const std::pair<size_t, size_t> size{c.updates.size(), entries(c.before)};
    if (!smallest_ || size < smallest_size_) {
      smallest_ = msg + "\n" + c.describe();
      smallest_size_ = size;
    }
  }
  size_t count() const { return count_; }

  void report() const {
    if (count_ == 0) return;
    std::string s = fmt::format("{}: {} failures. First ones:\n", what_, count_);
    for (const auto& m : shown_) s += m + "\n";
    s += "Smallest failing case:\n" + *smallest_;
    ADD_FAILURE() << s;
  }

 private:
  static size_t entries(const NptImage& img) {
    size_t n = 0;
    img.for_each_page([&](int, uint64_t, const uint64_t* e) {
      for (uint64_t i = 0; i < img.geometry().page_size() / 8; ++i) n += e[i] != 0;
    });
    return n;
  }
  std::string what_;
  size_t count_ = 0;
  std::vector<std::string> shown_;
  std::optional<std::string> smallest_;
  std::pair<size_t, size_t> smallest_size_{};
};

std::string verdict_text(const AddressVerdict& v) {
  std::string others;
  for (uint64_t o : v.others) others += fmt::format(" {:#x}", o);
  return fmt::format("before={:#x} after={:#x} counts(before={}, after={}, other={}) others=[{}]",
                     v.before, v.after, to_string(v.counts.before), to_string(v.counts.after),
                     to_string(v.counts.other), others);
}

std::string counts_text(const Counts& c) {
  return fmt::format("(before={}, after={}, other={})", to_string(c.before), to_string(c.after),
                     to_string(c.other));
}

// The (level, 8-byte aligned entry) pairs a section writes.
std::set<std::pair<int, uint64_t>> written_entries(const Geometry& g, std::span<const Update> updates) {
  std::set<std::pair<int, uint64_t>> w;
  for (const Update& u : updates) w.insert({level_of_kind(u.kind, g.levels), u.entry & ~uint64_t{7}});
  return w;
}

// ---------------------------------------------------------------------------------------------
// (a) Address classes against brute force.

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
  const std::vector<uint64_t>& reps = classes.representatives();
  const auto written = written_entries(g, c.updates);

  for (size_t i = 0; i < reps.size(); ++i) {
    const uint64_t r = reps[i];
    if (r >= g.ipa_limit() || r % g.page_size() != 0 || (i > 0 && reps[i - 1] >= r)) {
      fails.add(c, fmt::format("representatives not page aligned, in range and ascending: {:#x}", r));
      return;
    }
    const std::optional<uint64_t> cr = classes.class_of(r);
    if (cr != std::optional<uint64_t>(r)) {
      fails.add(c, fmt::format("class_of(rep {:#x}) = {}", r, cr ? fmt::format("{:#x}", *cr) : "nullopt"));
      return;
    }
  }

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
      for (int k = 0; k < w.steps; ++k) reads_written |= written.count({k, w.path[k].entry & ~uint64_t{7}}) > 0;
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

struct Plan {
  Geometry g;
  int cases;
  size_t max_updates;
  uint64_t seed_base;
};

// >= 10,000 cases over the three reduced geometries.
constexpr Plan kPlans[] = {
    {test::kReduced4x2, 6000, 7, 1'000'000},
    {test::kReduced3x2, 3000, 7, 2'000'000},
    {test::kReduced4x3, 1200, 6, 3'000'000},
};

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
      }
    }
  }
  fails.report();
}

// ---------------------------------------------------------------------------------------------
// (b) explore() against explore_faithful().

// Checks one witness: minimal length, distinct entries, and replaying it reproduces `observed`.
std::string witness_problem(const SectionCase& c, CompareMode mode, const Violation& v, size_t min_len) {
  const Geometry& g = c.before.geometry();
  if (v.witness.size() != min_len) {
    return fmt::format("witness length {} != shortest {}", v.witness.size(), min_len);
  }
  std::set<std::pair<int, uint64_t>> entries;
  std::vector<Update> list;
  for (const uint32_t idx : v.witness) {
    if (idx >= c.updates.size()) return fmt::format("witness index {} out of range", idx);
    const Update& u = c.updates[idx];
    if (!entries.insert({level_of_kind(u.kind, g.levels), u.entry & ~uint64_t{7}}).second) {
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
bool check_fast_vs_faithful(const SectionCase& c, bool parallel, Failures& fails) {
  const Geometry& g = c.before.geometry();
  std::mt19937_64 rng(c.seed ^ 0x5555);
  std::vector<uint64_t> targets;
  for (size_t i = 0; i <= c.updates.size(); ++i) {  // random page-aligned IPAs
    targets.push_back((rng() % g.ipa_limit()) & ~(g.page_size() - 1));
  }
  targets.push_back(0);
  targets.push_back(g.ipa_limit() - 1);  // not page aligned
  bool violates = false;
  for (const CompareMode mode : kModes) {
    ExploreOptions opt;
    opt.compare = mode;
    opt.parallel = parallel;
    const Exploration fast = explore(c.before, c.updates, targets, opt);
    const Exploration ref = explore_faithful(c.before, c.updates, targets, opt);
    if (mode == CompareMode::kDescriptor) violates = !ref.ok();
    const std::string where = fmt::format("mode={} parallel={}", compare_mode_name(mode), parallel);
    if (fast.updates != ref.updates || fast.sequences != ref.sequences) {
      fails.add(c, fmt::format("{}: updates/sequences {} {} vs {} {}", where, fast.updates,
                               to_string(fast.sequences), ref.updates, to_string(ref.sequences)));
      return violates;
    }
    if (fast.classes != ref.classes) {
      std::string d = fmt::format("{}: classes differ ({} fast, {} faithful)", where, fast.classes.size(),
                                  ref.classes.size());
      for (size_t i = 0; i < std::max(fast.classes.size(), ref.classes.size()); ++i) {
        auto line = [](const std::vector<AddressClass>& v, size_t i) {
          if (i >= v.size()) return std::string("-");
          return fmt::format("ipa={:#x} before={:#x} after={:#x} {}", v[i].ipa, v[i].before, v[i].after,
                             counts_text(v[i].counts));
        };
        if (i < fast.classes.size() && i < ref.classes.size() && fast.classes[i] == ref.classes[i]) continue;
        d += fmt::format("\n  [{}] fast: {}\n      faithful: {}", i, line(fast.classes, i), line(ref.classes, i));
      }
      fails.add(c, d);
      return violates;
    }
    if (fast.targets != ref.targets) {
      std::string d = where + ": target counts differ";
      for (size_t i = 0; i < targets.size() && i < fast.targets.size() && i < ref.targets.size(); ++i) {
        if (fast.targets[i] != ref.targets[i]) {
          d += fmt::format("\n  target {:#x}: fast {} faithful {}", targets[i], counts_text(fast.targets[i]),
                           counts_text(ref.targets[i]));
        }
      }
      fails.add(c, d);
      return violates;
    }
    bool same = fast.violations.size() == ref.violations.size();
    for (size_t i = 0; same && i < fast.violations.size(); ++i) {
      const Violation& a = fast.violations[i];
      const Violation& b = ref.violations[i];
      same = a.ipa == b.ipa && a.before == b.before && a.after == b.after && a.observed == b.observed &&
             a.sequences == b.sequences;
    }
    if (!same) {
      std::string d = fmt::format("{}: violations differ ({} fast, {} faithful)", where,
                                  fast.violations.size(), ref.violations.size());
      auto line = [](const Violation& v) {
        return fmt::format("ipa={:#x} before={:#x} after={:#x} observed={:#x} sequences={}", v.ipa, v.before,
                           v.after, v.observed, to_string(v.sequences));
      };
      for (const auto& v : fast.violations) d += "\n  fast:     " + line(v);
      for (const auto& v : ref.violations) d += "\n  faithful: " + line(v);
      fails.add(c, d);
      return violates;
    }
    for (size_t i = 0; i < fast.violations.size(); ++i) {
      const size_t min_len = ref.violations[i].witness.size();
      std::string p = witness_problem(c, mode, ref.violations[i], min_len);
      if (!p.empty()) {
        fails.add(c, fmt::format("{}: faithful witness {} at {:#x}: {}", where,
                                 witness_text(ref.violations[i].witness), ref.violations[i].ipa, p));
        return violates;
      }
      p = witness_problem(c, mode, fast.violations[i], min_len);
      if (!p.empty()) {
        fails.add(c, fmt::format("{}: fast witness {} at {:#x} (faithful {}): {}", where,
                                 witness_text(fast.violations[i].witness), fast.violations[i].ipa,
                                 witness_text(ref.violations[i].witness), p));
        return violates;
      }
    }
    // Sanity of the result shape.
    for (const AddressClass& k : ref.classes) {
      if (k.counts.before + k.counts.after + k.counts.other != ref.sequences) {
        fails.add(c, fmt::format("{}: class {:#x} counts do not sum to a(n)", where, k.ipa));
        return violates;
      }
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
      }
    }
  }
  fails.report();
}

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
  EXPECT_THROW(FaithfulStates(before, updates), std::invalid_argument);
}

}  // namespace
}  // namespace ptx
