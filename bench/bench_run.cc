// SPDX-License-Identifier: BSD-2-Clause
// End-to-end cost of checking: the default `ptx run` workload (qemu-virt, 4 VMs, sekvm sections)
// through the runner library (run/runner.h), with exploration on and off, and checking against
// making on one thread; and the memory of a default-size run.
//
//  BM_RunMemory                          the default run (4 VMs x 2 M ops, 2 threads, exploration on),
//                                        one iteration: counters peak_rss_mb (the process's peak RSS
//                                        during the run, workload included; registered first, so no
//                                        earlier benchmark's memory is counted), engine_pt_mb
//                                        (Stage2Engine::page_table_bytes) and ratio (peak / engine;
//                                        goal <= 2). The workload is streamed as `ptx run` streams it
//                                        (workload/qemu_virt.h stream_qemu_virt).
//  BM_RunDefault/explore:E/threads:T     qemu-virt, 4 VMs x kRunOpsPerVm ops (the default preset with
//                                        fewer ops, so an iteration takes well under a second), made
//                                        and explored (E = 1) or only made (E = 0; RunConfig::explore)
//                                        on T threads; sections/s over wall time.
//  BM_MakeSections400k                   400,000 one-page SeKVM sections (set_npt level 3) at random
//                                        distinct pages of a 4 GiB IPA range, made by a fresh engine
//                                        (open, set_npt, close) on one thread.
//  BM_CheckSections400k                  the same sections checked by a fresh SectionChecker (one
//                                        thread, in order).
// Ratios: (g2) explore on vs off (goal >= 0.5), 2 threads vs 1 (goal >= 1.7), check vs make
// (goal >= 0.67: checking at most 1.5x making); (g6) is BM_RunMemory's ratio counter.
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "base/process_memory.h"
#include "bench/bench_ratio.h"
#include "explorer/section_checker.h"
#include "pagetable/engine.h"
#include "run/engine_source.h"
#include "run/runner.h"
#include "workload/qemu_virt.h"

