// SPDX-License-Identifier: BSD-2-Clause
// Joins the SARIF logs (sarif.h) of the N shards of one `ptx run --shard I/N --sarif FILE`
// (base/shard.h) into the log the unsharded run writes, as report_merge.h joins their reports.
//
// Each shard's log names its shard in the run's property bag ("ptxShard", shard_facts.h). The
// results are joined by signature (partialFingerprints "ptxSignature/v1") with the rule of
// signature_merge.h: "sections" and "occurrences" summed; the message, locations and "first" of
// the shard that saw the signature first, with the counts in the message rewritten; results in
// entries()' order (properties "severity", "family", "firstAt"); rules in the order the results
// first use them, "ruleIndex" renumbered. The joined log has no "ptxShard".
#ifndef PTX_REPORT_SARIF_MERGE_H_
#define PTX_REPORT_SARIF_MERGE_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace ptx::report {

// `logs[i]` read from `names[i]`. Errors: kBadInput naming the file and the rule: not a ptx SARIF
// log of a shard, shards of different runs or counts, a shard twice or missing, a malformed result.
StatusOr<nlohmann::json> merge_sarif_logs(const std::vector<nlohmann::json>& logs, const std::vector<std::string>& names);

}  // namespace ptx::report

#endif  // PTX_REPORT_SARIF_MERGE_H_
