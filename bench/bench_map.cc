// SPDX-License-Identifier: BSD-2-Clause
// Map throughput: Stage2Engine::set_npt, against baselines measured in the same process.
//   * BM_SetNptSekvm:   one SeKVM critical section per page (open_section, one set_npt, close),
//                       the only shape SectionPolicy::kSekvm allows;
//   * BM_SetNptBatched: SectionPolicy::kBatched, one section (lock + barrier) per 512 pages;
//   * BM_UnorderedMapInsert (baseline): the same ipa -> descriptor pairs inserted into a
//                       std::unordered_map, a flat software map with no page-table semantics
//                       (no table allocation, no update records, no lock).
// One iteration maps 64 MiB (16384 pages, in IPA order) into a fresh engine / map; constructing
// and destroying the engine or map is outside the timed region. items/s = pages mapped per second.
//
// Goal 5 of issue 12 (one SeKVM section per page, one iteration = one page, 2^20 pages per thread
// in IPA order, into a fresh engine shared by the threads of a run):
//   * BM_SetNptVms/threads:N:   thread t maps into its own VM (vmid 1 + t): no shared lock, so
//                               items/s (all threads' pages per second) should scale with N;
//   * BM_SetNptOneVm/threads:2: both threads map disjoint IPA ranges of VM 1: they contend for its
//                               lock (reported against BM_SetNptVms/threads:1);
//   * BM_MapRss, BM_MapRssSparse: resident memory per mapped 4 KiB page (counter
//                               rss_bytes_per_page): the growth of the process's RSS while 2^18
//                               pages are mapped into a fresh engine, densely (1 GiB in IPA order;
//                               the floor is 8 bytes, one PTE) or sparsely (1 page in 8 of 8 GiB).
//                               The engine's fixed cost (17 VMs' bookkeeping, ~1.1 MiB) is not
//                               counted: constructed first, it may reuse memory freed earlier.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <unordered_map>
#include <vector>

#include "bench/bench_ratio.h"
#include "pagetable/engine.h"

