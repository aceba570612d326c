// SPDX-License-Identifier: BSD-2-Clause
// Walk throughput: Stage2Engine::pt_map (lock-free, atomic loads on flat per-VM memory) against
// baselines written here and measured in the same process.
//
// Goal 4 of issue 12, on a VM of 262,144 (256k) 4 KiB pages at random IPAs of an 11 GiB window
// (5,632 level-3 tables, 22 MiB of page tables: far beyond L1/L2 and the TLB's reach; note that
// this machine's shared L3 is 480 MiB), mapped by SeKVM sections (one set_npt each):
//   * BM_WalkColdEngine:  pt_map over all 256k pages in a shuffled order;
//   * BM_WalkColdFloor:   the floor: a minimal 4-level walk (plain loads, SPEC §3's index math,
//                         no bounds checks) over a contiguous copy of the same tables, same
//                         descriptors, same addresses;
//   * BM_WalkColdHashMap: the hash-map model of the Coq maps: one std::unordered_map (entry
//                         address -> value) per pool, as Coq's `pt_vttbr_pool` .. `pt_pmd_pool`;
//   * BM_WalkHot*:        the same three over 64 of those pages (the hot set: every entry cached).
// An iteration walks kBatch IPAs of the list (so that the benchmark loop's overhead is shared);
// items/s = walks/s, time = time per kBatch walks. Setup checks that engine, floor and hash map
// agree on every page and on unmapped IPAs.
//
// The older comparisons, on a 64 MiB + 32 x 2 MiB-block VM (18,432 shuffled IPAs, one walk per
// iteration):
//   * BM_EngineWalk (1 and 2 threads) against BM_NptImageWalk (the explorer's sparse image);
//   * BM_WalkWithLock: pt_map inside a critical section of the VM (open_section ... close), what a
//     walker that had to take the VM's page-table lock would pay; BM_WalkWithMutex is the bare
//     cost of a std::mutex around the same walk, for scale.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <numeric>
#include <random>
#include <unordered_map>
#include <vector>

#include "bench/bench_ratio.h"
#include "pagetable/engine.h"
#include "pagetable/npt_image.h"

namespace ptx {
namespace {

constexpr uint32_t kVm = 1;
constexpr uint64_t kPageDesc = 0x7FF;   // normal RW page (workload/s2_descriptor.h)
constexpr uint64_t kBlockDesc = 0x7FD;  // normal RW block

void fail(const char* what) {
  std::fprintf(stderr, "bench_walk setup: %s\n", what);
  std::abort();
}

void map(Stage2Engine& engine, uint64_t ipa, int level, uint64_t desc, NptImage* image = nullptr) {
  CriticalSection cs;
  if (engine.open_section(kVm, &cs) != NptError::kOk) fail("open_section");
  if (cs.set_npt(ipa, level, desc) != NptError::kOk) fail("set_npt");
  const Section s = cs.close();
  if (image != nullptr) {
    for (const Update& u : s.updates) image->apply(u);
  }
}

// ---- goal 4: engine, floor and hash-map model on 256k random pages ----------------------------

constexpr uint64_t kColdPages = uint64_t{1} << 18;                // 262,144 mapped pages
constexpr uint64_t kHotPages = 64;                                // the hot set
constexpr uint64_t kWindowIpa = 0x0000'0010'0000'0000ULL;         // 64 GiB
constexpr uint64_t kWindowPages = (uint64_t{11} << 30) / PAGE_SIZE;  // an 11 GiB window
constexpr int kBatch = 64;                                        // walks per iteration
constexpr double kMinTime = 0.25;  // seconds per run: cold walks are noisy on a shared machine

// The floor: the engine's pool copied into one contiguous array (same descriptors, same byte
// addresses), walked with SPEC §3's rules and nothing else.
class FlatFloor {
 public:
  FlatFloor(const Stage2Engine& engine, uint32_t vmid)
      : base_(pool_start(vmid)), root_(phys_page(pt_vttbr(vmid))), words_(PT_POOL_PER_VM / 8) {
    for (int level = 0; level < 4; ++level) {
      for (uint64_t a = level_pool_lo(vmid, level); a < level_pool_hi(vmid, level); a += 8) {
        words_[(a - base_) >> 3] = engine.read_entry(vmid, level, a);
      }
    }
  }
  uint64_t pt_map(uint64_t ipa) const {
    uint64_t e = at(root_ | pgd_index(ipa) * 8);
    if (e == 0) return 0;
    e = at(phys_page(e) | pud_index(ipa) * 8);
    if (e == 0) return 0;
    e = at(phys_page(e) | pmd_index(ipa) * 8);
    if (e == 0 || pmd_table(e) != PMD_TYPE_TABLE) return e;
    return at(phys_page(e) | pte_index(ipa) * 8);
  }

