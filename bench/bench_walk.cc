// Walk throughput: Stage2Engine::pt_map (lock-free, atomic loads on flat per-VM memory) against two
// baselines measured in the same process:
//   * BM_NptImageWalk: the same mappings in an NptImage (one hash map lookup per level), the sparse
//     image the explorer walks;
//   * BM_WalkWithLock: pt_map inside a critical section of the VM (open_section ... close), i.e.
//     what a walker that had to take the VM's page-table lock would pay; BM_WalkWithMutex is the
//     bare cost of a std::mutex around the same walk, for scale.
// The VM is realistically populated: 64 MiB of 4 KiB pages plus 64 MiB of 2 MiB blocks, mapped by
// SeKVM sections (one set_npt each); the walk list holds every mapped page and 64 pages of each
// block, shuffled with a fixed seed. Every walk hits a mapping; setup checks that the engine and
// the image agree on all of them.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <random>
#include <vector>

#include "bench/bench_ratio.h"
#include "pagetable/engine.h"
#include "pagetable/npt_image.h"

namespace ptx {
namespace {

constexpr uint32_t kVm = 1;
constexpr uint64_t kPages = (64ULL << 20) / PAGE_SIZE;  // 16384 pages = 64 MiB
constexpr uint64_t kBlocks = 32;                          // 32 x 2 MiB = 64 MiB
constexpr uint64_t kPageIpa = 0x0000'0000'4000'0000ULL;   // 1 GiB
constexpr uint64_t kBlockIpa = 0x0000'0001'0000'0000ULL;  // 4 GiB
constexpr uint64_t kPageDesc = 0x7FF;                     // normal RW page (tools/ptx/s2_descriptor.h)
constexpr uint64_t kBlockDesc = 0x7FD;                    // normal RW block

void fail(const char* what) {
  std::fprintf(stderr, "bench_walk setup: %s\n", what);
  std::abort();
}

struct Fixture {
  Stage2Engine engine{SectionPolicy::kSekvm};
  NptImage image{Geometry::sekvm(), pt_vttbr(kVm)};
  std::vector<uint64_t> ipas;      // shuffled, every one mapped
  std::vector<uint64_t> expected;  // descriptor of ipas[i]
  std::mutex mutex;                // BM_WalkWithMutex only

  Fixture() {
    auto map = [&](uint64_t ipa, int level, uint64_t desc) {
      CriticalSection cs;
      if (engine.open_section(kVm, &cs) != NptError::kOk) fail("open_section");
      if (cs.set_npt(ipa, level, desc) != NptError::kOk) fail("set_npt");
      const Section s = cs.close();
      for (const Update& u : s.updates) image.apply(u);
    };
    std::vector<std::pair<uint64_t, uint64_t>> walks;
    for (uint64_t i = 0; i < kPages; ++i) {
      const uint64_t ipa = kPageIpa + i * PAGE_SIZE, desc = (0x8000'0000ULL + i * PAGE_SIZE) | kPageDesc;
      map(ipa, 3, desc);
      walks.emplace_back(ipa, desc);
    }
    for (uint64_t b = 0; b < kBlocks; ++b) {
      const uint64_t ipa = kBlockIpa + (b << 21), desc = (0x1'0000'0000ULL + (b << 21)) | kBlockDesc;
      map(ipa, 2, desc);
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