namespace ptx {
namespace {

constexpr uint32_t kVm = 1;
constexpr uint64_t kPages = (64ULL << 20) / PAGE_SIZE;  // 16384
constexpr uint64_t kBatch = 512;                         // pages per batched section
constexpr uint64_t kIpaBase = 0x0000'0000'4000'0000ULL;

struct Pair {
  uint64_t ipa, desc;
};

const std::vector<Pair>& pairs() {
  static const std::vector<Pair> p = [] {
    std::vector<Pair> v;
    for (uint64_t i = 0; i < kPages; ++i) {
      v.push_back({kIpaBase + i * PAGE_SIZE, (0x8000'0000ULL + i * PAGE_SIZE) | 0x7FF});
    }
    return v;
  }();
  return p;
}

void check(bool ok, benchmark::State& state, const char* what) {
  if (!ok) {
    state.SkipWithError(what);
    std::fprintf(stderr, "bench_map: %s\n", what);
    std::abort();
  }
}

void BM_SetNptSekvm(benchmark::State& state) {
  const std::vector<Pair>& p = pairs();
  std::unique_ptr<Stage2Engine> engine;
  for (auto _ : state) {
    state.PauseTiming();
    engine.reset();
    engine = std::make_unique<Stage2Engine>(SectionPolicy::kSekvm);
    state.ResumeTiming();
    for (const Pair& x : p) {
      CriticalSection cs;
      engine->open_section(kVm, &cs);
      const NptError e = cs.set_npt(x.ipa, 3, x.desc);
      benchmark::DoNotOptimize(cs.close());
      if (e != NptError::kOk) check(false, state, "set_npt failed");
    }
  }
  check(engine->pt_map(kVm, p.back().ipa) == p.back().desc, state, "last page not mapped");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * p.size()));
  state.counters["sections/s"] =
      benchmark::Counter(static_cast<double>(p.size()), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SetNptSekvm)->Unit(benchmark::kMillisecond);

void BM_SetNptBatched(benchmark::State& state) {
  const std::vector<Pair>& p = pairs();
  std::unique_ptr<Stage2Engine> engine;
  for (auto _ : state) {
    state.PauseTiming();
    engine.reset();
    engine = std::make_unique<Stage2Engine>(SectionPolicy::kBatched);
    state.ResumeTiming();
    for (size_t b = 0; b < p.size(); b += kBatch) {
      CriticalSection cs;
      engine->open_section(kVm, &cs);
      NptError e = NptError::kOk;
      for (size_t i = b; i < b + kBatch && i < p.size(); ++i) {
        const NptError r = cs.set_npt(p[i].ipa, 3, p[i].desc);
        if (r != NptError::kOk) e = r;
      }
      benchmark::DoNotOptimize(cs.close());
      if (e != NptError::kOk) check(false, state, "set_npt failed");
    }
  }
  check(engine->pt_map(kVm, p.back().ipa) == p.back().desc, state, "last page not mapped");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * p.size()));
  state.counters["sections/s"] = benchmark::Counter(static_cast<double>((p.size() + kBatch - 1) / kBatch),
                                                    benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SetNptBatched)->Unit(benchmark::kMillisecond);

void BM_UnorderedMapInsert(benchmark::State& state) {
  const std::vector<Pair>& p = pairs();
  std::unique_ptr<std::unordered_map<uint64_t, uint64_t>> map;
  for (auto _ : state) {
    state.PauseTiming();
    map.reset();
    map = std::make_unique<std::unordered_map<uint64_t, uint64_t>>();
    state.ResumeTiming();
    for (const Pair& x : p) (*map)[x.ipa] = x.desc;
    benchmark::ClobberMemory();
  }
  check(map->at(p.back().ipa) == p.back().desc, state, "last pair missing");
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * p.size()));
}
BENCHMARK(BM_UnorderedMapInsert)->Unit(benchmark::kMillisecond);

// ---- goal 5 -------------------------------------------------------------------------------

constexpr int64_t kThreadPages = int64_t{1} << 20;  // pages each thread maps per run

// The engine of the current run: made by thread 0 before the run's start barrier (the benchmark
// loop's first step), which the other threads pass before they touch it; replaced at the next run.
std::unique_ptr<Stage2Engine>& shared_engine() {
  static std::unique_ptr<Stage2Engine> engine;
  return engine;
}

// One SeKVM section per iteration, mapping consecutive pages of `vmid` from `ipa`.
void map_pages(benchmark::State& state, uint32_t vmid, uint64_t ipa) {
  if (state.thread_index() == 0) shared_engine() = std::make_unique<Stage2Engine>(SectionPolicy::kSekvm);
  uint64_t pa = 0x8000'0000ULL + ipa;
  for (auto _ : state) {
    Stage2Engine& engine = *shared_engine();
    CriticalSection cs;
    engine.open_section(vmid, &cs);
    const NptError e = cs.set_npt(ipa, 3, pa | 0x7FF);
    benchmark::DoNotOptimize(cs.close());
    if (e != NptError::kOk) check(false, state, "set_npt failed");
    ipa += PAGE_SIZE;
    pa += PAGE_SIZE;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_SetNptVms(benchmark::State& state) {
  map_pages(state, 1 + static_cast<uint32_t>(state.thread_index()), kIpaBase);
}
BENCHMARK(BM_SetNptVms)->Iterations(kThreadPages)->UseRealTime()->Threads(1)->Threads(2);

void BM_SetNptOneVm(benchmark::State& state) {
  const uint64_t span = static_cast<uint64_t>(kThreadPages) * PAGE_SIZE;
  map_pages(state, kVm, kIpaBase + static_cast<uint64_t>(state.thread_index()) * span);
}
BENCHMARK(BM_SetNptOneVm)->Iterations(kThreadPages)->UseRealTime()->Threads(2);

// Resident set size of this process, bytes (/proc/self/statm).
double rss_bytes() {
  std::ifstream statm("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  statm >> size >> resident;
  return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

// Maps 2^18 pages, one in `stride`, and reports the RSS growth per page.
void map_rss(benchmark::State& state, uint64_t stride) {
  constexpr uint64_t kRssPages = uint64_t{1} << 18;
  for (auto _ : state) {
    Stage2Engine engine(SectionPolicy::kSekvm);
    const double made = rss_bytes();
    for (uint64_t i = 0; i < kRssPages; ++i) {
      CriticalSection cs;
      engine.open_section(kVm, &cs);
      const uint64_t ipa = kIpaBase + i * stride * PAGE_SIZE, desc = (0x8000'0000ULL + i * PAGE_SIZE) | 0x7FF;
      const NptError e = cs.set_npt(ipa, 3, desc);
      cs.close();
      if (e != NptError::kOk) check(false, state, "set_npt failed");
    }
    state.counters["rss_bytes_per_page"] = (rss_bytes() - made) / static_cast<double>(kRssPages);
  }
}
void BM_MapRss(benchmark::State& state) { map_rss(state, 1); }
void BM_MapRssSparse(benchmark::State& state) { map_rss(state, 8); }
BENCHMARK(BM_MapRss)->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MapRssSparse)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ptx

int main(int argc, char** argv) {
  const std::string ips = "items_per_second";
  return ptx::bench::run_with_ratios(
      argc, argv,
      {
          {"set_npt, sekvm sections vs unordered_map insert", "BM_SetNptSekvm", "BM_UnorderedMapInsert", ips},
          {"set_npt, batched sections vs unordered_map insert", "BM_SetNptBatched", "BM_UnorderedMapInsert",
           ips},
          {"set_npt, batched (512/section) vs sekvm (1/section)", "BM_SetNptBatched", "BM_SetNptSekvm", ips},
          {"goal 5: set_npt scaling, 2 threads on 2 VMs vs 1 thread", "BM_SetNptVms/real_time/threads:2",
           "BM_SetNptVms/real_time/threads:1", ips},
          {"goal 5: set_npt contention, 2 threads on one VM vs 1 thread", "BM_SetNptOneVm/real_time/threads:2",
           "BM_SetNptVms/real_time/threads:1", ips},
      });
}
