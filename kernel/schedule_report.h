// SPDX-License-Identifier: BSD-2-Clause
// The JSON report of `ptx schedules --json` (a ScheduleSummary with its run's description), read
// back and merged: `ptx merge` joins the reports of the N shards of one exploration
// (`--shard I/N`) into the report the unsharded exploration gives.
//
//   {"run": TEXT, "replay": COMMAND, "search": BOOL, "sleep_sets": BOOL, "shard": "I/N" (sharded only), "schedules", "distinct_traces", "outcomes",
//    "pruned", "repeats", "complete", "max_steps", "errors", "warnings",
//    "signatures": [{"id", "key", "verdict", "severity", "schedules", "occurrences",
//                    "first_schedule", "first_index", "detail", "src"}...],
//    "trace_hashes": [...], "outcome_hashes": [...]}
//
// Shards: schedule number n (in the exploration's order) belongs to shard n % N. pct runs only
// its shard's schedules; bounded runs them all (the depth-first search needs every one) and checks
// only its own, so pruned, repeats and complete are the same in every shard.
#ifndef PTX_KERNEL_SCHEDULE_REPORT_H_
#define PTX_KERNEL_SCHEDULE_REPORT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "kernel/schedule_explore.h"

namespace ptx::kernel {

struct ScheduleReport {
  std::string run;                // the exploration's description (its head line)
  std::string replay;             // the command that replays one schedule, less "--schedule ID"
  bool search = false;            // a bounded search (its counts: pruned, repeats, complete)
  bool sleep_sets = false;        // ... with sleep sets
  uint32_t shard = 0, shards = 1;
  ScheduleSummary summary;
};

nlohmann::json schedule_report_json(const ScheduleReport& r);

// Errors: kBadInput "NAME: ..." when `j` is not a schedules report (a missing or mistyped field).
StatusOr<ScheduleReport> schedule_report_from_json(const nlohmann::json& j, const std::string& name);

// The report of the whole exploration; `names[i]` names shards[i] in errors ("report I" when
// absent). Errors: kBadInput naming the rule broken (report/shard_facts.h check_shard_set): no
// report, reports of different runs, of different shard counts, a shard given twice or missing.
StatusOr<ScheduleReport> merge_schedule_reports(const std::vector<ScheduleReport>& shards,
                                                const std::vector<std::string>& names = {});

}  // namespace ptx::kernel

#endif  // PTX_KERNEL_SCHEDULE_REPORT_H_