 private:
  uint64_t at(uint64_t addr) const { return words_[(addr - base_) >> 3]; }
  uint64_t base_, root_;
  std::vector<uint64_t> words_;
};

// The Coq maps as hash maps: one std::unordered_map per pool, entry address -> value, holding
// every non-zero entry of the engine's pools.
class HashMapModel {
 public:
  HashMapModel(const Stage2Engine& engine, uint32_t vmid) : root_(phys_page(pt_vttbr(vmid))) {
    for (int level = 0; level < 4; ++level) {
      for (uint64_t a = level_pool_lo(vmid, level); a < level_pool_hi(vmid, level); a += 8) {
        if (const uint64_t v = engine.read_entry(vmid, level, a); v != 0) pools_[level].emplace(a, v);
      }
    }
  }
  uint64_t pt_map(uint64_t ipa) const {
    uint64_t e = get(0, root_ | pgd_index(ipa) * 8);
    if (e == 0) return 0;
    e = get(1, phys_page(e) | pud_index(ipa) * 8);
    if (e == 0) return 0;
    e = get(2, phys_page(e) | pmd_index(ipa) * 8);
    if (e == 0 || pmd_table(e) != PMD_TYPE_TABLE) return e;
    return get(3, phys_page(e) | pte_index(ipa) * 8);
  }

 private:
  uint64_t get(int pool, uint64_t addr) const {
    const auto it = pools_[pool].find(addr);
    return it == pools_[pool].end() ? 0 : it->second;
  }
  uint64_t root_;
  std::unordered_map<uint64_t, uint64_t> pools_[4];  // pt_vttbr_pool, pt_pgd_pool, pt_pud_pool, pt_pmd_pool
};

struct RandomVm {
  Stage2Engine engine{SectionPolicy::kSekvm};
  std::vector<uint64_t> cold;  // every mapped IPA, shuffled
  std::vector<uint64_t> hot;   // the first kHotPages of them
  std::vector<uint64_t> expected;
  FlatFloor* floor = nullptr;
  HashMapModel* model = nullptr;

