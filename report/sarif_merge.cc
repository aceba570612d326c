// SPDX-License-Identifier: BSD-2-Clause
#include "report/sarif_merge.h"

#include <algorithm>
#include <map>

#include "formats/json_natural.h"
#include "report/sarif.h"
#include "report/shard_facts.h"
#include "report/signature_merge.h"

namespace ptx::report {
namespace {

struct Joined {
  nlohmann::json result;  // the shard's that saw the signature first
  uint64_t sections = 0, occurrences = 0;
  JoinedPlace place;
};

nlohmann::json& run_of(nlohmann::json& log) { return log.at("runs").at(0); }

Status join(std::map<std::string, Joined>& by_id, const nlohmann::json& r, size_t shard, size_t index,
            const std::string& name) {
  const nlohmann::json& p = r.at("properties");
  PTX_ASSIGN_OR_RETURN(const SignatureRank rank,
                       signature_rank(p.at("severity"), p.at("family"), p.at("firstAt"), name));
  Joined& j = by_id[r.at("partialFingerprints").at("ptxSignature/v1").get<std::string>()];
  if (j.place.offer(rank, shard, index)) j.result = r;
  j.sections += natural<uint64_t>(p.at("sections"));
  j.occurrences += natural<uint64_t>(p.at("occurrences"));
  return ok_status();
}

// The result with the joined counts, in its message too. Errors: a message without the counts.
StatusOr<nlohmann::json> rewritten(Joined& j, const std::string& name) {
  nlohmann::json r = std::move(j.result);
  nlohmann::json& p = r["properties"];
  const std::string first = p.at("first").get<std::string>();
  const std::string old = sarif_counts_text(natural<uint64_t>(p.at("occurrences")), natural<uint64_t>(p.at("sections")), first) + ")";
  std::string text = r.at("message").at("text").get<std::string>();
  if (!text.ends_with(old)) return bad_input("{}: a result's message does not end with its counts ({})", name, old);
  text.resize(text.size() - old.size());
  r["message"]["text"] = text + sarif_counts_text(j.occurrences, j.sections, first) + ")";
  p["sections"] = j.sections;
  p["occurrences"] = j.occurrences;
  return r;
}

// The joined results and their rules into `run` (the first shard's run object).
Status join_results(const std::vector<nlohmann::json>& logs, const std::vector<std::string>& names, nlohmann::json& run) {
  std::map<std::string, Joined> by_id;
  std::map<std::string, nlohmann::json> rules;
  for (size_t s = 0; s < logs.size(); ++s) {
    const nlohmann::json& r = logs[s].at("runs").at(0);
    for (const nlohmann::json& rule : r.at("tool").at("driver").at("rules")) rules.emplace(rule.at("id").get<std::string>(), rule);
    const nlohmann::json& results = r.at("results");
    for (size_t i = 0; i < results.size(); ++i) PTX_RETURN_IF_ERROR(join(by_id, results[i], s, i, names[s]));
  }
  std::vector<Joined*> order;
  for (auto& [id, j] : by_id) order.push_back(&j);
  std::sort(order.begin(), order.end(), [](const Joined* a, const Joined* b) { return a->place < b->place; });
  nlohmann::json results = nlohmann::json::array(), used = nlohmann::json::array();
  std::map<std::string, size_t> index;
  for (Joined* j : order) {
    PTX_ASSIGN_OR_RETURN(nlohmann::json r, rewritten(*j, names[j->place.shard]));
    const std::string rule = r.at("ruleId").get<std::string>();
    const auto [it, fresh] = index.try_emplace(rule, used.size());
    if (fresh) used.push_back(rules.at(rule));
    r["ruleIndex"] = it->second;
    results.push_back(std::move(r));
  }
  run["results"] = std::move(results);
  run["tool"]["driver"]["rules"] = std::move(used);
  return ok_status();
}

StatusOr<nlohmann::json> merge_logs(const std::vector<nlohmann::json>& logs, const std::vector<std::string>& names) {
  std::vector<ShardFacts> facts;
  for (size_t i = 0; i < logs.size(); ++i) {
    const nlohmann::json& run = logs[i].at("runs").at(0);
    const nlohmann::json shard = run.contains("properties") ? run["properties"].value("ptxShard", nlohmann::json())
                                                            : nlohmann::json();
    PTX_ASSIGN_OR_RETURN(const ShardFacts f, shard_facts_from(shard, names[i]));
    facts.push_back(f);
  }
  PTX_RETURN_IF_ERROR(check_shard_set(facts, names));
  nlohmann::json out = logs[0];
  nlohmann::json& run = run_of(out);
  run.erase("properties");
  PTX_RETURN_IF_ERROR(join_results(logs, names, run));
  return out;
}

}  // namespace

StatusOr<nlohmann::json> merge_sarif_logs(const std::vector<nlohmann::json>& logs, const std::vector<std::string>& names) {
  try {
    return merge_logs(logs, names);
  } catch (const std::exception& e) {
    return bad_input("{}...: not a SARIF log of ptx run --shard I/N ({}; docs/report.md)", names.empty() ? "" : names[0],
                     e.what());
  }
}

}  // namespace ptx::report
