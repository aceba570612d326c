// SPDX-License-Identifier: BSD-2-Clause
// The TLB pass's cost (tlb/tlb_pass.h; TLB-MODEL.md §8.4: goal <= 10 %): checking a long correct
// casemate trace — qemu-virt, 4 VMs x 25,000 ops, --sections sekvm, with KVM's flushes after each
// break and break-before-make for remaps (tests/tlb/engine_trace.h) — with the TLB pass on and off
// in the same run.
//
//   BM_CheckText/tlb:T    armcheck::check_casemate on the trace's text (what `ptx check --threads 1
//                         --tlb on|off` does): reading, folding, exploring, and the TLB pass when T=1;
//   BM_CheckEvents/tlb:T  EventChecker on the trace's events, already read: the fold's share.
//   BM_RunTlb/tlb:T       the engine path (issue 20 item 1): `ptx run --vms 2 --ops 500000 --threads 1
//                         --tlb on|off` through the runner library — qemu-virt streamed, sekvm
//                         sections made, explored, and with T=1 folded by tlb::SectionTlb, as
//                         tools/ptx wires it (RunConfig::on_section, finish). One iteration per
//                         repetition; counters sections/s and peak_rss_mb (the process's peak RSS
//                         during the run: reset_peak_rss before it; the goal: on / off <= 1.25 in
//                         time and in memory).
// Setup (untimed) makes the trace and checks that the pass finds nothing and leaves no stale entry.
// Ratios: tlb on vs off (records/s; 1.00 = free, 0.91 = the 10 % goal; the engine path's 0.8 = the
// 1.25x goal).
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "armcheck/casemate_check.h"
#include "armtrace/casemate_writer.h"
#include "base/process_memory.h"
#include "bench/bench_ratio.h"
#include "run/engine_source.h"
#include "run/runner.h"
#include "tests/tlb/engine_trace.h"
#include "tlb/section_tlb.h"
#include "tlb/tlb_pass.h"
#include "workload/qemu_virt.h"

namespace ptx {
namespace {

constexpr double kMinTime = 1.0;

void fail(const std::string& what) {
  std::fprintf(stderr, "bench_tlb setup: %s\n", what.c_str());
  std::abort();
}

struct Input {
  std::vector<armtrace::Event> events;
  std::string text;
};

const Input& input() {
  static const Input* in = [] {
    StatusOr<std::vector<armtrace::Event>> events = tlb::testing::qemu_virt_events(4, 25000);
    if (!events.ok()) fail(events.status().to_string());
    auto* made = new Input{std::move(*events), {}};
    std::ostringstream text;
    armtrace::CasemateWriter w(text);
    for (const armtrace::Event& e : made->events) {
      if (!w.write(e).ok()) fail("CasemateWriter");
    }
    made->text = text.str();
    tlb::TlbPass pass;
    armcheck::CheckOptions o;
    o.explore.parallel = false;
    o.observer = &pass;
    std::istringstream is(made->text);
    if (!armcheck::check_casemate(is, "bench", o, {}).ok()) fail("check_casemate");
    if (!pass.findings().empty() || pass.stale_entries() != 0) fail("the trace is not TLB-correct");
    return made;
  }();
  return *in;
}

void counters(benchmark::State& state, const Input& in) {
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(in.events.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(std::to_string(in.events.size()) + " records");
}

// One thread's check options; with the benchmark's argument tlb:1 the TLB pass observes the events.
armcheck::CheckOptions options(const benchmark::State& state, tlb::TlbPass& pass) {
  armcheck::CheckOptions o;
  o.explore.parallel = false;
  if (state.range(0) == 1) o.observer = &pass;
  return o;
}

void BM_CheckText(benchmark::State& state) {
  const Input& in = input();
  for (auto _ : state) {
    tlb::TlbPass pass;
    const armcheck::CheckOptions o = options(state, pass);
    std::istringstream is(in.text);
    StatusOr<armcheck::CasemateRun> r = armcheck::check_casemate(is, "bench", o, {});
    benchmark::DoNotOptimize(r);
  }
  counters(state, in);
}
BENCHMARK(BM_CheckText)->ArgName("tlb")->DenseRange(0, 1)->MinTime(kMinTime)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_CheckEvents(benchmark::State& state) {
  const Input& in = input();
  for (auto _ : state) {
    tlb::TlbPass pass;
    const armcheck::CheckOptions o = options(state, pass);
    armcheck::EventChecker checker("bench", o);
    for (const armtrace::Event& e : in.events) {
      if (!checker.add(e).ok()) fail("EventChecker::add");
    }
    StatusOr<armcheck::CheckResult> r = checker.finish({}, in.events.size());
    benchmark::DoNotOptimize(r);
  }
  counters(state, in);
}
BENCHMARK(BM_CheckEvents)->ArgName("tlb")->DenseRange(0, 1)->MinTime(kMinTime)->UseRealTime()->Unit(benchmark::kMillisecond);

// `ptx run --vms 2 --ops 500000 --threads 1` with the TLB pass on (tlb:1) or off: the same
// configuration as tools/ptx's (fast mode, parallel class evaluation, the pass fed each section
// before it is explored and finished after the run).
void BM_RunTlb(benchmark::State& state) {
  const bool on = state.range(0) == 1;
  double seconds = 0, peak = 0;
  uint64_t sections = 0;
  for (auto _ : state) {
    malloc_trim(0);
    reset_peak_rss();
    const auto t0 = std::chrono::steady_clock::now();
    StatusOr<std::unique_ptr<workload::WorkloadStream>> w =
        workload::stream_qemu_virt(workload::QemuVirtOptions{2, 1, 500000, {}});
    if (!w.ok()) fail(w.status().message());
    run::EngineSource source(std::move(*w), SectionPolicy::kSekvm);
    tlb::SectionTlb pass("qemu-virt", tlb::TlbOptions{});
    run::RunConfig c;
    c.threads = 1;
    c.explore_options.parallel = true;
    if (on) {
      c.on_section = [&pass](const Section& s, uint64_t line) { return pass.add(s, line); };
      for (uint32_t vm : source.lanes()) pass.share_tables(vm, source.shared_tables(vm));  // as tools/ptx
    }
    StatusOr<run::RunOutcome> r = run::run_sections(source, c);
    if (!r.ok()) fail(r.status().message());
    pass.finish();
    if (r->totals.violations != 0 || !pass.findings().empty()) fail("the qemu-virt run is not clean");
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    sections += r->totals.sections;
    peak = std::max(peak, static_cast<double>(peak_rss_bytes()));
  }
  state.counters["sections/s"] = seconds > 0 ? static_cast<double>(sections) / seconds : 0;
  state.counters["peak_rss_mb"] = peak / 1e6;
}
BENCHMARK(BM_RunTlb)->ArgName("tlb")->DenseRange(0, 1)->Iterations(1)->UseRealTime()->Unit(benchmark::kSecond);

}  // namespace
}  // namespace ptx

int main(int argc, char** argv) {
  return ptx::bench::run_with_ratios(
      argc, argv,
      {{"TLB pass on vs off, casemate text", "BM_CheckText/tlb:1/real_time", "BM_CheckText/tlb:0/real_time", "records/s"},
       {"TLB pass on vs off, events", "BM_CheckEvents/tlb:1/real_time", "BM_CheckEvents/tlb:0/real_time",
        "records/s"},
       {"TLB pass on vs off, engine path (ptx run --vms 2 --ops 500000 --threads 1)",
        "BM_RunTlb/tlb:1/iterations:1/real_time", "BM_RunTlb/tlb:0/iterations:1/real_time", "sections/s"}});
}
