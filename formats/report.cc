// SPDX-License-Identifier: BSD-2-Clause
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
  if (!s.maintenance.empty()) j["maintenance"] = s.maintenance;
  if (x.pending > 0) j["pending"] = x.pending;
  return j;
}

std::string report_head_text(const nlohmann::json& head) {
  std::string text = "{";
  for (const auto& [key, value] : head.items()) {
    text += nlohmann::json(key).dump() + ":" + value.dump() + ",";
  }
  return text + std::string(kReportSectionsKey);
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
  } else if (!meta.kernel.engine.empty()) {
    head["engine"] = meta.kernel.engine;
    head["kernel"] = {{"version", meta.kernel.version}, {"vcpus", meta.kernel.vcpus},
                      {"cpu_features", meta.kernel.cpu_features}};
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
  if (!meta.shard.is_null()) head["shard"] = meta.shard;
  if (!meta.signatures.is_null()) {
    head["signatures"] = meta.signatures;
    head["summary"]["signatures"] = meta.signatures.size();
  }
  head["findings"] = nlohmann::json::array();
  for (const Finding& f : findings) head["findings"].push_back({{"kind", f.kind}, {"line", f.line}, {"detail", f.detail}});
  return head;
}

}  // namespace

namespace {

std::string report_start(const ReportMeta& meta, const Totals& t, const std::vector<Finding>& findings) {
  return report_head_text(head_json(meta, t, findings));
}

}  // namespace

Status write_report(const std::string& path, const ReportMeta& meta, const Totals& t,
                    const std::vector<CheckedSection>& sections, const std::vector<Finding>& findings, bool all) {
  AtomicFile out(path);
  PTX_RETURN_IF_ERROR(out.open());
  PTX_RETURN_IF_ERROR(out.write(report_start(meta, t, findings)));
  bool first = true;
  for (const CheckedSection& s : sections) {
    if (!all && s.exploration.violations.empty()) continue;
    std::string text = first ? "\n" : ",\n";
    text += section_json(s).dump();
    PTX_RETURN_IF_ERROR(out.write(text));
    first = false;
  }
  PTX_RETURN_IF_ERROR(out.write(kReportEnd));
  return out.commit();
}

ReportSections::ReportSections(Order order, bool selective) : order_(order), selective_(selective) {}
ReportSections::~ReportSections() = default;

Status ReportSections::add(const CheckedSection& s, uint64_t pos) {
  const uint32_t vm = order_ == Order::kByVm ? s.section.vmid % kVmCount : 0;
  std::unique_ptr<SpoolFile>& spool = vms_[vm];
  if (spool == nullptr) spool = std::make_unique<SpoolFile>("report");
  const std::string text = ",\n" + section_json(s).dump();
  if (selective_) records_[vm].push_back(Record{order_ == Order::kByVm ? s.section.seq : pos, text.size()});
  return spool->append(text);
}

namespace {

// The records of a selective spool that `keep` picks, each ",\n{...}" (the first without its comma).
Status copy_selected(SpoolFile& spool, uint32_t vm, const std::vector<ReportSections::Record>& records,
                     const std::function<bool(uint32_t, uint64_t)>& keep, AtomicFile& out, bool* first) {
  std::vector<size_t> sizes;
  for (const ReportSections::Record& r : records) sizes.push_back(r.bytes);
  size_t i = 0;
  return spool.for_each_record(sizes, [&](std::string_view text) -> Status {
    const uint64_t pos = records[i++].pos;
    if (keep && !keep(vm, pos)) return ok_status();
    PTX_RETURN_IF_ERROR(out.write(text.substr(*first ? 1 : 0)));
    *first = false;
    return ok_status();
  });
}

}  // namespace

Status write_report(const std::string& path, const ReportMeta& meta, const Totals& t, ReportSections& sections,
                    const std::vector<Finding>& findings) {
  AtomicFile out(path);
  PTX_RETURN_IF_ERROR(out.open());
  PTX_RETURN_IF_ERROR(out.write(report_start(meta, t, findings)));
  bool first = true;
  for (uint32_t vm = 0; vm < kVmCount; ++vm) {
    const std::unique_ptr<SpoolFile>& spool = sections.vms_[vm];
    if (spool == nullptr || spool->empty()) continue;
    if (sections.selective_) {
      PTX_RETURN_IF_ERROR(copy_selected(*spool, vm, sections.records_[vm], sections.keep_, out, &first));
      continue;
    }
    PTX_RETURN_IF_ERROR(spool->copy_to(out, first ? 1 : 0));  // the first section has no comma
    first = false;
  }
  PTX_RETURN_IF_ERROR(out.write(kReportEnd));
  return out.commit();
}

}  // namespace ptx::formats
