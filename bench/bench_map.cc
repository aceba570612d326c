// Map throughput: Stage2Engine::set_npt, against a baseline measured in the same process.
//   * BM_SetNptSekvm:   one SeKVM critical section per page (open_section, one set_npt, close),
//                       the only shape SectionPolicy::kSekvm allows;
//   * BM_SetNptBatched: SectionPolicy::kBatched, one section (lock + barrier) per 512 pages;
//   * BM_UnorderedMapInsert (baseline): the same ipa -> descriptor pairs inserted into a
//                       std::unordered_map, a flat software map with no page-table semantics
//                       (no table allocation, no update records, no lock).
// One iteration maps 64 MiB (16384 pages, in IPA order) into a fresh engine / map; constructing
// and destroying the engine or map is outside the timed region. items/s = pages mapped per second.
#include <cstdio>
#include <cstdlib>
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
      });
}
