// SPDX-License-Identifier: BSD-2-Clause
#include "report/sarif.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "explorer/violation_groups.h"
#include "formats/atomic_file.h"
#include "formats/violation_text.h"
#include "pagetable/describe.h"
#include "report/signature_json.h"
#include "report/signature_text.h"
#include "report/verdict_help.h"

namespace ptx::report {
namespace {

constexpr const char* kEngineFile = "pagetable/engine.cc";

std::string rule_id(const SignatureKey& k) {
  if (k.cause.empty()) return k.verdict;
  return k.verdict + "/" + k.cause.substr(0, k.cause.find(','));
}

std::string level_of(tlb::Severity s) {
  return s == tlb::Severity::kError ? "error" : s == tlb::Severity::kWarning ? "warning" : "note";
}

// A location: "FILE:LINE" as file and line; an engine step or "engine" as the engine's source
// file with a logical location; anything else as a logical location alone.
nlohmann::json location_json(const std::string& where) {
  nlohmann::json loc = nlohmann::json::object();
  const size_t colon = where.rfind(':');
  const bool file_line = colon != std::string::npos && colon > 0 && colon + 1 < where.size() &&
                         std::all_of(where.begin() + colon + 1, where.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (file_line) {
    const uint64_t line = std::stoull(where.substr(colon + 1));
    loc["physicalLocation"] = {{"artifactLocation", {{"uri", where.substr(0, colon)}}},
                               {"region", {{"startLine", std::max<uint64_t>(line, 1)}}}};
    return loc;
  }
  const bool engine = where == "engine" || where.starts_with("set_npt:") || where.starts_with("clear_npt:");
  if (engine) loc["physicalLocation"] = {{"artifactLocation", {{"uri", kEngineFile}}}};
  loc["logicalLocations"] = {{{"name", where}, {"kind", "function"}}};
  return loc;
}

std::string mapping(const Geometry& g, uint64_t m) {
  const int level = (m & 3) == 3 ? g.leaf_level() : g.block_level();
  return m == 0 ? "0x0 (no mapping)" : fmt::format("{:#x} ({})", m, describe_descriptor(g, level, m));
}

std::string message(const SignatureEntry& e, const SarifInfo& info) {
  const std::string counts =
      sarif_counts_text(e.occurrences, e.sections, occurrence_text(e.first(), e.source.empty() ? info.source : e.source));
  if (e.representative == nullptr) return fmt::format("{}: {} ({})", e.key.verdict_text(), e.detail, counts);
  const CheckedSection& c = *e.representative;
  const Violation& v = c.exploration.violations[e.violation];
  const Geometry g = formats::display_geometry(c);
  return fmt::format("{} at IPA {:#x}: before {}, observed {}, after {} (signature {}: {})", e.key.verdict_text(),
                     v.ipa, mapping(g, v.before), mapping(g, v.observed), mapping(g, v.after), e.id, counts);
}

// "stale-mapping/no-tlbi" -> "StaleMappingNoTlbi": the rule's readable name (SARIF wants it to
// differ from the id).
std::string rule_name(const std::string& id) {
  std::string name;
  bool upper = true;
  for (const char c : id) {
    if (c == '-' || c == '/' || c == '_' || c == ' ') {
      upper = true;
    } else {
      name += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      upper = false;
    }
  }
  return name;
}

nlohmann::json rule_json(const SignatureKey& k) {
  const VerdictHelp h = verdict_help(k.verdict, k.cause);
  const std::string text = fmt::format("{} Usual fix: {} (docs/verdicts.md, \"{}\")", h.meaning, h.fix, k.verdict);
  return {{"id", rule_id(k)},
          {"name", rule_name(rule_id(k))},
          {"shortDescription", {{"text", k.verdict_text()}}},
          {"fullDescription", {{"text", std::string(h.meaning)}}},
          {"help", {{"text", text}, {"markdown", text}}},
          {"defaultConfiguration", {{"level", level_of(k.severity)}}}};
}

nlohmann::json result_json(const SignatureEntry& e, size_t rule_index, const SarifInfo& info) {
  nlohmann::json r = {{"ruleId", rule_id(e.key)},
                      {"ruleIndex", rule_index},
                      {"level", level_of(e.key.severity)},
                      {"message", {{"text", message(e, info)}}},
                      {"partialFingerprints", {{"ptxSignature/v1", e.id}}},
                      {"properties",
                       {{"signature", e.id}, {"sections", e.sections}, {"occurrences", e.occurrences},
                        {"first", occurrence_text(e.first(), e.source.empty() ? info.source : e.source)},
                        {"firstAt", occurrence_json(e.first())},
                        {"severity", std::string(enum_name(tlb::kSeverityNames, e.key.severity))},
                        {"family", std::string(enum_name(kFamilyNames, e.key.family))}}}};
  const std::vector<std::string>& where = e.key.locations;
  if (!where.empty() && where.front() != "(unknown)") r["locations"] = nlohmann::json::array({location_json(where[0])});
  nlohmann::json related = nlohmann::json::array();
  for (size_t i = 1; i < where.size(); ++i) {
    if (where[i] == "(unknown)") continue;
    nlohmann::json loc = location_json(where[i]);
    loc["id"] = related.size();
    loc["message"] = {{"text", fmt::format("witness write {} of {}", i + 1, where.size())}};
    related.push_back(std::move(loc));
  }
  if (!related.empty()) r["relatedLocations"] = std::move(related);
  return r;
}

}  // namespace

std::string sarif_counts_text(uint64_t occurrences, uint64_t sections, const std::string& first) {
  return fmt::format("{} occurrence{} in {} section{}; first: {}", occurrences, occurrences == 1 ? "" : "s", sections,
                     sections == 1 ? "" : "s", first);
}

nlohmann::json sarif_log(const std::vector<SignatureEntry>& entries, const SarifInfo& info) {
  nlohmann::json rules = nlohmann::json::array(), results = nlohmann::json::array();
  std::map<std::string, size_t> index;
  for (const SignatureEntry& e : entries) {
    const std::string id = rule_id(e.key);
    auto [it, fresh] = index.try_emplace(id, rules.size());
    if (fresh) rules.push_back(rule_json(e.key));
    results.push_back(result_json(e, it->second, info));
  }
  nlohmann::json driver = {{"name", "ptx"},
                           {"version", info.version},
                           {"semanticVersion", info.version},
                           {"fullName", "ptx, a transactional page-table concurrency explorer"},
                           {"rules", std::move(rules)}};
  nlohmann::json run = {{"tool", {{"driver", std::move(driver)}}}, {"results", std::move(results)}};
  if (!info.shard.is_null()) run["properties"] = {{"ptxShard", info.shard}};
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", nlohmann::json::array({std::move(run)})}};
}

Status write_sarif(const std::string& path, const std::vector<SignatureEntry>& entries, const SarifInfo& info) {
  return formats::write_file_atomically(path, sarif_log(entries, info).dump(2) + "\n");
}

}  // namespace ptx::report
