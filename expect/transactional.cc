// SPDX-License-Identifier: BSD-2-Clause
#include "expect/transactional.h"

#include <fmt/format.h>

#include "explorer/violation_groups.h"
#include "formats/violation_text.h"

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

::testing::AssertionResult check(const char* expr, Recorder& rec, bool allow_faults) {
  StatusOr<armcheck::CheckResult> r = rec.finish();
  if (!r.ok()) return ::testing::AssertionFailure() << expr << ": the recorder failed: " << r.status().to_string();
  const uint64_t failing = allow_faults ? r->totals.wrong_translations : r->totals.violations;
  if (failing == 0 && r->totals.findings == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << failure_text(expr, *r, allow_faults);
}

}  // namespace

::testing::AssertionResult IsTransactional(const char* expr, Recorder& rec) { return check(expr, rec, false); }

::testing::AssertionResult IsTransactionalExceptTransientFaults(const char* expr, Recorder& rec) {
  return check(expr, rec, true);
}

}  // namespace ptx::expect
