// SPDX-License-Identifier: BSD-2-Clause
// VerdictHelp: one sentence of meaning and one of usual fix for every verdict, TLB cause and
// finding kind ptx gives, the text of SARIF rules (sarif.h) and the short form of the verdict
// reference (docs/verdicts.md, which has an example of each). A verdict with no entry (a finding
// kind added later) gets a generic text that points to docs/verdicts.md.
#ifndef PTX_REPORT_VERDICT_HELP_H_
#define PTX_REPORT_VERDICT_HELP_H_

#include <string>
#include <string_view>

namespace ptx::report {

struct VerdictHelp {
  std::string_view meaning;  // what it means, one sentence
  std::string_view fix;      // the usual fix, one sentence
};

// The help of verdict `verdict` (a violation class, a TLB verdict, a finding kind) and, for a
// stale TLB verdict, its `cause` ("" for none): the verdict's meaning, the cause's fix when the
// cause has one, else the verdict's.
VerdictHelp verdict_help(std::string_view verdict, std::string_view cause = "");

}  // namespace ptx::report

#endif  // PTX_REPORT_VERDICT_HELP_H_
