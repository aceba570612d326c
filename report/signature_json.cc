// SPDX-License-Identifier: BSD-2-Clause
#include "report/signature_json.h"

namespace ptx::report {

nlohmann::json occurrence_json(const Occurrence& o) {
  if (o.traced) return {{"line", o.line}, {"vmid", o.vmid}};
  return {{"vmid", o.vmid}, {"seq", o.seq}};  // the section; its input line differs between run and check
}

nlohmann::json signatures_json(const std::vector<SignatureEntry>& entries) {
  nlohmann::json list = nlohmann::json::array();
  for (const SignatureEntry& e : entries) {
    const SignatureKey& k = e.key;
    nlohmann::json j = {{"id", e.id},
                        {"severity", std::string(enum_name(tlb::kSeverityNames, k.severity))},
                        {"family", std::string(enum_name(kFamilyNames, k.family))},
                        {"verdict", k.verdict},
                        {"ops", k.ops},
                        {"levels", k.levels},
                        {"locations", k.locations},
                        {"shape", k.shape},
                        {"sections", e.sections},
                        {"occurrences", e.occurrences},
                        {"first", occurrence_json(e.first())},
                        {"examples", nlohmann::json::array()}};
    if (!k.cause.empty()) j["cause"] = k.cause;
    for (const Occurrence& o : e.examples) j["examples"].push_back(occurrence_json(o));
    list.push_back(std::move(j));
  }
  return list;
}

}  // namespace ptx::report
