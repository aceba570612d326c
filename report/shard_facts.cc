// SPDX-License-Identifier: BSD-2-Clause
#include "report/shard_facts.h"

#include "formats/json_natural.h"

namespace ptx::report {

nlohmann::json shard_facts_json(const ShardFacts& f) {
  return {{"index", f.shard.index}, {"count", f.shard.count}, {"run", f.run}, {"examples", f.examples},
          {"report_all", f.report_all}};
}

StatusOr<ShardFacts> shard_facts_from(const nlohmann::json& j, const std::string& name) {
  if (!j.is_object()) {
    return bad_input("{}: not the output of a shard (it names no shard): write each with ptx run --shard I/N", name);
  }
  try {
    ShardFacts f{Shard{natural<uint32_t>(j.at("index")), natural<uint32_t>(j.at("count"))}, j.at("run").get<std::string>(),
                 natural<size_t>(j.at("examples")), j.at("report_all").get<bool>()};
    if (f.shard.count == 0 || f.shard.index >= f.shard.count || f.examples == 0) {
      return bad_input("{}: its shard {}/{} (examples {}) is not one: index must be below count, examples >= 1", name,
                       f.shard.index, f.shard.count, f.examples);
    }
    return f;
  } catch (const nlohmann::json::exception& e) {
    return bad_input("{}: its shard is malformed ({}): it needs index, count, run, examples and report_all", name,
                     e.what());
  }
}

Status check_shard_set(const std::vector<ShardFacts>& facts, const std::vector<std::string>& names) {
  if (facts.empty()) return bad_input("nothing to merge: give the outputs of the N shards of one run");
  const ShardFacts& first = facts.front();
  std::vector<bool> seen(first.shard.count);
  for (size_t i = 0; i < facts.size(); ++i) {
    const ShardFacts& f = facts[i];
    if (f.shard.count != first.shard.count) {
      return bad_input("{} is a shard of {}, {} of {}: give the shards of one run", names[i], f.shard.count, names[0],
                       first.shard.count);
    }
    if (f.run != first.run || f.examples != first.examples || f.report_all != first.report_all) {
      return bad_input("{} and {} are shards of different runs (\"{}\" and \"{}\", or --examples, --report-all): give "
                       "the shards of one run", names[0], names[i], first.run, f.run);
    }
    if (seen[f.shard.index]) return bad_input("{}: shard {} is given twice", names[i], f.shard.text());
    seen[f.shard.index] = true;
  }
  for (size_t k = 0; k < seen.size(); ++k) {
    if (!seen[k]) return bad_input("shard {}/{} is missing: give all {} shards of the run", k, seen.size(), seen.size());
  }
  return ok_status();
}

}  // namespace ptx::report
