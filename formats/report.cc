#include "formats/report.h"

#include "formats/atomic_file.h"
#include "formats/json_codec.h"

namespace ptx::formats {

nlohmann::json section_json(const CheckedSection& cs) {
  const Section& s = cs.section;
  const Exploration& x = cs.exploration;
  nlohmann::json j = nlohmann::json::object();
  j["vmid"] = s.vmid;
  j["seq"] = s.seq;
  j["ops"] = s.ops;
  j["updates"] = s.updates;
  j["sequences"] = count_json(x.sequences);
  j["address_classes"] = x.classes.size();
  j["target"] = x.targets.empty() ? nlohmann::json(nullptr) : nlohmann::json(x.targets[0]);
  j["targets"] = x.targets;
  j["violations"] = x.violations;
  if (!s.barriers.empty()) j["barriers"] = s.barriers;
  if (!s.closing_barrier) j["closing_barrier"] = false;
  if (x.pending > 0) j["pending"] = x.pending;
  return j;
}

namespace {

nlohmann::json head_json(const ReportMeta& meta, const Totals& t) {
  nlohmann::json head = nlohmann::json::object();
  head["source"] = meta.source;
  head["policy"] = meta.policy;
  head["engine"] = meta.engine;
  head["mode"] = meta.mode;
  head["compare"] = meta.compare;
  head["summary"] = {{"ops", t.ops},
                     {"sections", t.sections},
                     {"updates", t.updates},
                     {"sequences", count_json(t.sequences)},
                     {"address_classes", t.address_classes},
                     {"violations", t.violations},
                     {"violating_sections", t.violating_sections}};
  return head;
}

}  // namespace

Status write_report(const std::string& path, const ReportMeta& meta, const Totals& t,
                    const std::vector<CheckedSection>& sections, bool all) {
  // The head's members, then "sections" as the last member, streamed one section per line.
  const nlohmann::json head = head_json(meta, t);
  std::string text = "{";
  for (const auto& [key, value] : head.items()) {
    text += nlohmann::json(key).dump() + ":" + value.dump() + ",";
  }
  text += "\"sections\":[";
  AtomicFile out(path);
  PTX_RETURN_IF_ERROR(out.open());
  PTX_RETURN_IF_ERROR(out.write(text));
  bool first = true;
  for (const CheckedSection& s : sections) {
    if (!all && s.exploration.violations.empty()) continue;
    text = first ? "\n" : ",\n";
    text += section_json(s).dump();
    PTX_RETURN_IF_ERROR(out.write(text));
    first = false;
  }
  PTX_RETURN_IF_ERROR(out.write("\n]}\n"));
  return out.commit();
}

}  // namespace ptx::formats
