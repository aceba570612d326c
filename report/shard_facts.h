// SPDX-License-Identifier: BSD-2-Clause
// ShardFacts: what a shard's output (`ptx run --shard I/N`: the JSON report's "shard" member, the
// SARIF log's "ptxShard" run property) says about the shard, and the check `ptx merge` makes
// before it joins the outputs: they are the N shards of one run, each once.
//
//   {"index": I, "count": N, "run": the run's input and options as text, "examples": --examples,
//    "report_all": --report-all}
#ifndef PTX_REPORT_SHARD_FACTS_H_
#define PTX_REPORT_SHARD_FACTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/shard.h"
#include "base/status.h"

namespace ptx::report {

struct ShardFacts {
  Shard shard;
  std::string run;
  size_t examples = 16;
  bool report_all = false;
};

// The object above.
nlohmann::json shard_facts_json(const ShardFacts& f);

// Reads the object above; `j` null (an unsharded output) is an error. Errors: kBadInput naming
// `name`: no shard, a member missing or of the wrong type, index >= count, examples 0.
StatusOr<ShardFacts> shard_facts_from(const nlohmann::json& j, const std::string& name);

// The facts of each of `names` (in order) are of one run (same run text, count, examples and
// report_all), and each shard 0..N-1 appears once. Errors: kBadInput naming the files and the rule.
Status check_shard_set(const std::vector<ShardFacts>& facts, const std::vector<std::string>& names);

}  // namespace ptx::report

#endif  // PTX_REPORT_SHARD_FACTS_H_
