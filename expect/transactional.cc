// SPDX-License-Identifier: BSD-2-Clause
#include "expect/transactional.h"

#include <fmt/format.h>

#include "explorer/violation_groups.h"
#include "formats/violation_text.h"
#include "tlb/event_fold.h"

namespace ptx::expect {
namespace {

// The failure text: every violation group (of the classes that fail) and every finding.
std::string failure_text(const char* expr, const armcheck::CheckResult& r, bool allow_faults) {
  std::string s = fmt::format("{} recorded {} critical sections: {} violations ({} wrong translations, "
                              "{} transient faults), {} findings\n",
                              expr, r.totals.sections, r.totals.violations, r.totals.wrong_translations,
                              r.totals.transient_faults, r.totals.findings);
  for (const CheckedSection& c : r.kept) {
    const std::vector<ViolationGroup> groups = group_violations(c.exploration);
    for (size_t i = 0; i < groups.size(); ++i) {
      if (allow_faults && groups[i].cls == ViolationClass::kTransientFault) continue;
      s += formats::describe_group(c, groups[i], i + 1, groups.size(), "recorder");
    }
  }
  for (const Finding& f : r.findings) s += fmt::format("finding: recorder event {}: {}: {}\n", f.line, f.kind, f.detail);
  return s;
}

// The TLB errors of the recorded events (Recorder::Options::tlb), one line each, as `ptx check`
// prints them; empty when there is none or the check is off.
StatusOr<std::string> tlb_errors(const Recorder& rec) {
  const Recorder::Options& o = rec.options();
  if (!o.tlb || !o.keep_events || o.check.observer != nullptr) return std::string();
  const std::vector<armtrace::Event> events = rec.events();
  StatusOr<std::vector<tlb::TlbFinding>> found = tlb::fold_events(events, "recorder", o.check);
  if (!found.ok()) return found.status();
  std::string s;
  for (const tlb::TlbFinding& f : *found) {
    if (f.severity() != tlb::Severity::kError) continue;
    s += fmt::format("tlb: recorder event {}: {}: {} (at {}; docs/tlb-model.md)\n", f.line, tlb::verdict_text(f),
                     f.detail, f.src.empty() ? "?" : f.src);
  }
  return s;
}

::testing::AssertionResult check(const char* expr, Recorder& rec, bool allow_faults) {
  StatusOr<armcheck::CheckResult> r = rec.finish();
  if (!r.ok()) return ::testing::AssertionFailure() << expr << ": the recorder failed: " << r.status().to_string();
  StatusOr<std::string> tlb = tlb_errors(rec);
  if (!tlb.ok()) return ::testing::AssertionFailure() << expr << ": the TLB check failed: " << tlb.status().to_string();
  const uint64_t failing = allow_faults ? r->totals.wrong_translations : r->totals.violations;
  if (failing == 0 && r->totals.findings == 0 && tlb->empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << failure_text(expr, *r, allow_faults) << *tlb;
}

}  // namespace

::testing::AssertionResult IsTransactional(const char* expr, Recorder& rec) { return check(expr, rec, false); }

::testing::AssertionResult IsTransactionalExceptTransientFaults(const char* expr, Recorder& rec) {
  return check(expr, rec, true);
}

}  // namespace ptx::expect
