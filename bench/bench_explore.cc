// SPDX-License-Identifier: BSD-2-Clause
// Exploration throughput: the fast exact checker explore() against the faithful reference, both
// run in this process on the same (before-state, section) inputs.
//
//  (a) BM_CaseRow{Fast,Faithful}/row:R — the SeKVM set_npt sections of every row of SPEC §5's case
//      table (4, 3, 2, 1 updates at level 3; 3 and 1 at level 2), produced by a Stage2Engine.
//  (b) BM_Batched{Fast,Faithful}/n:N — a batched section of N PTE writes into one fresh (all-zero,
//      already linked) level-3 table; explore_faithful enumerates all a(N) lists of
//      sample_and_shuffle_updates (N = 10: one iteration per repetition), so it only runs up to
//      kFaithfulMaxUpdates = 10; the fast checker also runs N = 64 and 512, where a(N) (~1e89 and
//      ~1e1166 lists) is reported as log10.
//  (c) Address classes vs brute force on Geometry::reduced(4, 2) (256 pages of IPA space), for a
//      set_npt-like section (4 updates) and a batched one (8 updates) over a populated image:
//        BM_ClassesFast        explore(): representative classes + exact counting;
//        BM_ClassesFaithful    explore_faithful(): enumeration, verdicts at the representatives;
//        BM_ClassVerdicts      FaithfulStates built once (untimed), verdict() at the representatives;
//        BM_BruteForceVerdicts FaithfulStates built once (untimed), verdict() at all 256 pages;
//        BM_BruteForceFull     FaithfulStates built per iteration + verdict() at all 256 pages.
// Counters: sections/s (explorations per second), seq/s (lists of sample_and_shuffle_updates
// covered per second, a(n) as a double), a(n), log10 a(n) (and log10 seq/s when a(n) overflows a
// double), classes (address classes explored), pages (addresses checked, brute force).
// Every exploration runs single-threaded (ExploreOptions::parallel = false), so the ratios compare
// algorithms, not core counts. Setup checks that fast and faithful agree on every input.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "bench/bench_ratio.h"
#include "explorer/explorer.h"
#include "explorer/faithful.h"
#include "explorer/sequence_count.h"
#include "pagetable/engine.h"
#include "pagetable/npt_image.h"

