#include "tools/ptx/report.h"

#include <fmt/format.h>

#include "tools/ptx/atomic_file.h"
#include "tools/ptx/section_policy.h"

namespace ptx::cli {

std::string hex(uint64_t v) { return fmt::format("{:#x}", v); }

nlohmann::json count_json(const BigCount& c) {
  if (c >= 0 && c <= std::numeric_limits<uint64_t>::max()) return c.convert_to<uint64_t>();
  return to_string(c);
}

namespace {

nlohmann::json counts_json(const Counts& c) {
  return {{"before", count_json(c.before)}, {"after", count_json(c.after)},
          {"other", count_json(c.other)}};
}

}  // namespace

nlohmann::json section_json(const CheckedSection& cs) {
  const Section& s = cs.section;
  const Exploration& x = cs.exploration;
  nlohmann::json ops = nlohmann::json::array();
  for (const MapOp& op : s.ops) {
    ops.push_back({{"ipa", hex(op.ipa)}, {"level", op.level}, {"descriptor", hex(op.descriptor)}});
  }
  nlohmann::json updates = nlohmann::json::array();
  for (const Update& u : s.updates) {
    updates.push_back({{"kind", std::string(update_kind_name(u.kind))},
                       {"entry", hex(u.entry)},
                       {"old", hex(u.old_value)},
                       {"new", hex(u.new_value)}});
  }
  nlohmann::json targets = nlohmann::json::array();
  for (const Counts& c : x.targets) targets.push_back(counts_json(c));
  nlohmann::json violations = nlohmann::json::array();
  for (const Violation& v : x.violations) {
    violations.push_back({{"ipa", hex(v.ipa)},
                          {"before", hex(v.before)},
                          {"after", hex(v.after)},
                          {"observed", hex(v.observed)},
                          {"sequences", count_json(v.sequences)},
                          {"witness", v.witness}});
  }
  nlohmann::json j = nlohmann::json::object();
  j["vmid"] = s.vmid;
  j["seq"] = s.seq;
  j["ops"] = std::move(ops);
  j["updates"] = std::move(updates);
  j["sequences"] = count_json(x.sequences);
  j["address_classes"] = x.classes.size();
  j["target"] = x.targets.empty() ? nlohmann::json(nullptr) : counts_json(x.targets[0]);
  j["targets"] = std::move(targets);
  j["violations"] = std::move(violations);
  return j;
}

void write_report(const std::string& path, const ReportMeta& meta, const Totals& t,
                  const std::vector<CheckedSection>& sections, bool all) {
  nlohmann::json head = nlohmann::json::object();
  head["source"] = meta.source;
  head["policy"] = std::string(section_policy_name(meta.policy));
  head["mode"] = std::string(explore_mode_name(meta.mode));
  head["compare"] = std::string(compare_mode_name(meta.compare));
  head["summary"] = {{"ops", t.ops},
                     {"sections", t.sections},
                     {"updates", t.updates},
                     {"sequences", count_json(t.sequences)},
                     {"address_classes", t.address_classes},
                     {"violations", t.violations},
                     {"violating_sections", t.violating_sections}};
  std::string text = head.dump();
  text.pop_back();  // the closing '}': sections follow, one per line
  text += ",\"sections\":[";
  AtomicFile out(path);
  out.write(text);
  bool first = true;
  std::string line;
  for (const CheckedSection& s : sections) {
    if (!all && s.exploration.violations.empty()) continue;
    line = first ? "\n" : ",\n";
    line += section_json(s).dump();
    out.write(line);
    first = false;
  }
  out.write("\n]}\n");
  out.commit();
}

}  // namespace ptx::cli