  RandomVm() {
    std::mt19937_64 rng(12);
    std::vector<uint32_t> page(kWindowPages);
    std::iota(page.begin(), page.end(), 0u);
    for (uint64_t i = 0; i < kColdPages; ++i) {  // a random kColdPages-subset, in random order
      std::swap(page[i], page[i + rng() % (kWindowPages - i)]);
      const uint64_t ipa = kWindowIpa + page[i] * PAGE_SIZE;
      const uint64_t desc = (0x8000'0000ULL + i * PAGE_SIZE) | kPageDesc;
      map(engine, ipa, 3, desc);
      cold.push_back(ipa);
      expected.push_back(desc);
    }
    hot.assign(cold.begin(), cold.begin() + kHotPages);
    floor = new FlatFloor(engine, kVm);
    model = new HashMapModel(engine, kVm);
    check();
  }

  void check() const {
    for (size_t i = 0; i < cold.size(); ++i) {
      const uint64_t ipa = cold[i];
      if (engine.pt_map(kVm, ipa) != expected[i] || floor->pt_map(ipa) != expected[i] ||
          model->pt_map(ipa) != expected[i]) {
        fail("engine, floor and hash map disagree on a mapped page");
      }
      const uint64_t other = ipa ^ (uint64_t{1} << (12 + i % 36));  // mostly unmapped
      const uint64_t d = engine.pt_map(kVm, other);
      if (floor->pt_map(other) != d || model->pt_map(other) != d) fail("disagree on an unmapped IPA");
    }
  }
};

const RandomVm& random_vm() {
  static const RandomVm* vm = new RandomVm();
  return *vm;
}

// kBatch walks per iteration, cycling through `ipas` (a power of two long).
template <class Walk>
void walk_loop(benchmark::State& state, const std::vector<uint64_t>& ipas, const Walk& walk) {
  const size_t mask = ipas.size() - 1;
  size_t i = 0;
  for (auto _ : state) {
    for (int k = 0; k < kBatch; ++k) {
      benchmark::DoNotOptimize(walk(ipas[i]));
      i = (i + 1) & mask;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kBatch);
}

const std::vector<uint64_t>& walk_set(bool hot) { return hot ? random_vm().hot : random_vm().cold; }

void BM_WalkEngine(benchmark::State& state, bool hot) {
  const Stage2Engine& e = random_vm().engine;
  walk_loop(state, walk_set(hot), [&e](uint64_t ipa) { return e.pt_map(kVm, ipa); });
}
void BM_WalkFloor(benchmark::State& state, bool hot) {
  const FlatFloor& f = *random_vm().floor;
  walk_loop(state, walk_set(hot), [&f](uint64_t ipa) { return f.pt_map(ipa); });
}
void BM_WalkHashMap(benchmark::State& state, bool hot) {
  const HashMapModel& m = *random_vm().model;
  walk_loop(state, walk_set(hot), [&m](uint64_t ipa) { return m.pt_map(ipa); });
}
BENCHMARK_CAPTURE(BM_WalkEngine, hot, true)->Name("BM_WalkHotEngine")->MinTime(kMinTime);
BENCHMARK_CAPTURE(BM_WalkFloor, hot, true)->Name("BM_WalkHotFloor")->MinTime(kMinTime);
BENCHMARK_CAPTURE(BM_WalkHashMap, hot, true)->Name("BM_WalkHotHashMap")->MinTime(kMinTime);
BENCHMARK_CAPTURE(BM_WalkEngine, cold, false)->Name("BM_WalkColdEngine")->MinTime(kMinTime);
BENCHMARK_CAPTURE(BM_WalkFloor, cold, false)->Name("BM_WalkColdFloor")->MinTime(kMinTime);
BENCHMARK_CAPTURE(BM_WalkHashMap, cold, false)->Name("BM_WalkColdHashMap")->MinTime(kMinTime);

// ---- the 64 MiB + 64 MiB-of-blocks VM: threads, locks, the explorer's image ----------------

constexpr uint64_t kPages = (64ULL << 20) / PAGE_SIZE;  // 16384 pages = 64 MiB
constexpr uint64_t kBlocks = 32;                          // 32 x 2 MiB = 64 MiB
constexpr uint64_t kPageIpa = 0x0000'0000'4000'0000ULL;   // 1 GiB
constexpr uint64_t kBlockIpa = 0x0000'0001'0000'0000ULL;  // 4 GiB

struct Fixture {
  Stage2Engine engine{SectionPolicy::kSekvm};
  NptImage image{Geometry::sekvm(), pt_vttbr(kVm)};
  std::vector<uint64_t> ipas;      // shuffled, every one mapped
  std::vector<uint64_t> expected;  // descriptor of ipas[i]
  std::mutex mutex;                // BM_WalkWithMutex only

  Fixture() {
    std::vector<std::pair<uint64_t, uint64_t>> walks;
    for (uint64_t i = 0; i < kPages; ++i) {
      const uint64_t ipa = kPageIpa + i * PAGE_SIZE, desc = (0x8000'0000ULL + i * PAGE_SIZE) | kPageDesc;
      map(engine, ipa, 3, desc, &image);
      walks.emplace_back(ipa, desc);
    }
    for (uint64_t b = 0; b < kBlocks; ++b) {
      const uint64_t ipa = kBlockIpa + (b << 21), desc = (0x1'0000'0000ULL + (b << 21)) | kBlockDesc;
      map(engine, ipa, 2, desc, &image);
      for (uint64_t p = 0; p < 512; p += 8) walks.emplace_back(ipa + p * PAGE_SIZE, desc);
    }
    std::mt19937_64 rng(42);
    std::shuffle(walks.begin(), walks.end(), rng);
    for (const auto& [ipa, desc] : walks) {
      if (engine.pt_map(kVm, ipa) != desc || image.pt_map(ipa) != desc) fail("engine/image disagree");
      ipas.push_back(ipa);
      expected.push_back(desc);
    }
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Each thread starts at its own offset in the shuffled list.
size_t start_of(const benchmark::State& state, size_t n) {
  return n / static_cast<size_t>(state.threads()) * static_cast<size_t>(state.thread_index());
}

void BM_EngineWalk(benchmark::State& state) {
  const Fixture& f = fixture();
  const size_t n = f.ipas.size();
  size_t i = start_of(state, n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.engine.pt_map(kVm, f.ipas[i]));
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_EngineWalk)->UseRealTime()->Threads(1)->Threads(2);

void BM_NptImageWalk(benchmark::State& state) {
  const Fixture& f = fixture();
  const size_t n = f.ipas.size();
  size_t i = start_of(state, n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.image.pt_map(f.ipas[i]));
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_NptImageWalk)->UseRealTime()->Threads(1);

void BM_WalkWithLock(benchmark::State& state) {
  Fixture& f = fixture();
  const size_t n = f.ipas.size();
  size_t i = start_of(state, n);
  for (auto _ : state) {
    CriticalSection cs;
    f.engine.open_section(kVm, &cs);
    benchmark::DoNotOptimize(f.engine.pt_map(kVm, f.ipas[i]));
    cs.close();
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_WalkWithLock)->UseRealTime()->Threads(1)->Threads(2);

void BM_WalkWithMutex(benchmark::State& state) {
  Fixture& f = fixture();
  const size_t n = f.ipas.size();
  size_t i = start_of(state, n);
  for (auto _ : state) {
    std::lock_guard<std::mutex> lock(f.mutex);
    benchmark::DoNotOptimize(f.engine.pt_map(kVm, f.ipas[i]));
    if (++i == n) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_WalkWithMutex)->UseRealTime()->Threads(1)->Threads(2);

}  // namespace
}  // namespace ptx

int main(int argc, char** argv) {
  const std::string ips = "items_per_second";
  return ptx::bench::run_with_ratios(
      argc, argv,
      {
          {"goal 4: engine pt_map vs flat-array floor, hot (64 pages)", "BM_WalkHotEngine", "BM_WalkHotFloor", ips},
          {"goal 4: engine pt_map vs flat-array floor, cold (256k random pages)", "BM_WalkColdEngine",
           "BM_WalkColdFloor", ips},
          {"goal 4: engine pt_map vs hash-map model, hot", "BM_WalkHotEngine", "BM_WalkHotHashMap", ips},
          {"goal 4: engine pt_map vs hash-map model, cold", "BM_WalkColdEngine", "BM_WalkColdHashMap", ips},
          {"engine walk vs NptImage walk (1 thread)", "BM_EngineWalk/real_time/threads:1",
           "BM_NptImageWalk/real_time/threads:1", ips},
          {"engine walk vs walk in a section (1 thread)", "BM_EngineWalk/real_time/threads:1",
           "BM_WalkWithLock/real_time/threads:1", ips},
          {"engine walk vs walk in a section (2 threads)", "BM_EngineWalk/real_time/threads:2",
           "BM_WalkWithLock/real_time/threads:2", ips},
          {"engine walk vs walk under a bare mutex (1 thread)", "BM_EngineWalk/real_time/threads:1",
           "BM_WalkWithMutex/real_time/threads:1", ips},
          {"engine walk vs walk under a bare mutex (2 threads)", "BM_EngineWalk/real_time/threads:2",
           "BM_WalkWithMutex/real_time/threads:2", ips},
          {"engine walk scaling, 2 threads vs 1", "BM_EngineWalk/real_time/threads:2",
           "BM_EngineWalk/real_time/threads:1", ips},
      });
}
