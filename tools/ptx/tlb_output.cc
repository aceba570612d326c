// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/tlb_output.h"

#include <fmt/format.h>

namespace ptx::cli {

using tlb::TlbFinding;

nlohmann::json tlb_findings_json(const std::vector<TlbFinding>& findings) {
  nlohmann::json out = nlohmann::json::array();
  for (const TlbFinding& f : findings) {
    if (f.verdict == tlb::Verdict::kStaleBenign) continue;
    nlohmann::json j = {{"verdict", enum_name(tlb::kVerdictNames, f.verdict)},
                        {"cause", enum_name(tlb::kCauseNames, f.cause)},
                        {"severity", enum_name(tlb::kSeverityNames, f.severity())},
                        {"line", f.line},
                        {"src", f.src},
                        {"root", fmt::format("{:#x}", f.root)},
                        {"ia", fmt::format("{:#x}", f.ia)},
                        {"level", f.level},
                        {"detail", f.detail}};
    if (!f.subkind.empty()) j["subkind"] = f.subkind;
    out.push_back(std::move(j));
  }
  return out;
}

nlohmann::json tlb_summary_json(const tlb::TlbSummary& s) {
  return {{"errors", s.errors},
          {"warnings", s.warnings},
          {"benign", s.benign},
          {"conflicts", s.conflicts},
          {"multihits", s.multihits},
          {"stale_mappings", s.stale_mappings},
          {"stale_permissions", s.stale_permissions},
          {"freed_while_cached", s.freed},
          {"vmid_reuses", s.vmid_reuses},
          {"tlbis", s.tlbis},
          {"max_stale", s.max_stale}};
}

std::string tlb_lines(const std::vector<TlbFinding>& findings, const std::string& source, size_t limit) {
  std::string s;
  size_t shown = 0, total = 0;
  for (const TlbFinding& f : findings) {
    if (f.verdict == tlb::Verdict::kStaleBenign) continue;
    ++total;
    if (shown == limit) continue;
    ++shown;
    s += fmt::format("tlb: {}:{}: {}: {}\n", source, f.line, tlb::verdict_text(f), f.detail);
  }
  if (total > shown) s += fmt::format("... and {} more TLB findings (the report has them all)\n", total - shown);
  return s;
}

}  // namespace ptx::cli
