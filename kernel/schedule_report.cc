// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/schedule_report.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "base/number.h"
#include "base/shard.h"
#include "formats/json_natural.h"
#include "report/shard_facts.h"

namespace ptx::kernel {

namespace {

nlohmann::json signature_json(const ScheduleSignature& g) {
  return {{"id", g.id},
          {"key", g.key},
          {"verdict", g.verdict},
          {"severity", g.severity == tlb::Severity::kError ? "error" : "warning"},
          {"schedules", g.schedules},
          {"occurrences", g.occurrences},
          {"first_schedule", g.first_schedule},
          {"first_index", g.first_index},
          {"detail", g.detail},
          {"src", g.src}};
}

ScheduleSignature signature_from(const nlohmann::json& j) {
  ScheduleSignature g;
  g.id = j.at("id").get<std::string>();
  g.key = j.at("key").get<std::string>();
  g.verdict = j.at("verdict").get<std::string>();
  g.severity = j.at("severity").get<std::string>() == "error" ? tlb::Severity::kError : tlb::Severity::kWarning;
  g.schedules = natural<uint64_t>(j.at("schedules"));
  g.occurrences = natural<uint64_t>(j.at("occurrences"));
  g.first_schedule = j.at("first_schedule").get<std::string>();
  g.first_index = natural<uint64_t>(j.at("first_index"));
  g.detail = j.at("detail").get<std::string>();
  g.src = j.at("src").get<std::string>();
  return g;
}

// Joins signatures of disjoint sets of schedules: counts add up, the first is the one of the
// smallest schedule number.
std::vector<ScheduleSignature> join(const std::vector<ScheduleReport>& reports) {
  std::map<std::string, ScheduleSignature> by_id;
  for (const ScheduleReport& r : reports) {
    for (const ScheduleSignature& g : r.summary.signatures) {
      auto [it, fresh] = by_id.emplace(g.id, g);
      if (fresh) continue;
      ScheduleSignature& m = it->second;
      const uint64_t schedules = m.schedules + g.schedules, occurrences = m.occurrences + g.occurrences;
      if (g.first_index < m.first_index) m = g;
      m.schedules = schedules;
      m.occurrences = occurrences;
    }
  }
  std::vector<ScheduleSignature> out;
  for (auto& [id, g] : by_id) out.push_back(std::move(g));
  std::sort(out.begin(), out.end(), [](const ScheduleSignature& a, const ScheduleSignature& b) {
    return a.first_index != b.first_index ? a.first_index < b.first_index : a.id < b.id;
  });
  return out;
}

// The reports are the N shards of one exploration, each once (report/shard_facts.h's rule, as for
// the shards of a run).
Status check_shards(const std::vector<ScheduleReport>& reports, const std::vector<std::string>& names) {
  if (reports.empty()) return bad_input("ptx merge: no report");
  std::vector<report::ShardFacts> facts;
  std::vector<std::string> named;
  for (size_t i = 0; i < reports.size(); ++i) {
    facts.push_back(report::ShardFacts{Shard{reports[i].shard, reports[i].shards}, reports[i].run});
    named.push_back(i < names.size() ? names[i] : fmt::format("report {}", i + 1));
  }
  return report::check_shard_set(facts, named);
}

}  // namespace

nlohmann::json schedule_report_json(const ScheduleReport& r) {
  const ScheduleSummary& s = r.summary;
  nlohmann::json sigs = nlohmann::json::array();
  for (const ScheduleSignature& g : s.signatures) sigs.push_back(signature_json(g));
  nlohmann::json j = {{"run", r.run},
                      {"replay", r.replay},
                      {"search", r.search},
                      {"sleep_sets", r.sleep_sets},
                      {"schedules", s.schedules},
                      {"distinct_traces", s.distinct_traces},
                      {"outcomes", s.outcomes},
                      {"pruned", s.pruned},
                      {"repeats", s.repeats},
                      {"complete", s.complete},
                      {"max_steps", s.max_steps},
                      {"errors", s.errors},
                      {"warnings", s.warnings},
                      {"signatures", sigs},
                      {"trace_hashes", s.trace_hashes},
                      {"outcome_hashes", s.outcome_hashes}};
  if (r.shards > 1) j["shard"] = fmt::format("{}/{}", r.shard, r.shards);
  return j;
}

StatusOr<ScheduleReport> schedule_report_from_json(const nlohmann::json& j, const std::string& name) {
  try {
    ScheduleReport r;
    r.run = j.at("run").get<std::string>();
    r.replay = j.at("replay").get<std::string>();
    r.search = j.at("search").get<bool>();
    r.sleep_sets = j.at("sleep_sets").get<bool>();
    if (j.contains("shard")) {
      PTX_ASSIGN_OR_RETURN(const Shard shard, parse_shard(j.at("shard").get<std::string>(), name + " \"shard\""));
      r.shard = shard.index;
      r.shards = shard.count;
    }
    ScheduleSummary& s = r.summary;
    s.schedules = natural<uint64_t>(j.at("schedules"));
    s.pruned = natural<uint64_t>(j.at("pruned"));
    s.repeats = natural<uint64_t>(j.at("repeats"));
    s.complete = j.at("complete").get<bool>();
    s.max_steps = natural<uint64_t>(j.at("max_steps"));
    for (const nlohmann::json& g : j.at("signatures")) s.signatures.push_back(signature_from(g));
    s.trace_hashes = j.at("trace_hashes").get<std::vector<uint64_t>>();
    s.outcome_hashes = j.at("outcome_hashes").get<std::vector<uint64_t>>();
    s.distinct_traces = s.trace_hashes.size();
    s.outcomes = s.outcome_hashes.size();
    for (const ScheduleSignature& g : s.signatures) (g.severity == tlb::Severity::kError ? s.errors : s.warnings) += 1;
    return r;
  } catch (const nlohmann::json::exception& e) {
    return bad_input("{}: not a report of ptx schedules --json ({}): docs/schedules.md", name, e.what());
  }
}

StatusOr<ScheduleReport> merge_schedule_reports(const std::vector<ScheduleReport>& shards,
                                                const std::vector<std::string>& names) {
  PTX_RETURN_IF_ERROR(check_shards(shards, names));
  ScheduleReport m;
  m.run = shards[0].run;
  m.replay = shards[0].replay;
  m.search = shards[0].search;  // the same run (check_shards): the same strategy
  m.sleep_sets = shards[0].sleep_sets;
  ScheduleSummary& s = m.summary;
  const ScheduleSummary& first = shards[0].summary;
  s.pruned = first.pruned;  // the same in every shard (schedule_report.h)
  s.repeats = first.repeats;
  s.complete = first.complete;
  std::set<uint64_t> traces, outcomes;
  for (const ScheduleReport& r : shards) {
    s.schedules += r.summary.schedules;
    s.max_steps = std::max(s.max_steps, r.summary.max_steps);
    traces.insert(r.summary.trace_hashes.begin(), r.summary.trace_hashes.end());
    outcomes.insert(r.summary.outcome_hashes.begin(), r.summary.outcome_hashes.end());
  }
  s.trace_hashes.assign(traces.begin(), traces.end());
  s.outcome_hashes.assign(outcomes.begin(), outcomes.end());
  s.distinct_traces = traces.size();
  s.outcomes = outcomes.size();
  s.signatures = join(shards);
  for (const ScheduleSignature& g : s.signatures) (g.severity == tlb::Severity::kError ? s.errors : s.warnings) += 1;
  return m;
}

}  // namespace ptx::kernel
