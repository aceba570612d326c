// SPDX-License-Identifier: BSD-2-Clause
// The kernel engines' cost (issue 18 goal: a Linux engine's run within 3x of the SeKVM engine's,
// exploration and the TLB pass on): one workload — qemu-virt, 1 VM x kOps ops, SeKVM sections —
// run by the SeKVM engine and by each Linux engine built in (kernel/kernel_run.h), in the same
// process. This binary links Linux's code (ptx_linux_engines, GPL-2.0-only); built without kernel
// sources it measures the SeKVM engine alone.
//
//  BM_Sekvm/tlb:T            run::run_sections on one thread, every section explored (fast mode),
//                            with the TLB pass (tlb/section_tlb.h) when T = 1: what `ptx run
//                            --threads 1 --tlb on|off` does.
//  BM_Linux/E/vcpus:V/tlb:T  run_kernel of Linux engine E (index in kernel_engines(): 0 = the first
//                            unmodified one) with V vCPU threads: the code runs, every event is
//                            recorded and folded, every section explored, the refinement check,
//                            the TLB pass when T = 1: what `ptx run --engine linux-... --vcpus V
//                            --tlb on|off` does (without the KVM steps, so that both engines run
//                            the same ops).
//  BM_PeakRss/E              one run of each (E = -1: SeKVM), TLB on, peak RSS in MB
//                            (base/process_memory.h: VmHWM reset before the run).
// Counters: ops/s (workload ops), sections/s (each engine's own sections: Linux's hold more writes).
// Ratios: Linux vs SeKVM, ops/s and sections/s, TLB on (goal >= 0.33) and off.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <malloc.h>

#include "base/process_memory.h"
#include "bench/bench_ratio.h"
#include "kernel/engines.h"
#include "kernel/kernel_run.h"
#include "run/engine_source.h"
#include "run/runner.h"
#include "tlb/section_tlb.h"
#include "workload/qemu_virt.h"

