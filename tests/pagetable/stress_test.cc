// SPDX-License-Identifier: BSD-2-Clause
// Real threads racing the engine (issue "Reliability", item 4): writer threads make sections on
// several VMs — page maps, remaps, unmaps and whole-2 MiB unmaps — while walker threads call
// pt_map on the same IPAs without any lock. Every mapping a walker observes must be the mapping of
// that IPA after one of the sections that overlapped the walk: the VM's published-section counter,
// read before and after the walk (sections_published, acquire), bounds them. Checked after the run
// against each VM's sections replayed in seq order. Bounded in time; what it asserts does not
// depend on timing. The dirty-reuse variant breaks the discipline (a recycled table page is linked
// before its stale entries are cleared) and is caught: a test hook holds that window open until a
// walker has walked the reused table.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/critical_section.h"
#include "pagetable/engine.h"

namespace ptx {
namespace {

constexpr uint32_t kVms[] = {1, 2};
constexpr uint64_t kRegion = uint64_t{1} << 21;
constexpr uint64_t kRegionA = 0x40000000, kRegionB = kRegionA + kRegion;  // two 2 MiB regions
constexpr uint64_t kPagesUsed = 16;  // pages used at the start of each region
constexpr auto kBudget = std::chrono::milliseconds(500);
constexpr size_t kMaxSections = 4000;       // per writer: keeps the history, and the check, small
constexpr size_t kMaxObservations = 50000;  // per walker

uint64_t Page(uint64_t oa) { return (oa << 12) | 0x7ff; }

// One walk: the IPA, what pt_map returned, and the VM's published sections before and after.
struct Observation {
  uint32_t vm;
  uint64_t ipa, seen, c0, c1;
};

// Each VM's sections in seq order, as the writers made them.
class History {
 public:
  void add(const Section& s) {
    std::lock_guard<std::mutex> l(mu_);
    sections_[s.vmid].push_back(s);
  }
  // ipa's mapping after every section that touched it: (seq, value), ascending, seq -1 = 0.
  std::map<uint64_t, std::vector<std::pair<int64_t, uint64_t>>> replay(uint32_t vm) {
    std::vector<Section>& secs = sections_[vm];
    std::sort(secs.begin(), secs.end(), [](const Section& a, const Section& b) { return a.seq < b.seq; });
    std::map<uint64_t, std::vector<std::pair<int64_t, uint64_t>>> h;
    for (const Section& s : secs) {
      for (const MapOp& op : s.ops) {
        if (op.kind == OpKind::kMap) {
          h[op.ipa].push_back({static_cast<int64_t>(s.seq), op.descriptor});
          continue;
        }
        const uint64_t base = op.level == 2 ? op.ipa & ~(kRegion - 1) : op.ipa;
        for (uint64_t p = 0; p < (op.level == 2 ? kPagesUsed : 1); ++p) {
          h[base + p * 4096].push_back({static_cast<int64_t>(s.seq), 0});
        }
      }
    }
    return h;
  }

 private:
  std::mutex mu_;
  std::map<uint32_t, std::vector<Section>> sections_;
};

// Is `o.seen` the mapping of o.ipa after some section in [c0 - 1, c1]? `h` is ascending in seq.
bool allowed(const std::vector<std::pair<int64_t, uint64_t>>& h, const Observation& o) {
  auto it = std::lower_bound(h.begin(), h.end(), static_cast<int64_t>(o.c0),
                             [](const std::pair<int64_t, uint64_t>& e, int64_t c) { return e.first < c; });
  const uint64_t at_start = it == h.begin() ? 0 : std::prev(it)->second;  // after section c0 - 1
  if (o.seen == at_start) return true;
  for (; it != h.end() && it->first <= static_cast<int64_t>(o.c1); ++it) {
    if (it->second == o.seen) return true;
  }
  return false;
}

// Observations outside every allowed mapping; the first few are reported when `report`.
// `transient_ok`: a break-before-make engine may show an invalid entry mid-section (a transient
// fault, which the model allows); what no engine may show is a third mapping.
size_t disallowed(History& history, const std::vector<std::vector<Observation>>& seen, bool transient_ok,
                  bool report) {
  size_t bad = 0;
  for (const uint32_t vm : kVms) {
    const auto h = history.replay(vm);
    for (const auto& per_walker : seen) {
      for (const Observation& o : per_walker) {
        if (o.vm != vm) continue;
        const auto it = h.find(o.ipa);
        const bool ok = (transient_ok && o.seen == 0) || (it == h.end() ? o.seen == 0 : allowed(it->second, o));
        if (!ok && report && bad < 5) ADD_FAILURE() << "vm " << vm << " ipa " << std::hex << o.ipa << " saw " << o.seen;
        bad += !ok;
      }
    }
  }
  return bad;
}

class StressTest : public testing::TestWithParam<EngineVariant> {
 protected:
  // A writer: random maps (fresh and remaps), page unmaps and whole-region unmaps on vm.
  void write(uint32_t vm, uint64_t seed) {
    std::mt19937_64 rng(seed);
    uint64_t oa = uint64_t{vm} << 24;
    for (size_t n = 0; n < kMaxSections && !stop_.load(std::memory_order_relaxed); ++n) {
      const uint64_t region = rng() % 2 ? kRegionA : kRegionB;
      const uint64_t ipa = region + (rng() % kPagesUsed) * 4096;
      CriticalSection cs;
      ASSERT_EQ(engine_.open_section(vm, &cs), NptError::kOk);
      const uint64_t r = rng() % 16;
      const NptError e = r == 0 ? cs.clear_npt(region, 2) : r < 4 ? cs.clear_npt(ipa, 3) : cs.set_npt(ipa, 3, Page(++oa));
      const Section s = cs.close();
      ASSERT_TRUE(e == NptError::kOk || e == NptError::kNotMapped) << npt_error_name(e);
      if (e == NptError::kOk) history_.add(s);
    }
  }

