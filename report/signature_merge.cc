// SPDX-License-Identifier: BSD-2-Clause
#include "report/signature_merge.h"

#include <algorithm>
#include <map>

#include "base/enum_names.h"
#include "formats/json_natural.h"
#include "report/signature.h"
#include "tlb/finding.h"

namespace ptx::report {

StatusOr<std::pair<uint64_t, uint64_t>> occurrence_place(const nlohmann::json& o, const std::string& where) {
  const auto number = [&](const char* key) -> const nlohmann::json* {
    const auto it = o.find(key);
    return it != o.end() && is_natural(*it) ? &*it : nullptr;
  };
  if (!o.is_object()) return bad_input("{}: an occurrence must be an object (docs/report.md)", where);
  if (const nlohmann::json* seq = number("seq"); seq != nullptr && number("vmid") != nullptr) {
    return std::pair<uint64_t, uint64_t>(number("vmid")->get<uint64_t>(), seq->get<uint64_t>());
  }
  if (const nlohmann::json* line = number("line")) return std::pair<uint64_t, uint64_t>(line->get<uint64_t>(), 0);
  return bad_input("{}: an occurrence needs \"vmid\" and \"seq\", or \"line\" (docs/report.md)", where);
}

StatusOr<SignatureRank> signature_rank(const nlohmann::json& severity, const nlohmann::json& family,
                                       const nlohmann::json& first, const std::string& where) {
  const auto name = [](const nlohmann::json& j) { return j.is_string() ? j.get<std::string>() : std::string(); };
  const std::optional<tlb::Severity> s = parse_enum(tlb::kSeverityNames, name(severity));
  const std::optional<Family> f = parse_enum(kFamilyNames, name(family));
  if (!s || !f) return bad_input("{}: severity {} or family {} is not known (docs/report.md)", where, severity.dump(), family.dump());
  PTX_ASSIGN_OR_RETURN(const auto place, occurrence_place(first, where));
  return SignatureRank(-static_cast<int>(*s), static_cast<int>(*f), place.first, place.second);
}

namespace {

struct Joined {
  nlohmann::json entry;                 // the first shard's, counts and examples replaced at the end
  std::map<std::pair<uint64_t, uint64_t>, nlohmann::json> examples;  // by place
  uint64_t sections = 0, occurrences = 0;
  JoinedPlace place;                    // the shard whose first occurrence is the smallest, and where it listed it
};

// Adds shard `shard`'s entry `index`.
Status join(std::map<std::string, Joined>& by_id, const nlohmann::json& e, size_t shard, size_t index,
            const std::string& where) {
  if (!e.is_object() || !e.contains("id") || !e["id"].is_string() || !e.contains("examples") ||
      !e["examples"].is_array() || !e.contains("sections") || !e.contains("occurrences")) {
    return bad_input("{}: a signature needs id, sections, occurrences and examples (docs/report.md)", where);
  }
  PTX_ASSIGN_OR_RETURN(const SignatureRank rank, signature_rank(e.value("severity", nlohmann::json()),
                                                                e.value("family", nlohmann::json()),
                                                                e.value("first", nlohmann::json()), where));
  auto [it, fresh] = by_id.try_emplace(e["id"].get<std::string>());
  Joined& j = it->second;
  if (fresh) j.entry = e;
  j.place.offer(rank, shard, index);
  j.sections += natural<uint64_t>(e["sections"]);
  j.occurrences += natural<uint64_t>(e["occurrences"]);
  for (const nlohmann::json& o : e["examples"]) {
    PTX_ASSIGN_OR_RETURN(const auto place, occurrence_place(o, where));
    j.examples.emplace(place, o);
  }
  return ok_status();
}

}  // namespace

StatusOr<nlohmann::json> merge_signature_lists(const std::vector<nlohmann::json>& lists,
                                               const std::vector<std::string>& names, size_t examples) {
  std::map<std::string, Joined> by_id;
  for (size_t s = 0; s < lists.size(); ++s) {
    if (!lists[s].is_array()) return bad_input("{}: \"signatures\" must be a list (docs/report.md)", names[s]);
    for (size_t i = 0; i < lists[s].size(); ++i) {
      try {
        PTX_RETURN_IF_ERROR(join(by_id, lists[s][i], s, i, names[s]));
      } catch (const nlohmann::json::exception& e) {
        return bad_input("{}: signature {} is malformed: {} (docs/report.md)", names[s], i, e.what());
      }
    }
  }
  std::vector<Joined*> order;
  for (auto& [id, j] : by_id) order.push_back(&j);
  std::sort(order.begin(), order.end(), [](const Joined* a, const Joined* b) { return a->place < b->place; });
  nlohmann::json out = nlohmann::json::array();
  for (Joined* j : order) {
    nlohmann::json e = std::move(j->entry);
    e["sections"] = j->sections;
    e["occurrences"] = j->occurrences;
    e["examples"] = nlohmann::json::array();
    for (const auto& [place, o] : j->examples) {
      if (e["examples"].size() == examples) break;
      e["examples"].push_back(o);
    }
    e["first"] = e["examples"].front();
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace ptx::report