namespace ptx {
namespace {

// Minimum time per benchmark and repetition: keeps the whole binary near a minute with
// --benchmark_repetitions=3 on a loaded 2-core machine.
constexpr double kMinTime = 0.1;

void fail(const std::string& what) {
  std::fprintf(stderr, "bench_explore setup: %s\n", what.c_str());
  std::abort();
}

ExploreOptions options() {
  ExploreOptions o;
  o.compare = CompareMode::kDescriptor;
  o.parallel = false;
  return o;
}

double log10_of(const BigCount& c) {
  if (c == 0) return -std::numeric_limits<double>::infinity();
  const unsigned bits = boost::multiprecision::msb(c);
  if (bits < 900) return std::log10(c.convert_to<double>());
  const unsigned shift = bits - 60;
  const BigCount top = c >> shift;
  return std::log10(top.convert_to<double>()) + shift * std::log10(2.0);
}

// One input: the VM's state before the section, the section's updates, the ops' IPAs.
struct Input {
  std::string name;
  NptImage before;
  std::vector<Update> updates;
  std::vector<uint64_t> targets;
};

// Sets the counters every exploration benchmark reports. `seconds` is the wall time of the loop.
void report(benchmark::State& state, size_t n, size_t classes, double seconds) {
  using benchmark::Counter;
  const BigCount& a = sequence_count(n);
  const double lg = log10_of(a);
  state.counters["sections/s"] = Counter(1, Counter::kIsIterationInvariantRate);
  state.counters["classes"] = static_cast<double>(classes);
  state.counters["log10 a(n)"] = lg;
  if (lg < 300) {
    state.counters["a(n)"] = a.convert_to<double>();
    state.counters["seq/s"] = Counter(a.convert_to<double>(), Counter::kIsIterationInvariantRate);
  } else if (seconds > 0) {
    state.counters["log10 seq/s"] = lg + std::log10(static_cast<double>(state.iterations()) / seconds);
  }
}

template <class F>
double timed_loop(benchmark::State& state, F&& body) {
  const auto t0 = std::chrono::steady_clock::now();
  for (auto _ : state) body();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// explore() and explore_faithful() share this signature.
using ExploreFn = Exploration (*)(const NptImage&, std::span<const Update>, std::span<const uint64_t>,
                                  const ExploreOptions&);

// Times `fn` on `in`, one exploration per iteration, and sets the report counters. The last
// result is moved into *last when it is given.
void time_exploration(benchmark::State& state, const Input& in, ExploreFn fn, Exploration* last = nullptr) {
  size_t classes = 0;
  const double s = timed_loop(state, [&] {
    Exploration x = fn(in.before, in.updates, in.targets, options());
    classes = x.classes.size();
    benchmark::DoNotOptimize(x);
    if (last != nullptr) *last = std::move(x);
  });
  report(state, in.updates.size(), classes, s);
}

void check_agree(const Input& in) {
  const Exploration fast = explore(in.before, in.updates, in.targets, options());
  const Exploration faithful = explore_faithful(in.before, in.updates, in.targets, options());
  if (!(fast == faithful)) fail(in.name + ": explore() and explore_faithful() disagree");
  if (!fast.ok()) fail(in.name + ": unexpected violation");
}

// ---------------------------------------------------------------------------------------------
// (a) case-table rows, from engine sections

std::vector<Input> make_case_rows() {
  Stage2Engine engine;
  std::vector<NptImage> shadow;
  for (uint32_t v = 0; v < kVmCount; ++v) shadow.emplace_back(Geometry::sekvm(), pt_vttbr(v));
  std::vector<Input> rows;
  auto row = [&](const char* name, uint32_t vm, uint64_t ipa, int level, uint64_t desc, size_t n) {
    CriticalSection cs;
    if (engine.open_section(vm, &cs) != NptError::kOk || cs.set_npt(ipa, level, desc) != NptError::kOk) {
      fail(std::string("case row ") + name);
    }
    const Section s = cs.close();
    if (s.updates.size() != n) fail(std::string("case row ") + name + ": wrong update count");
    rows.push_back(Input{name, shadow[vm], s.updates, {ipa}});
    for (const Update& u : s.updates) shadow[vm].apply(u);
  };
  const uint64_t a = 0x0000'0040'0000'0000ULL;  // pgd 0, pud 1, pmd 0, pte 0
  const uint64_t page = 0x4000'0000ULL | 0x7FF, block = 0x8000'0000ULL | 0x7FD;
  row("L3, nothing mapped (PGD PUD PMD PTE)", 1, a, 3, page, 4);
  row("L3, level-1 table exists (PUD PMD PTE)", 1, a + (1ULL << 30), 3, page, 3);
  row("L3, level-2 table exists (PMD PTE)", 1, a + (1ULL << 21), 3, page, 2);
  row("L3, level-3 table exists (PTE)", 1, a + (1ULL << 12), 3, page, 1);
  row("L2, nothing mapped (PGD PUD PMD)", 2, a, 2, block, 3);
  row("L2, level-2 table exists (PMD)", 2, a + (2ULL << 21), 2, block, 1);
  return rows;
}

const std::vector<Input>& case_rows() {
  static const std::vector<Input> rows = [] {
    std::vector<Input> r = make_case_rows();
    for (const Input& in : r) check_agree(in);
    return r;
  }();
  return rows;
}

void BM_CaseRowFast(benchmark::State& state) {
  const Input& in = case_rows()[static_cast<size_t>(state.range(0))];
  state.SetLabel(in.name);
  time_exploration(state, in, &explore);
}
BENCHMARK(BM_CaseRowFast)->ArgName("row")->DenseRange(0, 5)->MinTime(kMinTime);

void BM_CaseRowFaithful(benchmark::State& state) {
  const Input& in = case_rows()[static_cast<size_t>(state.range(0))];
  state.SetLabel(in.name);
  time_exploration(state, in, &explore_faithful);
}
BENCHMARK(BM_CaseRowFaithful)->ArgName("row")->DenseRange(0, 5)->MinTime(kMinTime);

// Making the same sections: open, the row's set_npt, close. Each section must have the row's
// shape on the same kind of before-state as BM_CaseRowFast's (the same writes: PGD/PUD/PMD/PTE
// entries going from 0 to a value, fresh tables from the same pools, under tables that exist or
// not as the row says), so each iteration maps the next IPA of the row's sequence on a state
// that a setup op prepared; the engine cannot undo a map, so every kSectionsPerEngine sections it
// is rebuilt (and prepared) with the timer paused. Fails when a section has another shape.
struct MakeRow {
  int level;            // set_npt level
  int shift;            // the IPA of section k is (k + 1) << shift ...
  int prepare_level;    // ... after a setup map of IPA 0 at this level (0: none)
  size_t updates;       // the row's update count
};
constexpr MakeRow kMakeRows[] = {
    {3, 39, 0, 4},  // L3, nothing mapped: a new root entry each time
    {3, 30, 3, 3},  // L3, level-1 table exists: a new level-1 entry
    {3, 21, 3, 2},  // L3, level-2 table exists: a new level-2 entry
    {3, 12, 3, 1},  // L3, level-3 table exists: a new level-3 entry
    {2, 39, 0, 3},  // L2, nothing mapped
    {2, 21, 2, 1},  // L2, level-2 table exists
};
// Fewer than the level-1 pool's 256 pages, and than 512 entries per table.
constexpr uint64_t kSectionsPerEngine = 250;

std::unique_ptr<Stage2Engine> prepared_engine(const MakeRow& row) {
  auto engine = std::make_unique<Stage2Engine>();
  if (row.prepare_level != 0) {
    CriticalSection cs;
    const uint64_t desc = row.prepare_level == 3 ? 0x4000'0000ULL | 0x7FF : 0x8000'0000ULL | 0x7FD;
    if (engine->open_section(1, &cs) != NptError::kOk || cs.set_npt(0, row.prepare_level, desc) != NptError::kOk) {
      fail("BM_MakeSection: setup map");
    }
  }
  return engine;
}

void BM_MakeSection(benchmark::State& state) {
  const MakeRow& row = kMakeRows[state.range(0)];
  state.SetLabel(case_rows()[static_cast<size_t>(state.range(0))].name);
  const uint64_t desc = row.level == 3 ? 0x4000'0000ULL | 0x7FF : 0x8000'0000ULL | 0x7FD;
  std::unique_ptr<Stage2Engine> engine = prepared_engine(row);
  uint64_t k = 0;
  for (auto _ : state) {
    if (k == kSectionsPerEngine) {
      state.PauseTiming();
      engine = prepared_engine(row);
      k = 0;
      state.ResumeTiming();
    }
    CriticalSection cs;
    if (engine->open_section(1, &cs) != NptError::kOk || cs.set_npt((k + 1) << row.shift, row.level, desc) != NptError::kOk) {
      state.SkipWithError("set_npt refused");
      break;
    }
    Section s = cs.close();
    if (s.updates.size() != row.updates) {
      state.SkipWithError("a section of another shape than the row's");
      break;
    }
    benchmark::DoNotOptimize(s);
    ++k;
  }
  state.counters["sections/s"] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MakeSection)->ArgName("row")->DenseRange(0, 5)->MinTime(kMinTime);

// ---------------------------------------------------------------------------------------------
// (b) batched sections: n PTE writes into one fresh level-3 table

Input make_batched(size_t n) {
  constexpr uint32_t vm = 1;
  const uint64_t ipa = 0x0000'0040'0000'0000ULL;
  Input in{"batched n=" + std::to_string(n), NptImage(Geometry::sekvm(), pt_vttbr(vm)), {}, {}};
  // root -> level-1 -> level-2 -> fresh (all-zero) level-3 tables, one per 512 pages, as the
  // table writes of set_npt would leave them after a barrier.
  const uint64_t l1 = pgd_start(vm), l2 = pud_start(vm), l3 = pmd_start(vm);
  in.before.write(0, pool_start(vm) | pgd_index(ipa) * 8, l1 | 3);
  in.before.write(1, l1 | pud_index(ipa) * 8, l2 | 3);
  for (uint64_t t = 0; t * 512 < n; ++t) {
    in.before.write(2, l2 | pmd_index(ipa + t * 512 * PAGE_SIZE) * 8, (l3 + t * PAGE_SIZE) | 3);
  }
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t page_ipa = ipa + i * PAGE_SIZE;
    const uint64_t table = l3 + (i / 512) * PAGE_SIZE;
    in.updates.push_back(Update{UpdateKind::kPte, table | pte_index(page_ipa) * 8, 0,
                                (0x4000'0000ULL + i * PAGE_SIZE) | 0x7FF});
    in.targets.push_back(page_ipa);
  }
  return in;
}

const Input& batched(size_t n) {
  static std::map<size_t, std::unique_ptr<Input>> cache;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  std::unique_ptr<Input>& in = cache[n];
  if (!in) {
    in = std::make_unique<Input>(make_batched(n));
    if (n <= 8) check_agree(*in);  // n = 10 is checked once by its faithful benchmark
  }
  return *in;
}

void BM_BatchedFast(benchmark::State& state) {
  const Input& in = batched(static_cast<size_t>(state.range(0)));
  time_exploration(state, in, &explore);
  state.counters["leaves/s"] =
      benchmark::Counter(static_cast<double>(in.updates.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_BatchedFast)
    ->ArgName("n")
    ->Arg(6)
    ->Arg(8)
    ->Arg(10)
    ->Arg(64)
    ->Arg(512)
    ->Arg(1024)
    ->Arg(2048)
    ->Arg(4096)
    ->MinTime(kMinTime);

void BM_BatchedFaithful(benchmark::State& state) {
  const Input& in = batched(static_cast<size_t>(state.range(0)));
  Exploration last;
  time_exploration(state, in, &explore_faithful, &last);
  if (!(last == explore(in.before, in.updates, in.targets, options()))) {
    state.SkipWithError("explore() and explore_faithful() disagree");
  }
}
BENCHMARK(BM_BatchedFaithful)->ArgName("n")->Arg(6)->Arg(8)->Unit(benchmark::kMillisecond)->MinTime(kMinTime);
// a(10) = 9,864,101 lists: seconds per exploration, so one iteration per repetition.
BENCHMARK(BM_BatchedFaithful)->ArgName("n")->Arg(10)->Unit(benchmark::kMillisecond)->Iterations(1);

// ---------------------------------------------------------------------------------------------
// (c) address classes vs brute force over every page of Geometry::reduced(4, 2)

constexpr Geometry kReduced = Geometry::reduced(4, 2);  // 4-entry tables, 256 pages
constexpr uint64_t kRoot = 0x1000;

// A populated reduced image: two level-1 tables, three level-2 tables, two level-3 tables with
// pages, and two blocks.
NptImage reduced_before() {
  NptImage img(kReduced, kRoot);
  auto link = [&](int level, uint64_t table, uint64_t index, uint64_t child) {
    img.write(level, table | index * 8, child | 3);
  };
  link(0, kRoot, 0, 0x10000);    // root[0] -> L1 A
  link(1, 0x10000, 0, 0x20000);  //   A[0] -> L2 B
  link(2, 0x20000, 0, 0x30000);  //     B[0] -> L3 C
  for (uint64_t i = 0; i < 4; ++i) img.write(3, 0x30000 | i * 8, (0x100000 + i * 0x1000) | 0x7FF);
  img.write(2, 0x20000 | 1 * 8, 0x200000 | 0x7FD);  // B[1] = block
  link(1, 0x10000, 1, 0x21000);                     //   A[1] -> L2 D
  link(2, 0x21000, 2, 0x31000);                     //     D[2] -> L3 E
  img.write(3, 0x31000 | 1 * 8, 0x300000 | 0x7FF);  //       E[1] = page
  link(0, kRoot, 1, 0x11000);                       // root[1] -> L1 F
  link(1, 0x11000, 3, 0x22000);                     //   F[3] -> L2 G
  img.write(2, 0x22000, 0x400000 | 0x7FD);          //     G[0] = block
  return img;
}

Input make_reduced(int which) {
  Input in{which == 0 ? "reduced set_npt (4 updates)" : "reduced batched (8 updates)", reduced_before(), {},
           {}};
  auto up = [&](UpdateKind k, uint64_t entry, uint64_t value) {
    in.updates.push_back(Update{k, entry, in.before.read(static_cast<int>(k), entry), value});
  };
  using K = UpdateKind;
  if (which == 0) {
    // set_npt level 3 under the empty root[2]: fresh L1, L2, L3 tables, then the page.
    up(K::kPgd, kRoot | 2 * 8, 0x12000 | 3);
    up(K::kPud, 0x12000 | 0 * 8, 0x23000 | 3);
    up(K::kPmd, 0x23000 | 1 * 8, 0x32000 | 3);
    up(K::kPte, 0x32000 | 3 * 8, 0x500000 | 0x7FF);
    in.targets = {(2ULL << 18) | (0ULL << 16) | (1ULL << 14) | (3ULL << 12)};
  } else {
    // A range map: a fresh L3 table linked at D[3] and filled, a block at B[2], two pages into E.
    up(K::kPmd, 0x21000 | 3 * 8, 0x33000 | 3);
    for (uint64_t i = 0; i < 4; ++i) up(K::kPte, 0x33000 | i * 8, (0x600000 + i * 0x1000) | 0x7FF);
    up(K::kPmd, 0x20000 | 2 * 8, 0x700000 | 0x7FD);
    up(K::kPte, 0x31000 | 0 * 8, 0x800000 | 0x7FF);
    up(K::kPte, 0x31000 | 2 * 8, 0x801000 | 0x7FF);
    in.targets = {(1ULL << 16) | (3ULL << 14), (2ULL << 14), (1ULL << 16) | (2ULL << 14)};
  }
  return in;
}

struct Reduced {
  Input in;
  std::unique_ptr<FaithfulStates> states;
  std::vector<uint64_t> reps;
};

// FaithfulStates keeps a reference to its before-image, so each Reduced lives at a fixed address.
const Reduced& reduced(int which) {
  static const std::vector<std::unique_ptr<Reduced>> all = [] {
    std::vector<std::unique_ptr<Reduced>> v;
    for (int w = 0; w < 2; ++w) {
      auto r = std::make_unique<Reduced>(Reduced{make_reduced(w), nullptr, {}});
      check_agree(r->in);
      r->states = std::make_unique<FaithfulStates>(r->in.before, r->in.updates);
      const Exploration x = explore(r->in.before, r->in.updates, r->in.targets, options());
      for (const AddressClass& c : x.classes) {
        r->reps.push_back(c.ipa);
        if (r->states->verdict(c.ipa).counts != c.counts) fail(r->in.name + ": class counts differ");
      }
      // Brute force: no page shows a third mapping.
      const uint64_t pages = kReduced.ipa_limit() / kReduced.page_size();
      if (pages != 256) fail("reduced geometry is not 256 pages");
      for (uint64_t p = 0; p < pages; ++p) {
        if (!r->states->verdict(p << 12).others.empty()) fail(r->in.name + ": third mapping");
      }
      v.push_back(std::move(r));
    }
    return v;
  }();
  return *all[static_cast<size_t>(which)];
}

void BM_ClassesFast(benchmark::State& state) {
  const Reduced& r = reduced(static_cast<int>(state.range(0)));
  state.SetLabel(r.in.name);
  time_exploration(state, r.in, &explore);
}
BENCHMARK(BM_ClassesFast)->ArgName("section")->DenseRange(0, 1)->MinTime(kMinTime);

void BM_ClassesFaithful(benchmark::State& state) {
  const Reduced& r = reduced(static_cast<int>(state.range(0)));
  state.SetLabel(r.in.name);
  time_exploration(state, r.in, &explore_faithful);
}
BENCHMARK(BM_ClassesFaithful)->ArgName("section")->DenseRange(0, 1)->MinTime(kMinTime);

void BM_ClassVerdicts(benchmark::State& state) {
  const Reduced& r = reduced(static_cast<int>(state.range(0)));
  state.SetLabel(r.in.name + ", states prebuilt");
  const double s = timed_loop(state, [&] {
    for (uint64_t ipa : r.reps) benchmark::DoNotOptimize(r.states->verdict(ipa));
  });
  report(state, r.in.updates.size(), r.reps.size(), s);
}
BENCHMARK(BM_ClassVerdicts)->ArgName("section")->DenseRange(0, 1)->MinTime(kMinTime);

void BM_BruteForceVerdicts(benchmark::State& state) {
  const Reduced& r = reduced(static_cast<int>(state.range(0)));
  state.SetLabel(r.in.name + ", states prebuilt");
  const uint64_t pages = kReduced.ipa_limit() / kReduced.page_size();
  const double s = timed_loop(state, [&] {
    for (uint64_t p = 0; p < pages; ++p) benchmark::DoNotOptimize(r.states->verdict(p << 12));
  });
  report(state, r.in.updates.size(), 0, s);
  state.counters["pages"] = static_cast<double>(pages);
}
BENCHMARK(BM_BruteForceVerdicts)->ArgName("section")->DenseRange(0, 1)->MinTime(kMinTime);

void BM_BruteForceFull(benchmark::State& state) {
  const Reduced& r = reduced(static_cast<int>(state.range(0)));
  state.SetLabel(r.in.name);
  const uint64_t pages = kReduced.ipa_limit() / kReduced.page_size();
  const double s = timed_loop(state, [&] {
    const FaithfulStates states(r.in.before, r.in.updates);
    for (uint64_t p = 0; p < pages; ++p) benchmark::DoNotOptimize(states.verdict(p << 12));
  });
  report(state, r.in.updates.size(), 0, s);
  state.counters["pages"] = static_cast<double>(pages);
}
BENCHMARK(BM_BruteForceFull)->ArgName("section")->DenseRange(0, 1)->MinTime(kMinTime);

}  // namespace
}  // namespace ptx

int main(int argc, char** argv) {
  using ptx::bench::RatioPair;
  const std::string sps = "sections/s";
  std::vector<RatioPair> pairs;
  const char* rows[] = {"L3 PGD PUD PMD PTE", "L3 PUD PMD PTE", "L3 PMD PTE",
                        "L3 PTE",             "L2 PGD PUD PMD", "L2 PMD"};
  for (int r = 0; r < 6; ++r) {
    pairs.push_back({std::string("(a) fast vs faithful, case row ") + rows[r],
                     "BM_CaseRowFast/row:" + std::to_string(r), "BM_CaseRowFaithful/row:" + std::to_string(r),
                     sps});
  }
  for (int n : {6, 8}) {
    pairs.push_back({"(b) fast vs faithful, batched n=" + std::to_string(n), "BM_BatchedFast/n:" + std::to_string(n),
                     "BM_BatchedFaithful/n:" + std::to_string(n), sps});
  }
  pairs.push_back({"(b) fast vs faithful, batched n=10", "BM_BatchedFast/n:10",
                   "BM_BatchedFaithful/n:10", sps});
  for (int r = 0; r < 6; ++r) {
    pairs.push_back({std::string("(g1) explore vs make (goal >= 0.33x), case row ") + rows[r], "BM_CaseRowFast/row:" + std::to_string(r),
                     "BM_MakeSection/row:" + std::to_string(r), sps});
  }
  for (int n : {1024, 2048, 4096}) {
    pairs.push_back({"(g3) per-leaf rate, batched n=" + std::to_string(n) + " vs n=512 (1 = linear)",
                     "BM_BatchedFast/n:" + std::to_string(n), "BM_BatchedFast/n:512", "leaves/s"});
  }
  const char* sections[] = {"set_npt (4 upd)", "batched (8 upd)"};
  for (int s = 0; s < 2; ++s) {
    const std::string arg = "/section:" + std::to_string(s);
    const std::string what = std::string(", reduced ") + sections[s];
    pairs.push_back({"(c) fast classes vs brute force (full)" + what, "BM_ClassesFast" + arg,
                     "BM_BruteForceFull" + arg, sps});
    pairs.push_back({"(c) fast classes vs brute-force verdicts only" + what, "BM_ClassesFast" + arg,
                     "BM_BruteForceVerdicts" + arg, sps});
    pairs.push_back({"(c) class verdicts vs all-page verdicts" + what, "BM_ClassVerdicts" + arg,
                     "BM_BruteForceVerdicts" + arg, sps});
    pairs.push_back({"(c) faithful on classes vs brute force (full)" + what, "BM_ClassesFaithful" + arg,
                     "BM_BruteForceFull" + arg, sps});
  }
  std::vector<ptx::bench::SlopeLine> slopes = {
      {"(g3) batched exploration, per leaf", "BM_BatchedFast/n:512", "BM_BatchedFast/n:4096", sps, 512, 4096}};
  return ptx::bench::run_with_ratios(argc, argv, std::move(pairs), std::move(slopes));
}
