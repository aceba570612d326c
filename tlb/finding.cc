// SPDX-License-Identifier: BSD-2-Clause
#include "tlb/finding.h"

#include <fmt/format.h>

namespace ptx::tlb {

Severity severity_of(Verdict v) {
  switch (v) {
    case Verdict::kBbml2Multihit:
    case Verdict::kStalePermission: return Severity::kWarning;
    case Verdict::kStaleBenign: return Severity::kInfo;
    default: return Severity::kError;
  }
}

TlbSummary summarize(const std::vector<TlbFinding>& findings) {
  TlbSummary s;
  for (const TlbFinding& f : findings) {
    const Severity sev = f.severity();
    (sev == Severity::kError ? s.errors : sev == Severity::kWarning ? s.warnings : s.benign) += 1;
    switch (f.verdict) {
      case Verdict::kTlbConflict: ++s.conflicts; break;
      case Verdict::kBbml2Multihit: ++s.multihits; break;
      case Verdict::kStaleMapping: ++s.stale_mappings; break;
      case Verdict::kStalePermission: ++s.stale_permissions; break;
      case Verdict::kStaleBenign: break;
      case Verdict::kFreedWhileCached: ++s.freed; break;
      case Verdict::kVmidReuse: ++s.vmid_reuses; break;
    }
  }
  return s;
}

std::string verdict_text(const TlbFinding& f) {
  std::string s(enum_name(kVerdictNames, f.verdict));
  const std::string_view cause = enum_name(kCauseNames, f.cause);
  if (!cause.empty()) s += " (" + std::string(cause) + ")";
  return s;
}

std::string verdict_suffix(const TlbSummary& s) {
  const struct { uint64_t n; const char* one; const char* many; } parts[] = {
      {s.conflicts, "conflict", "conflicts"},
      {s.multihits, "bbml2 multihit", "bbml2 multihits"},
      {s.stale_mappings, "stale mapping", "stale mappings"},
      {s.stale_permissions, "stale permission", "stale permissions"},
      {s.freed, "freed while cached", "freed while cached"},
      {s.vmid_reuses, "vmid reuse", "vmid reuses"},
  };
  std::string out;
  for (const auto& p : parts) {
    if (p.n == 0) continue;
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", p.n, p.n == 1 ? p.one : p.many);
  }
  return "TLB: " + (out.empty() ? std::string("clean") : out);
}

}  // namespace ptx::tlb
