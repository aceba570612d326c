// SPDX-License-Identifier: BSD-2-Clause
// The `ptx` command line (CLI11): subcommands run, record and check.
//
//   ptx run    [--preset qemu-virt | --workload FILE | --from-process PID] [--vms K] [--seed S]
//              [--threads N] [--mode fast|faithful] [--compare descriptor|translation]
//              [--sections sekvm|batched] [--engine VARIANT] [--report FILE] [--report-all]
//              [--draw DIR [--draw-limit N]] [--quiet]
//   ptx record [input options as for run] [--threads N] [--sections ...] [--engine VARIANT] --out TRACE
//   ptx check  TRACE [--threads N] [--mode ...] [--compare ...] [--report FILE] [--report-all]
//              [--draw DIR [--draw-limit N]]
//
// --engine: the engine variant (pagetable/engine_variant.h): sekvm (default), bbm, dirty-reuse,
// two-step-update or missing-barrier; recorded in the trace header, so `check` replays its
// sections (barriers, a missing closing barrier) identically.
//
// Hidden option of run/record: `--ops N`, the ops per VM of the qemu-virt preset (default
// kQemuVirtDefaultOpsPerVm, sized for a ~10 s run on 2 cores; tests use small values).
//
// Exit status: 0 no violation, 1 violations (the report, if asked for, is written), 2 bad input
// (flags, files, an op the engine refuses, ...: a message on stderr, no report or trace written),
// 3 an internal error (a bug).
#ifndef PTX_TOOLS_PTX_CLI_H_
#define PTX_TOOLS_PTX_CLI_H_

#include <string>

namespace ptx::cli {

int ptx_main(int argc, char** argv);

// `ptx check NAME --html DIR` of a casemate trace held in memory, on one thread, with the TLB
// verdicts when `tlb` and compare translation when `translation`: `ptx schedules --schedule ID
// --html DIR` draws the pages of the schedule it replayed. Prints check's summary and returns its
// exit status (0, 1, 2 for a directory it cannot write, 3).
int check_casemate_pages(const std::string& name, const std::string& trace, const std::string& html_dir, bool tlb,
                         bool translation);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_CLI_H_
