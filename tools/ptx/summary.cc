// SPDX-License-Identifier: BSD-2-Clause
#include "tools/ptx/summary.h"

#include <fmt/format.h>

#include <map>

#include "explorer/sequence_count.h"
#include "explorer/violation_groups.h"
#include "formats/violation_text.h"

namespace ptx::cli {

std::string human_rate(double v) {
  if (v >= 1e9) return fmt::format("{:.2f} G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f} k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

namespace {

std::string plural(uint64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace

std::string verdict_text(const Totals& t, const std::vector<Finding>& findings) {
  std::string s;
  if (t.violations == 0) {
    s = "transactional (no violation)";
  } else if (t.wrong_translations == 0) {
    s = fmt::format("transactional except transient faults: {} in {}",
                    plural(t.transient_faults, "transient fault", "transient faults"),
                    plural(t.violating_sections, "section", "sections"));
  } else {
    s = fmt::format("NOT transactional: {} in {} ({}, {})", plural(t.violations, "violation", "violations"),
                    plural(t.violating_sections, "section", "sections"),
                    plural(t.wrong_translations, "wrong translation", "wrong translations"),
                    plural(t.transient_faults, "transient fault", "transient faults"));
  }
  if (findings.empty()) return s;
  std::map<std::string, uint64_t> by_kind;
  for (const Finding& f : findings) ++by_kind[f.kind];
  std::string kinds;
  for (const auto& [kind, n] : by_kind) kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", kind, n);
  return s + fmt::format("; findings: {} ({})", findings.size(), kinds);
}

std::string memory_line(uint64_t engine_page_table_bytes, uint64_t peak_rss_bytes) {
  const double engine = static_cast<double>(engine_page_table_bytes), peak = static_cast<double>(peak_rss_bytes);
  return fmt::format("memory: engine page tables {:.1f} MB  peak RSS {:.1f} MB ({:.2f}x)", engine / 1e6, peak / 1e6,
                     engine > 0 ? peak / engine : 0.0);
}

void print_summary(std::FILE* out, const std::string& head, const run::RunOutcome& r,
                   const std::vector<Finding>& findings, const std::string& source, bool explored,
                   const SummaryNotes& notes) {
  const Totals& t = r.totals;
  const double seconds = r.seconds;
  const std::string& ops_name = notes.ops_name;
  const double secs = seconds > 0 ? seconds : 1e-9;
  std::string s = head + "\n";
  if (!explored) {
    s += fmt::format("ops {}  sections {}  updates {}\n", t.ops, t.sections, t.updates);
    s += fmt::format("{} ops/s  {} sections/s  wall {:.2f} s\n", human_rate(static_cast<double>(t.ops) / secs),
                     human_rate(static_cast<double>(t.sections) / secs), seconds);
    std::fputs(s.c_str(), out);
    return;
  }
  s += fmt::format("{} {}  sections {}  updates {}  sequences {}  address classes {}  violations {}\n", ops_name,
                   t.ops, t.sections, t.updates, short_count(t.sequences), t.address_classes, t.violations);
  s += fmt::format("{} {}/s  {} sections explored/s  wall {:.2f} s\n", human_rate(static_cast<double>(t.ops) / secs),
                   ops_name, human_rate(static_cast<double>(t.sections) / secs), seconds);
  if (!notes.memory.empty()) s += notes.memory + "\n";
  if (notes.signatures) {
    s += *notes.signatures;
  } else {
    uint64_t shown = 0;
    for (const CheckedSection& c : r.kept) {
      const std::vector<ViolationGroup> gs = group_violations(c.exploration);
      for (size_t i = 0; i < gs.size() && shown < kSummaryGroups; ++i, ++shown) {
        s += formats::describe_group(c, gs[i], i + 1, gs.size(), source);
      }
    }
    const uint64_t groups = r.violation_groups;
    if (groups > shown) s += fmt::format("... and {} more violation groups (the report has them all)\n", groups - shown);
    for (size_t i = 0; i < findings.size() && i < kSummaryViolations; ++i) {
      s += fmt::format("finding: {}:{}: {}: {}\n", source, findings[i].line, findings[i].kind, findings[i].detail);
    }
    if (findings.size() > kSummaryViolations) s += fmt::format("... and {} more findings\n", findings.size() - kSummaryViolations);
    s += notes.tlb_lines;
  }
  s += "verdict: " + verdict_text(t, findings) + (notes.tlb_verdict.empty() ? "" : "; " + notes.tlb_verdict) + "\n";
  std::fputs(s.c_str(), out);
}

}  // namespace ptx::cli