namespace ptx {
namespace {

constexpr uint64_t kOps = 20000;

void fail(const std::string& what) {
  std::fprintf(stderr, "bench_kernel setup: %s\n", what.c_str());
  std::abort();
}

std::unique_ptr<workload::WorkloadStream> stream() {
  StatusOr<std::unique_ptr<workload::WorkloadStream>> w =
      workload::stream_qemu_virt(workload::QemuVirtOptions{1, 1, kOps, SectionPolicy::kSekvm});
  if (!w.ok()) fail(w.status().to_string());
  return std::move(*w);
}

// The unmodified Linux engines, in registry order.
std::vector<const kernel::KernelEngine*> linux_engines() {
  static const std::vector<kernel::KernelEngine> all = kernel::kernel_engines(ptx_kernel_engines);
  std::vector<const kernel::KernelEngine*> out;
  for (const kernel::KernelEngine& e : all) {
    if (!e.mutant()) out.push_back(&e);
  }
  return out;
}

struct Figures {
  uint64_t ops = 0, sections = 0;
};

Figures run_sekvm(bool tlb) {
  run::EngineSource source(stream(), SectionPolicy::kSekvm);
  run::RunConfig c;
  c.threads = 1;
  c.explore = true;
  c.explore_options.parallel = false;
  std::optional<tlb::SectionTlb> pass;
  if (tlb) {
    tlb::SectionTlb* p = &pass.emplace("qemu-virt", tlb::TlbOptions{});
    c.on_section = [p](const Section& s, uint64_t line) { return p->add(s, line); };
  }
  StatusOr<run::RunOutcome> r = run::run_sections(source, c);
  if (!r.ok()) fail(r.status().to_string());
  if (pass) pass->finish();
  // Not required clean: the preset's remaps on the SeKVM engine have no break-before-make.
  return Figures{r->totals.ops, r->totals.sections};
}

Figures run_linux(const kernel::KernelEngine& e, uint32_t vcpus, bool tlb) {
  std::unique_ptr<workload::WorkloadStream> w = stream();
  kernel::KernelRunOptions o;
  o.vcpus = vcpus;
  o.features = kernel::kDefaultCpuFeatures & e.table->features;
  o.tlb = tlb;
  o.check.explore.parallel = false;
  StatusOr<kernel::KernelRunResult> r = kernel::run_kernel(e, *w, o);
  if (!r.ok()) fail(r.status().to_string());
  if (r->totals.wrong_translations != 0 || r->tlb_summary.errors != 0 || r->wrong_results != 0) {
    fail(e.name + ": the run is not clean");
  }
  return Figures{r->totals.ops, r->totals.sections};
}

void rates(benchmark::State& state, const Figures& f, double seconds) {
  state.counters["ops/s"] = seconds > 0 ? static_cast<double>(f.ops) * state.iterations() / seconds : 0;
  state.counters["sections/s"] = seconds > 0 ? static_cast<double>(f.sections) * state.iterations() / seconds : 0;
}

template <typename Run>
void timed(benchmark::State& state, Run run) {
  double seconds = 0;
  Figures f;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    f = run();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  rates(state, f, seconds);
}

void BM_Sekvm(benchmark::State& state) {
  timed(state, [&] { return run_sekvm(state.range(0) != 0); });
}
BENCHMARK(BM_Sekvm)->ArgName("tlb")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Linux(benchmark::State& state) {
  const std::vector<const kernel::KernelEngine*> engines = linux_engines();
  if (static_cast<size_t>(state.range(0)) >= engines.size()) return state.SkipWithError("no such Linux engine built in");
  const kernel::KernelEngine& e = *engines[static_cast<size_t>(state.range(0))];
  state.SetLabel(e.name);
  timed(state, [&] { return run_linux(e, static_cast<uint32_t>(state.range(1)), state.range(2) != 0); });
}
BENCHMARK(BM_Linux)
    ->ArgNames({"", "vcpus", "tlb"})
    ->Args({0, 1, 1})
    ->Args({0, 1, 0})
    ->Args({0, 2, 1})
    ->Args({1, 1, 1})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_PeakRss(benchmark::State& state) {
  const std::vector<const kernel::KernelEngine*> engines = linux_engines();
  const int64_t i = state.range(0);
  if (i >= 0 && static_cast<size_t>(i) >= engines.size()) return state.SkipWithError("no such Linux engine built in");
  for (auto _ : state) {
    malloc_trim(0);
    reset_peak_rss();
    if (i < 0) {
      run_sekvm(true);
    } else {
      run_linux(*engines[static_cast<size_t>(i)], 1, true);
    }
    state.counters["peak_rss_mb"] = static_cast<double>(peak_rss_bytes()) / 1e6;
  }
  state.SetLabel(i < 0 ? "sekvm" : engines[static_cast<size_t>(i)]->name);
}
BENCHMARK(BM_PeakRss)->Arg(-1)->Arg(0)->Arg(1)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ptx

int main(int argc, char** argv) {
  using ptx::bench::RatioPair;
  const std::vector<const ptx::kernel::KernelEngine*> e = ptx::linux_engines();
  const std::string first = e.empty() ? "linux (none built)" : e[0]->name;
  const std::string second = e.size() < 2 ? "linux (none built)" : e[1]->name;
  return ptx::bench::run_with_ratios(
      argc, argv,
      {
          RatioPair{first + " vs sekvm, TLB on, ops/s (goal >= 0.33)", "BM_Linux/0/vcpus:1/tlb:1/real_time",
                    "BM_Sekvm/tlb:1/real_time", "ops/s"},
          RatioPair{first + " vs sekvm, TLB on, sections/s", "BM_Linux/0/vcpus:1/tlb:1/real_time",
                    "BM_Sekvm/tlb:1/real_time", "sections/s"},
          RatioPair{first + " vs sekvm, TLB off, ops/s", "BM_Linux/0/vcpus:1/tlb:0/real_time",
                    "BM_Sekvm/tlb:0/real_time", "ops/s"},
          RatioPair{second + " vs sekvm, TLB on, ops/s", "BM_Linux/1/vcpus:1/tlb:1/real_time",
                    "BM_Sekvm/tlb:1/real_time", "ops/s"},
          RatioPair{first + ", 2 vCPUs vs 1, TLB on, ops/s", "BM_Linux/0/vcpus:2/tlb:1/real_time",
                    "BM_Linux/0/vcpus:1/tlb:1/real_time", "ops/s"},
      });
}
