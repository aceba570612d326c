#include "formats/report.h"

#include "formats/atomic_file.h"
#include "formats/json_codec.h"

namespace ptx::formats {

namespace {

// The Arm-trace fields of a section (report.h).
void add_context(nlohmann::json& j, const SectionContext& c) {
  j["tid"] = c.tid;
  j["lock"] = hex(c.lock);
  j["lines"] = {c.first_line, c.last_line};
  j["open_at_end"] = c.open_at_end;
  j["root"] = hex(c.root);
  j["stage"] = c.stage;
  j["barriers"] = c.barriers;
  nlohmann::json& updates = j["updates"];
  for (size_t i = 0; i < updates.size() && i < c.update_lines.size(); ++i) {
    updates[i]["line"] = c.update_lines[i];
    updates[i]["src"] = c.update_srcs[i];
  }
}

}  // namespace

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
  if (cs.context) add_context(j, *cs.context);
  if (!s.barriers.empty()) j["barriers"] = s.barriers;
  if (!s.closing_barrier) j["closing_barrier"] = false;
  if (x.pending > 0) j["pending"] = x.pending;
  return j;
}

namespace {

nlohmann::json head_json(const ReportMeta& meta, const Totals& t, const std::vector<Finding>& findings) {
  nlohmann::json head = nlohmann::json::object();
  head["source"] = meta.source;
  head["mode"] = meta.mode;
  head["compare"] = meta.compare;
  if (meta.casemate) {
    head["format"] = "casemate";
    head["casemate_verdict"] = meta.casemate_verdict ? nlohmann::json(*meta.casemate_verdict) : nlohmann::json(nullptr);
    head["records"] = nlohmann::json::object();
    for (const auto& [kind, n] : meta.records) head["records"][kind] = n;
  } else {
    head["policy"] = meta.policy;
    head["engine"] = meta.engine;
  }
  head["summary"] = {{"ops", t.ops},
                     {"sections", t.sections},
                     {"updates", t.updates},
                     {"sequences", count_json(t.sequences)},
                     {"address_classes", t.address_classes},
                     {"violations", t.violations},
                     {"violating_sections", t.violating_sections},
                     {"transient_faults", t.transient_faults},
                     {"wrong_translations", t.wrong_translations},
                     {"findings", t.findings}};
  if (!meta.tlb_summary.is_null()) head["summary"]["tlb"] = meta.tlb_summary;
  if (!meta.tlb_findings.is_null()) head["tlb_findings"] = meta.tlb_findings;
  head["findings"] = nlohmann::json::array();
  for (const Finding& f : findings) head["findings"].push_back({{"kind", f.kind}, {"line", f.line}, {"detail", f.detail}});
  return head;
}

}  // namespace

Status write_report(const std::string& path, const ReportMeta& meta, const Totals& t,
                    const std::vector<CheckedSection>& sections, const std::vector<Finding>& findings, bool all) {
  // The head's members, then "sections" as the last member, streamed one section per line.
  const nlohmann::json head = head_json(meta, t, findings);
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
