// SPDX-License-Identifier: BSD-2-Clause
// `ptx schedules`: thread schedules of a kernel engine's code on a scenario
// (kernel/schedule_explore.h; docs/schedules.md).
//
//   ptx schedules --list
//   ptx schedules [--engine linux-NAME] (--scenario NAME | --scenario-file FILE)
//                 [--strategy pct|bounded] [--schedules N] [--depth D] [--preemptions K]
//                 [--no-reduction] [--seed S] [--tlb on|off] [--compare translation|descriptor]
//                 [--cpu-features LIST]
//                 [--step-bound N] [--schedule ID [--trace FILE] [--html DIR]] [--json FILE] [--shard I/N]
//                 [--quiet]
// (`ptx merge`, which joins the shards' reports: merge_cmd.h.)
//
// Exit status: 0 no error in any schedule (warnings — transient-fault, stale-permission — are
// listed), 1 errors, 2 bad input, 3 a bug, 128 + the signal when interrupted.
#ifndef PTX_TOOLS_PTX_SCHEDULES_CMD_H_
#define PTX_TOOLS_PTX_SCHEDULES_CMD_H_

#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/status.h"
#include "kernel/schedule_report.h"
#include "tools/ptx/merge_cmd.h"

namespace ptx::cli {

struct SchedulesArgs {
  bool list = false;
  std::string engine = "linux-6.12";
  std::string scenario, scenario_file;
  std::string strategy = "pct";
  uint64_t schedules = 1000;
  uint32_t depth = 3, preemptions = 2;
  bool no_reduction = false;
  uint64_t seed = 1;
  std::string tlb = "on";
  std::string compare = "translation";
  std::string cpu_features;
  uint64_t step_bound = 100000;
  std::string schedule, trace, html, json, shard;
  bool quiet = false;
};

// Adds the subcommand and its options to `app`, bound to *a.
CLI::App* add_schedules_command(CLI::App& app, SchedulesArgs* a);

// Runs it: the exit status, or the error to report (kBadInput, kIoError, kInterrupted, ...).
StatusOr<int> run_schedules_command(const SchedulesArgs& a);

// `ptx schedules` and `ptx merge`, registered and run together.
struct ScheduleCommands {
  SchedulesArgs schedules;
  MergeArgs merge;
  CLI::App* schedules_app = nullptr;
  CLI::App* merge_app = nullptr;
  void add(CLI::App& app) {
    schedules_app = add_schedules_command(app, &schedules);
    merge_app = add_merge_command(app, &merge);
  }
  bool parsed() const { return schedules_app->parsed() || merge_app->parsed(); }
  StatusOr<int> run() const { return schedules_app->parsed() ? run_schedules_command(schedules) : run_merge_command(merge); }
};

// The summary text of a report: its run, the counts (a bounded search's too), the verdict and each
// signature with the command that replays its first schedule.
std::string schedule_report_text(const kernel::ScheduleReport& r);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_SCHEDULES_CMD_H_