namespace ptx {
namespace {

constexpr uint64_t kRunOpsPerVm = 50000;
constexpr size_t kSections400k = 400000;

void fail(const std::string& what) {
  std::fprintf(stderr, "bench_run setup: %s\n", what.c_str());
  std::abort();
}

workload::Workload make_workload(uint64_t ops_per_vm) {
  StatusOr<workload::Workload> w = workload::make_qemu_virt(workload::QemuVirtOptions{4, 1, ops_per_vm, {}});
  if (!w.ok()) fail(w.status().message());
  return std::move(*w);
}

// The default run's configuration (tools/ptx/cli.cc config_of): fast, descriptor, parallel.
run::RunConfig run_config(bool explore, unsigned threads) {
  run::RunConfig c;
  c.threads = threads;
  c.explore = explore;
  c.explore_options.parallel = true;
  return c;
}

void BM_RunMemory(benchmark::State& state) {
  for (auto _ : state) {
    malloc_trim(0);
    reset_peak_rss();
    StatusOr<std::unique_ptr<workload::WorkloadStream>> w =
        workload::stream_qemu_virt(workload::QemuVirtOptions{4, 1, workload::kQemuVirtDefaultOpsPerVm, {}});
    if (!w.ok()) fail(w.status().message());
    run::EngineSource source(std::move(*w), SectionPolicy::kSekvm);
    const run::RunConfig config = run_config(true, 2);
    StatusOr<run::RunOutcome> r = run::run_sections(source, config);
    if (!r.ok()) fail(r.status().message());
    const double peak = static_cast<double>(peak_rss_bytes()), engine = static_cast<double>(source.engine().page_table_bytes());
    state.counters["peak_rss_mb"] = peak / 1e6;
    state.counters["engine_pt_mb"] = engine / 1e6;
    state.counters["ratio"] = engine > 0 ? peak / engine : 0;
  }
}
BENCHMARK(BM_RunMemory)->Unit(benchmark::kSecond)->Iterations(1);

const workload::Workload& run_workload() {
  static const workload::Workload w = make_workload(kRunOpsPerVm);
  return w;
}

void BM_RunDefault(benchmark::State& state) {
  const workload::Workload& w = run_workload();
  const run::RunConfig config = run_config(state.range(0) != 0, static_cast<unsigned>(state.range(1)));
  double seconds = 0;
  uint64_t sections = 0;
  for (auto _ : state) {
    run::EngineSource source(w, SectionPolicy::kSekvm);
    const auto t0 = std::chrono::steady_clock::now();
    StatusOr<run::RunOutcome> r = run::run_sections(source, config);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!r.ok()) fail(r.status().message());
    if (r->totals.violations != 0) fail("violations in the default workload");
    sections += r->totals.sections;
  }
  state.counters["sections/s"] = seconds > 0 ? static_cast<double>(sections) / seconds : 0;
}
BENCHMARK(BM_RunDefault)
    ->ArgNames({"explore", "threads"})
    ->Args({1, 1})
    ->Args({0, 1})
    ->Args({1, 2})
    ->Args({0, 2})
    ->Unit(benchmark::kMillisecond);

// kSections400k distinct random pages of [0, 4 GiB), as level-3 map ops of VM 1.
std::vector<uint64_t> random_pages() {
  std::vector<uint64_t> pages(uint64_t{4} << 18);  // 4 GiB / 4 KiB
  std::iota(pages.begin(), pages.end(), uint64_t{0});
  std::mt19937_64 rng(12);
  std::shuffle(pages.begin(), pages.end(), rng);
  pages.resize(kSections400k);
  for (uint64_t& p : pages) p <<= 12;
  return pages;
}

std::vector<Section> make_sections(Stage2Engine& engine, const std::vector<uint64_t>& pages) {
  std::vector<Section> out;
  out.reserve(pages.size());
  for (uint64_t ipa : pages) {
    CriticalSection cs;
    if (engine.open_section(1, &cs) != NptError::kOk || cs.set_npt(ipa, 3, (ipa + (1ULL << 32)) | 0x7FF) != NptError::kOk) {
      fail("set_npt refused");
    }
    out.push_back(cs.close());
  }
  return out;
}

void BM_MakeSections400k(benchmark::State& state) {
  const std::vector<uint64_t> pages = random_pages();
  for (auto _ : state) {
    state.PauseTiming();
    auto engine = std::make_unique<Stage2Engine>();
    state.ResumeTiming();
    std::vector<Section> s = make_sections(*engine, pages);
    benchmark::DoNotOptimize(s);
    state.PauseTiming();  // freeing the sections and the engine is not making them
    s.clear();
    engine.reset();
    state.ResumeTiming();
  }
  state.counters["sections/s"] = benchmark::Counter(kSections400k, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MakeSections400k)->Unit(benchmark::kMillisecond);

void BM_CheckSections400k(benchmark::State& state) {
  Stage2Engine engine;
  const std::vector<Section> sections = make_sections(engine, random_pages());
  ExploreOptions options;
  options.parallel = false;
  for (auto _ : state) {
    state.PauseTiming();
    auto checker = std::make_unique<SectionChecker>(options);
    state.ResumeTiming();
    Exploration x;
    for (const Section& s : sections) {
      if (Status e = checker->check(s, &x); !e.ok() || !x.ok()) fail("check: " + e.message());
    }
    state.PauseTiming();
    checker.reset();
    state.ResumeTiming();
  }
  state.counters["sections/s"] = benchmark::Counter(kSections400k, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CheckSections400k)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ptx

int main(int argc, char** argv) {
  using ptx::bench::RatioPair;
  const std::string sps = "sections/s";
  std::vector<RatioPair> pairs = {
      {"(g2) explore on vs off, 1 thread (goal >= 0.5x)", "BM_RunDefault/explore:1/threads:1",
       "BM_RunDefault/explore:0/threads:1", sps},
      {"(g2) explore on vs off, 2 threads (goal >= 0.5x)", "BM_RunDefault/explore:1/threads:2",
       "BM_RunDefault/explore:0/threads:2", sps},
      {"(g2) 2 threads vs 1 thread, explore on (goal >= 1.7x)", "BM_RunDefault/explore:1/threads:2",
       "BM_RunDefault/explore:1/threads:1", sps},
      {"(g2) 2 threads vs 1 thread, explore off", "BM_RunDefault/explore:0/threads:2",
       "BM_RunDefault/explore:0/threads:1", sps},
      {"(g2) check vs make, 400k one-page sections (goal >= 0.67x)", "BM_CheckSections400k", "BM_MakeSections400k",
       sps},
  };
  return ptx::bench::run_with_ratios(argc, argv, std::move(pairs));
}
