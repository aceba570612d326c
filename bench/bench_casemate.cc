// SPDX-License-Identifier: BSD-2-Clause
// The engine path against the Arm (casemate) paths, on the same critical sections: the qemu-virt
// workload with 1 VM and 25,000 ops (--sections sekvm: 25,000 sections, ~100k casemate records;
// batched: fewer, larger sections). Goal 7 of issue 12 is the first two ratios of the table:
// casemate records per second of `ptx check --format casemate` against the engine-driven run, and
// the recorder's cost per write against the engine-driven run's, for the same sections.
//
//   BM_EnginePath/policy:P    run::EngineSource + run::run_sections, one thread: the engine makes
//                             each section and SectionChecker explores it on the VM's shadow
//                             (what `ptx run --threads 1` does);
//   BM_CasemateText/policy:P  armcheck::check_casemate on the sections' casemate trace held in
//                             memory (an istringstream): reading, folding events, exploring (what
//                             `ptx check --threads 1` does on `ptx record --format casemate`'s output);
//   BM_Recorder/policy:P      ptx::Recorder (armcheck/recorder.h) fed the same trace's events through
//                             its calls (init, lock, write, barrier, unlock, and record() for the
//                             rest), as a user's instrumented page-table code would: a mutex and an
//                             EventChecker step per call, each section explored at its unlock;
//   BM_CasemateEvents/policy:P  EventChecker on the same trace's events, already read: the
//                             checker's share of BM_CasemateText;
//   BM_CasemateRead/policy:P  CasemateReader alone over the text: the reader's share;
//   BM_CasemateText2/policy:P   BM_CasemateText on 2 threads (one reads, one checks: the
//                             pipeline of armcheck/casemate_check.h), what `ptx check --threads 2`
//                             does; its ratio to BM_CasemateText is the pipeline's gain;
//   BM_PtxTrace/policy:P/threads:T  the same sections as a ptx trace file (formats/trace.h, what
//                             `ptx record` writes by default) checked as `ptx check --threads T`
//                             does: run::TraceStreamSource + run::run_sections. Its records/s
//                             counts the casemate records of the same sections (the same work),
//                             lines/s the ptx trace's own lines (one per section).
// The trace is made once, untimed (armcheck::EngineCasemateWriter); setup checks that every path
// finds the same sections, updates and violations. Counters, the same for every path of a policy:
// sections/s (the workload's sections per second), records/s (the trace's casemate records per
// second) and writes/s (the sections' page-table writes, i.e. updates = the trace's mem-writes,
// per second; the inverse of the cost per write). Explorations run single-threaded
// (ExploreOptions::parallel = false).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "armcheck/casemate_check.h"
#include "armcheck/engine_export.h"
#include "armcheck/recorder.h"
#include "armtrace/casemate_reader.h"
#include "bench/bench_ratio.h"
#include "formats/trace.h"
#include "formats/trace_stream.h"
#include "run/engine_source.h"
#include "run/runner.h"
#include "run/trace_stream_source.h"
#include "workload/qemu_virt.h"

