// SPDX-License-Identifier: BSD-2-Clause
// Thread schedules of Linux's code (kernel/schedule_explore.h; issue 21 goal: >= 2,000 schedules/s
// on one core, two vCPUs faulting the same page on linux-6.12, every check on). This binary links
// Linux's code (ptx_linux_engines, GPL-2.0-only); built without kernel sources it skips.
//
//  BM_Schedules/check:C   PCT schedules of `same-page` on linux-6.12, each a fresh VM, its two
//                         threads run one at a time by the controlled scheduler; C = 1: every
//                         schedule checked (TPT, TLB, findings, lost-update), C = 0: only run.
//  BM_Handoff/sched:S     two threads making 1,000 entry accesses each (the toy bodies of
//                         tests/kernel/scheduler_test.cc) under the scheduler, a switch at every
//                         access (S = 1), against the same accesses made by one thread with no
//                         scheduler (S = 0): what a hook costs when it hands the CPU over.
// Counters: schedules/s; accesses/s. Ratios: checked vs run-only schedules; scheduled vs direct
// accesses.
#include <string>
#include <vector>

#include "bench/bench_ratio.h"
#include "kernel/engines.h"
#include "kernel/schedule_explore.h"
#include "schedule/schedule_strategies.h"

namespace ptx {
namespace {

constexpr uint64_t kSchedules = 200;
constexpr int kAccesses = 1000;

void BM_Schedules(benchmark::State& state) {
  static const std::vector<kernel::KernelEngine> all = kernel::kernel_engines(ptx_kernel_engines);
  StatusOr<kernel::KernelEngine> e = kernel::find_kernel_engine(all, "linux-6.12", "");
  if (!e.ok()) return state.SkipWithError("built without linux-6.12");
  StatusOr<kernel::Scenario> s = kernel::find_scenario("same-page");
  kernel::ScheduleOptions o;
  o.schedules = kSchedules;
  o.check = state.range(0) != 0;
  uint64_t seed = 1;
  for (auto _ : state) {
    o.seed = seed++;
    StatusOr<kernel::ScheduleSummary> r = kernel::explore_kernel_schedules(*e, *s, o);
    if (!r.ok()) return state.SkipWithError(r.status().to_string().c_str());
    if (o.check && r->errors != 0) return state.SkipWithError("the unmodified code gave an error");
  }
  state.counters["schedules/s"] =
      benchmark::Counter(static_cast<double>(kSchedules + 1) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Schedules)->ArgName("check")->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

// Switches at every access: PCT with depth 1 would not; a replay of "every step to the other".
class Alternate : public schedule::ScheduleStrategy {
 public:
  uint32_t pick(const schedule::ScheduleStep& s) override {
    for (uint32_t t : s.enabled) {
      if (t != s.current) return t;
    }
    return s.default_pick;
  }
};

void BM_Handoff(benchmark::State& state) {
  const bool sched = state.range(0) != 0;
  volatile uint64_t sink = 0;
  for (auto _ : state) {
    if (!sched) {
      for (int i = 0; i < 2 * kAccesses; ++i) sink = sink + static_cast<uint64_t>(i);
      continue;
    }
    Alternate alt;
    schedule::Scheduler s(&alt, 1u << 30);
    std::vector<std::function<void(uint32_t)>> bodies(2, [&](uint32_t tid) {
      for (int i = 0; i < kAccesses; ++i) {
        s.at(schedule::HookPoint{schedule::HookPoint::kWrite, false, 0x1000 + tid * 8});
        sink = sink + static_cast<uint64_t>(i);
      }
    });
    s.run(bodies);
  }
  state.counters["accesses/s"] =
      benchmark::Counter(2.0 * kAccesses * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Handoff)->ArgName("sched")->Arg(1)->Arg(0)->UseRealTime();

}  // namespace
}  // namespace ptx

int main(int argc, char** argv) {
  using ptx::bench::RatioPair;
  return ptx::bench::run_with_ratios(
      argc, argv,
      {
          RatioPair{"schedules, every check vs run only (linux-6.12 same-page)", "BM_Schedules/check:1/real_time",
                    "BM_Schedules/check:0/real_time", "schedules/s"},
          RatioPair{"entry accesses, a thread switch at each vs none", "BM_Handoff/sched:1/real_time",
                    "BM_Handoff/sched:0/real_time", "accesses/s"},
      });
}
