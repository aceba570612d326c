// SPDX-License-Identifier: BSD-2-Clause
#include "report/signature_text.h"

#include <algorithm>

#include <fmt/format.h>

#include "explorer/violation_groups.h"
#include "formats/violation_text.h"

namespace ptx::report {
namespace {

std::string key_line(const SignatureEntry& e) {
  const SignatureKey& k = e.key;
  std::string locations, shape;
  for (const std::string& l : k.locations) locations += (locations.empty() ? "" : ", ") + l;
  for (const std::string& s : k.shape) shape += (shape.empty() ? "" : ", ") + s;
  if (k.family != Family::kTpt) {
    return fmt::format("signature {}: {} {}, level {}, at {}\n", e.id, enum_name(kFamilyNames, k.family),
                       k.verdict_text(), k.levels, locations);
  }
  return fmt::format("signature {}: {}, ops {}, writes {}, at [{}], shape [{}]\n", e.id, k.verdict_text(), k.ops,
                     k.levels, locations, shape);
}

}  // namespace

std::string occurrence_text(const Occurrence& o, const std::string& source) {
  if (o.traced) return fmt::format("{}:{}", source, o.line);
  return fmt::format("vm {} seq {} ({}:{})", o.vmid, o.seq, source, o.line);
}

std::string signature_table_text(const std::vector<SignatureEntry>& entries, const std::string& source, size_t limit) {
  if (entries.empty()) return "";
  std::string s = fmt::format("signatures: {} (severity, verdict, the sections and occurrences that show it, its "
                              "first occurrence; docs/verdicts.md explains each verdict)\n",
                              entries.size());
  s += fmt::format("  {:<10} {:<8} {:<32} {:>9} {:>12}  {}\n", "id", "severity", "verdict", "sections", "occurrences",
                   "first");
  for (size_t i = 0; i < entries.size() && i < limit; ++i) {
    const SignatureEntry& e = entries[i];
    s += fmt::format("  {:<10} {:<8} {:<32} {:>9} {:>12}  {}\n", e.id, enum_name(tlb::kSeverityNames, e.key.severity),
                     (e.key.family == Family::kTpt ? "" : std::string(enum_name(kFamilyNames, e.key.family)) + " ") +
                         e.key.verdict_text(),
                     e.sections, e.occurrences, occurrence_text(e.first(), e.source.empty() ? source : e.source));
  }
  if (entries.size() > limit) {
    s += fmt::format("  ... and {} more signatures (the report lists them all)\n", entries.size() - limit);
  }
  return s;
}

std::string representative_text(const SignatureEntry& e, const std::string& source) {
  std::string s = key_line(e);
  if (e.representative == nullptr) {  // a finding or a TLB verdict: its first occurrence's line
    return s + fmt::format("{}: {}:{}: {}: {}\n", e.key.family == Family::kTlb ? "tlb" : "finding",
                           e.source.empty() ? source : e.source,
                           e.first().line, e.key.family == Family::kTlb ? e.key.verdict_text() : e.key.verdict,
                           e.detail);
  }
  const CheckedSection& c = *e.representative;
  const std::vector<ViolationGroup> groups = group_violations(c.exploration);
  for (size_t i = 0; i < groups.size(); ++i) {
    const std::vector<size_t>& m = groups[i].members;
    if (std::find(m.begin(), m.end(), e.violation) == m.end()) continue;
    s += formats::describe_group(c, groups[i], i + 1, groups.size(), source);
    break;
  }
  if (c.exploration.pending > 0) {
    s += fmt::format("    (updates #0..#{} are the previous section's writes, still pending: it closed without "
                     "its barrier)\n", c.exploration.pending - 1);
  }
  return s;
}

std::string signatures_text(const std::vector<SignatureEntry>& entries, const std::string& source, size_t limit) {
  std::string s = signature_table_text(entries, source, limit);
  for (size_t i = 0; i < entries.size() && i < limit; ++i) s += representative_text(entries[i], source);
  return s;
}

}  // namespace ptx::report