namespace ptx {
namespace {

constexpr uint64_t kOps = 25000;
constexpr double kMinTime = 0.5;

std::vector<std::string> ptx_trace_files;  // removed at the end of main

void fail(const std::string& what) {
  std::fprintf(stderr, "bench_casemate setup: %s\n", what.c_str());
  std::abort();
}

struct Input {
  workload::Workload workload;
  SectionPolicy policy;
  std::string text;                    // the casemate trace
  std::vector<armtrace::Event> events;  // the trace, read
  std::string ptx_trace;                // the same sections as a ptx trace file
  uint64_t sections = 0;
  uint64_t writes = 0;  // the trace's mem-write records: the sections' updates
};

run::RunConfig engine_config(bool explore, unsigned threads = 1) {
  run::RunConfig cfg;
  cfg.threads = threads;
  cfg.explore = explore;
  cfg.explore_options.parallel = false;
  return cfg;
}

armcheck::CheckOptions casemate_options() {
  armcheck::CheckOptions o;
  o.explore.parallel = false;
  return o;
}

Input make_input(SectionPolicy policy) {
  StatusOr<workload::Workload> w = workload::make_qemu_virt({1, 1, kOps, policy});
  if (!w.ok()) fail(w.status().to_string());
  Input in{std::move(*w), policy, {}, {}, {}, 0};
  std::ostringstream text;
  armcheck::EngineCasemateWriter writer(text);
  formats::TraceWriter ptx_writer;
  run::RunConfig cfg = engine_config(false);
  cfg.sink = [&writer, &ptx_writer](const Section& s) {
    PTX_RETURN_IF_ERROR(ptx_writer.add(s));
    return writer.add(s);
  };
  run::EngineSource source(in.workload, policy);
  const StatusOr<run::RunOutcome> made = run::run_sections(source, cfg);
  if (!made.ok()) fail(made.status().to_string());
  in.text = text.str();
  in.sections = made->totals.sections;
  in.ptx_trace = fmt::format("/tmp/ptx_bench_casemate_{}_{}.jsonl", getpid(), ptx_trace_files.size());
  ptx_trace_files.push_back(in.ptx_trace);
  if (!ptx_writer.commit(in.ptx_trace, {"qemu-virt", "bench", policy}).ok()) fail("the ptx trace");
  std::istringstream is(in.text);
  armtrace::CasemateReader reader(is, "bench");
  armtrace::Event e;
  for (StatusOr<bool> more = reader.next(&e); more.ok() && *more; more = reader.next(&e)) {
    in.events.push_back(e);
    if (e.kind == armtrace::EventKind::kMemWrite) ++in.writes;
  }
  if (in.writes != made->totals.updates) fail("the trace's writes are not the sections' updates");
  return in;
}

// Feeds the trace's events to a Recorder through the calls instrumented code makes, and returns
// its result.
StatusOr<armcheck::CheckResult> record(const Input& in) {
  using armtrace::EventKind;
  Recorder::Options options;
  options.check = casemate_options();
  Recorder rec(options);
  for (const armtrace::Event& e : in.events) {
    const char* src = e.src.c_str();
    switch (e.kind) {
      case EventKind::kMemInit: rec.init(e.address, e.size, src); break;
      case EventKind::kLock: rec.lock(e.address, src); break;
      case EventKind::kUnlock: rec.unlock(e.address, src); break;
      case EventKind::kMemWrite: rec.write(e.address, e.value, src); break;
      case EventKind::kBarrier:
        if (e.barrier == armtrace::BarrierType::kDsb && e.dsb_kind == armtrace::DsbKind::kIsh) {
          rec.barrier(src);
          break;
        }
        [[fallthrough]];
      default: rec.record(e);
    }
  }
  return rec.finish();
}

bool same_totals(const Totals& a, const Totals& b) {
  return a.sections == b.sections && a.updates == b.updates && a.violations == b.violations &&
         a.sequences == b.sequences && a.address_classes == b.address_classes;
}

// The three paths agree on the verdicts (and the trace reads back whole).
void check_agree(const Input& in) {
  run::EngineSource source(in.workload, in.policy);
  const StatusOr<run::RunOutcome> engine = run::run_sections(source, engine_config(true));
  std::istringstream is(in.text);
  const StatusOr<armcheck::CasemateRun> arm = armcheck::check_casemate(is, "bench", casemate_options(), {});
  if (!engine.ok() || !arm.ok()) fail("a path failed");
  if (!same_totals(engine->totals, arm->result.totals)) fail("the engine path and the casemate path disagree");
  if (arm->result.counts.records() != in.events.size()) fail("the trace does not read back whole");
  const StatusOr<armcheck::CheckResult> rec = record(in);
  if (!rec.ok()) fail("the recorder: " + rec.status().to_string());
  if (!same_totals(engine->totals, rec->totals)) fail("the engine path and the recorder disagree");
}

const Input& input(int64_t policy) {
  static const Input* inputs[2] = {nullptr, nullptr};
  if (inputs[policy] == nullptr) {
    inputs[policy] = new Input(make_input(policy == 0 ? SectionPolicy::kSekvm : SectionPolicy::kBatched));
    check_agree(*inputs[policy]);
  }
  return *inputs[policy];
}

void counters(benchmark::State& state, const Input& in) {
  using benchmark::Counter;
  state.counters["sections/s"] = Counter(static_cast<double>(in.sections), Counter::kIsIterationInvariantRate);
  state.counters["records/s"] = Counter(static_cast<double>(in.events.size()), Counter::kIsIterationInvariantRate);
  state.counters["writes/s"] = Counter(static_cast<double>(in.writes), Counter::kIsIterationInvariantRate);
  state.SetLabel(std::to_string(in.sections) + " sections, " + std::to_string(in.events.size()) + " records");
}

void BM_EnginePath(benchmark::State& state) {
  const Input& in = input(state.range(0));
  for (auto _ : state) {
    run::EngineSource source(in.workload, in.policy);
    StatusOr<run::RunOutcome> r = run::run_sections(source, engine_config(true));
    benchmark::DoNotOptimize(r);
  }
  counters(state, in);
}
BENCHMARK(BM_EnginePath)->ArgName("policy")->DenseRange(0, 1)->MinTime(kMinTime)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_CasemateText(benchmark::State& state) {
  const Input& in = input(state.range(0));
  for (auto _ : state) {
    std::istringstream is(in.text);
    StatusOr<armcheck::CasemateRun> r = armcheck::check_casemate(is, "bench", casemate_options(), {});
    benchmark::DoNotOptimize(r);
  }
  counters(state, in);
}
BENCHMARK(BM_CasemateText)->ArgName("policy")->DenseRange(0, 1)->MinTime(kMinTime)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_CasemateText2(benchmark::State& state) {
  const Input& in = input(state.range(0));
  for (auto _ : state) {
    std::istringstream is(in.text);
    StatusOr<armcheck::CasemateRun> r = armcheck::check_casemate(is, "bench", casemate_options(), {}, 2);
    benchmark::DoNotOptimize(r);
  }
  counters(state, in);
}
BENCHMARK(BM_CasemateText2)->ArgName("policy")->DenseRange(0, 1)->MinTime(kMinTime)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_PtxTrace(benchmark::State& state) {
  const Input& in = input(state.range(0));
  const unsigned threads = static_cast<unsigned>(state.range(1));
  for (auto _ : state) {
    const StatusOr<formats::TraceIndex> index = formats::index_trace(in.ptx_trace);
    if (!index.ok() || !index->streamable()) fail("index_trace");
    run::TraceStreamSource source(*index);
    StatusOr<run::RunOutcome> r = run::run_sections(source, engine_config(true, threads));
    if (!r.ok() || r->totals.sections != in.sections) fail("the ptx trace path");
  }
  counters(state, in);
  state.counters["lines/s"] = benchmark::Counter(static_cast<double>(in.sections + 1),
                                                 benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_PtxTrace)->ArgNames({"policy", "threads"})->ArgsProduct({{0, 1}, {1, 2}})->MinTime(kMinTime)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_Recorder(benchmark::State& state) {
  const Input& in = input(state.range(0));
  for (auto _ : state) {
    StatusOr<armcheck::CheckResult> r = record(in);
    benchmark::DoNotOptimize(r);
  }
  counters(state, in);
}
BENCHMARK(BM_Recorder)->ArgName("policy")->DenseRange(0, 1)->MinTime(kMinTime)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_CasemateEvents(benchmark::State& state) {
  const Input& in = input(state.range(0));
  for (auto _ : state) {
    armcheck::EventChecker checker("bench", casemate_options());
    for (const armtrace::Event& e : in.events) {
      if (!checker.add(e).ok()) fail("EventChecker::add");
    }
    StatusOr<armcheck::CheckResult> r = checker.finish({}, in.events.size());
    benchmark::DoNotOptimize(r);
  }
  counters(state, in);
}
BENCHMARK(BM_CasemateEvents)->ArgName("policy")->DenseRange(0, 1)->MinTime(kMinTime)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_CasemateRead(benchmark::State& state) {
  const Input& in = input(state.range(0));
  for (auto _ : state) {
    std::istringstream is(in.text);
    armtrace::CasemateReader reader(is, "bench");
    armtrace::Event e;
    uint64_t n = 0;
    for (StatusOr<bool> more = reader.next(&e); more.ok() && *more; more = reader.next(&e)) ++n;
    if (n != in.events.size()) fail("CasemateReader");
  }
  counters(state, in);
}
BENCHMARK(BM_CasemateRead)->ArgName("policy")->DenseRange(0, 1)->MinTime(kMinTime)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ptx

int main(int argc, char** argv) {
  std::vector<ptx::bench::RatioPair> pairs;
  auto run = [](const char* bm, const std::string& policy) { return std::string(bm) + policy + "/real_time"; };
  pairs.push_back({"goal 7: casemate check (ptx check --format casemate) vs engine-driven run, sekvm",
                   run("BM_CasemateText", "/policy:0"), run("BM_EnginePath", "/policy:0"), "records/s"});
  pairs.push_back({"issue 20.4: casemate check, 2 threads vs 1 (read | check pipeline), sekvm",
                   run("BM_CasemateText2", "/policy:0"), run("BM_CasemateText", "/policy:0"), "records/s"});
  pairs.push_back({"issue 20.4: casemate check vs ptx trace check, same sections, 1 thread, sekvm",
                   run("BM_CasemateText", "/policy:0"), run("BM_PtxTrace", "/policy:0/threads:1"), "records/s"});
  pairs.push_back({"issue 20.4: casemate check vs ptx trace check, same sections, 2 threads, sekvm",
                   run("BM_CasemateText2", "/policy:0"), run("BM_PtxTrace", "/policy:0/threads:2"), "records/s"});
  pairs.push_back({"goal 7: recorder vs engine-driven run, per write (inverse cost), sekvm",
                   run("BM_Recorder", "/policy:0"), run("BM_EnginePath", "/policy:0"), "writes/s"});
  for (const char* p : {"0", "1"}) {
    const std::string policy = std::string("/policy:") + p, name = p[0] == '0' ? "sekvm" : "batched";
    pairs.push_back({"casemate text vs engine path (" + name + ")", run("BM_CasemateText", policy),
                     run("BM_EnginePath", policy), "sections/s"});
    pairs.push_back({"recorder vs engine path (" + name + ")", run("BM_Recorder", policy), run("BM_EnginePath", policy),
                     "sections/s"});
    pairs.push_back({"casemate events (no parsing) vs engine path (" + name + ")", run("BM_CasemateEvents", policy),
                     run("BM_EnginePath", policy), "sections/s"});
    pairs.push_back({"casemate read only vs engine path (" + name + ")", run("BM_CasemateRead", policy),
                     run("BM_EnginePath", policy), "sections/s"});
  }
  const int status = ptx::bench::run_with_ratios(argc, argv, pairs);
  for (const std::string& f : ptx::ptx_trace_files) std::remove(f.c_str());
  return status;
}
