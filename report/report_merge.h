// SPDX-License-Identifier: BSD-2-Clause
// Joins the JSON reports (formats/report.h) of the N shards of one `ptx run --shard I/N --report
// FILE` (base/shard.h) into the report the unsharded run writes, byte for byte.
//
// Each shard's report has a "shard" object: {"index": I, "count": N, "run": the run's input and
// options, "examples": --examples, "report_all": bool}. The join checks that the reports are the N
// shards of one run, each once, then writes:
//   summary       every count summed (each shard counts the sections it explored, and the TLB
//                 verdicts and TLBIs of the VMs whose TLB pass it ran); "signatures" the joined
//                 list's size; "tlb"."max_stale" the largest
//   signatures    joined (signature_merge.h)
//   tlb_findings  every shard's, by VM (root table) then line, as the unsharded run lists them
//   findings      every shard's, by line
//   sections      with --report-all every shard's; else the example sections of the joined
//                 signatures; by (vmid, seq), streamed (never all in memory)
// The shards' other head members must be equal; the joined report has no "shard".
#ifndef PTX_REPORT_REPORT_MERGE_H_
#define PTX_REPORT_REPORT_MERGE_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace ptx::report {

// Writes the joined report of `paths` to `out` atomically (no file left behind on error) and
// returns its head (every member but "sections"). Errors: kBadInput naming the file and the rule:
// a report that is not a shard's, shards of different runs or counts, a shard given twice or
// missing, a malformed member; kIoError writing `out`.
StatusOr<nlohmann::json> merge_run_reports(const std::vector<std::string>& paths, const std::string& out);

}  // namespace ptx::report

#endif  // PTX_REPORT_REPORT_MERGE_H_