  Observation walk_once(uint32_t vm, uint64_t ipa) {
    Observation o{vm, ipa, 0, engine_.sections_published(vm), 0};
    o.seen = engine_.pt_map(vm, ipa);
    o.c1 = engine_.sections_published(vm);
    return o;
  }

  void walk(uint64_t seed, std::vector<Observation>* out) {
    std::mt19937_64 rng(seed);
    while (!stop_.load(std::memory_order_relaxed) && out->size() < kMaxObservations) {
      const uint32_t vm = kVms[rng() % std::size(kVms)];
      out->push_back(walk_once(vm, (rng() % 2 ? kRegionA : kRegionB) + (rng() % kPagesUsed) * 4096));
    }
  }

  Stage2Engine engine_{SectionPolicy::kSekvm, GetParam()};
  History history_;
  std::atomic<bool> stop_{false};
};

TEST_P(StressTest, WalkersSeeOnlyMappingsOfOverlappingSections) {
  std::vector<std::vector<Observation>> seen(2);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < std::size(kVms); ++i) threads.emplace_back([this, i] { write(kVms[i], 100 + i); });
  for (size_t i = 0; i < seen.size(); ++i) threads.emplace_back([this, i, &seen] { walk(7 + i, &seen[i]); });
  std::this_thread::sleep_for(kBudget);
  stop_ = true;
  for (std::thread& t : threads) t.join();
  size_t walks = 0;
  for (const auto& s : seen) walks += s.size();
  EXPECT_GT(walks, 1000u);
  // The correct engines keep every walk at a before/after mapping.
  EXPECT_EQ(disallowed(history_, seen, GetParam() == EngineVariant::kBbm, true), 0u);
}

// The broken writer is caught: during the dirty-reuse window a walker walks the reused table.
TEST(StressDirtyReuse, AWalkerInTheReuseWindowSeesAnOldOutput) {
  Stage2Engine engine(SectionPolicy::kSekvm, EngineVariant::kDirtyReuse);
  History history;
  std::vector<std::vector<Observation>> walks(1);
  std::vector<Observation>& seen = walks[0];
  engine.set_reuse_hook_for_test([&] {
    std::thread walker([&] {
      for (uint64_t p = 0; p < kPagesUsed; ++p) {
        Observation o{1, kRegionB + p * 4096, 0, engine.sections_published(1), 0};
        o.seen = engine.pt_map(1, o.ipa);
        o.c1 = engine.sections_published(1);
        seen.push_back(o);
      }
    });
    walker.join();  // the window stays open until the walker has walked
  });
  auto section = [&](auto&& f) {
    CriticalSection cs;
    ASSERT_EQ(engine.open_section(1, &cs), NptError::kOk);
    ASSERT_EQ(f(cs), NptError::kOk);
    history.add(cs.close());
  };
  for (uint64_t p = 0; p < kPagesUsed; ++p) section([&](CriticalSection& cs) { return cs.set_npt(kRegionA + p * 4096, 3, Page(0x100 + p)); });
  section([&](CriticalSection& cs) { return cs.clear_npt(kRegionA, 2); });                   // frees A's table, entries set
  section([&](CriticalSection& cs) { return cs.set_npt(kRegionB, 3, Page(0x999)); });        // reuses it for B
  ASSERT_EQ(seen.size(), kPagesUsed);
  // Region B reached region A's pages: neither before nor after, and the stress check says so.
  EXPECT_GT(disallowed(history, walks, false, false), 0u);
}

INSTANTIATE_TEST_SUITE_P(Variants, StressTest, testing::Values(EngineVariant::kSekvm, EngineVariant::kBbm),
                         [](const testing::TestParamInfo<EngineVariant>& p) {
                           return p.param == EngineVariant::kSekvm ? "Sekvm" : "Bbm";
                         });

}  // namespace
}  // namespace ptx
