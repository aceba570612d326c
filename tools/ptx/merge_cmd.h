// SPDX-License-Identifier: BSD-2-Clause
// `ptx merge`: joins the outputs of the N shards of one run (base/shard.h) into the output of the
// unsharded run:
//
//   ptx merge SCHEDULES.json... [--json FILE]       shards of `ptx schedules --shard I/N --json`
//                                                   (kernel/schedule_report.h)
//   ptx merge REPORT.json... SARIF... [--json FILE] [--sarif FILE]
//                                                   shards of `ptx run --shard I/N --report/--sarif`
//                                                   (report/report_merge.h, report/sarif_merge.h)
//
// Each file's kind is read from it. It prints the summary of the joined run. Exit status: 0 no
// error (schedules) or no violation, finding or TLB error (run); 1 otherwise; 2 bad input (a file
// that is no shard's, shards of different runs, a shard twice or missing, reports of schedules and
// of runs mixed, a joined run report or log without --json / --sarif to write it to).
#ifndef PTX_TOOLS_PTX_MERGE_CMD_H_
#define PTX_TOOLS_PTX_MERGE_CMD_H_

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/status.h"

namespace ptx::cli {

struct MergeArgs {
  std::vector<std::string> files;
  std::string json, sarif;
};

// Adds the subcommand and its options to `app`, bound to *a.
CLI::App* add_merge_command(CLI::App& app, MergeArgs* a);

// Runs it: the exit status, or the error to report (kBadInput, kIoError).
StatusOr<int> run_merge_command(const MergeArgs& a);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_MERGE_CMD_H_
