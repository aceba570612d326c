#include "tools/ptx/summary.h"

#include <fmt/format.h>

#include "explorer/sequence_count.h"

namespace ptx::cli {

std::string human_rate(double v) {
  if (v >= 1e9) return fmt::format("{:.2f} G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f} M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f} k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

void print_summary(std::FILE* out, const std::string& head, const Totals& t,
                   const std::vector<CheckedSection>& kept, const std::string& source,
                   double seconds, bool explored) {
  const double secs = seconds > 0 ? seconds : 1e-9;
  std::string s = head + "\n";
  if (!explored) {
    s += fmt::format("ops {}  sections {}  updates {}\n", t.ops, t.sections, t.updates);
    s += fmt::format("{} ops/s  {} sections/s  wall {:.2f} s\n",
                     human_rate(static_cast<double>(t.ops) / secs),
                     human_rate(static_cast<double>(t.sections) / secs), seconds);
    std::fputs(s.c_str(), out);
    return;
  }
  s += fmt::format("ops {}  sections {}  updates {}  sequences {}  address classes {}  violations {}\n",
                   t.ops, t.sections, t.updates, to_string(t.sequences), t.address_classes,
                   t.violations);
  s += fmt::format("{} ops/s  {} sections explored/s  wall {:.2f} s\n",
                   human_rate(static_cast<double>(t.ops) / secs),
                   human_rate(static_cast<double>(t.sections) / secs), seconds);
  size_t listed = 0;
  for (const CheckedSection& c : kept) {
    for (const Violation& v : c.exploration.violations) {
      if (listed == kSummaryViolations) break;
      std::string witness;
      for (size_t i = 0; i < v.witness.size(); ++i) {
        witness += fmt::format("{}{}", i ? ", " : "", v.witness[i]);
      }
      s += fmt::format(
          "violation: vmid {} seq {} ({}:{}): ipa {:#x} before {:#x} after {:#x} observed {:#x} "
          "in {} sequences; witness: updates [{}]\n",
          c.section.vmid, c.section.seq, source, c.line, v.ipa, v.before, v.after, v.observed,
          to_string(v.sequences), witness);
      ++listed;
    }
  }
  if (t.violations > listed) s += fmt::format("... and {} more violations\n", t.violations - listed);
  if (t.violations == 0) {
    s += "verdict: transactional (no violation)\n";
  } else {
    s += fmt::format("verdict: NOT transactional: {} violation{} in {} section{}\n", t.violations,
                     t.violations == 1 ? "" : "s", t.violating_sections,
                     t.violating_sections == 1 ? "" : "s");
  }
  std::fputs(s.c_str(), out);
}

}  // namespace ptx::cli
