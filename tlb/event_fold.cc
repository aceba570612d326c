// SPDX-License-Identifier: BSD-2-Clause
#include "tlb/event_fold.h"

#include <optional>

#include "tlb/tlb_pass.h"

namespace ptx::tlb {

StatusOr<std::vector<TlbFinding>> fold_events(std::span<const armtrace::Event> events, const std::string& source,
                                              armcheck::CheckOptions check, TlbOptions options) {
  TlbPass pass(options);
  check.observer = &pass;
  check.explore_sections = false;  // the caller explored them: only the pass's verdicts are wanted
  armcheck::EventChecker checker(source, check);
  for (const armtrace::Event& e : events) PTX_RETURN_IF_ERROR(checker.add(e));
  StatusOr<armcheck::CheckResult> r = checker.finish(std::nullopt, events.empty() ? 0 : events.back().line);
  if (!r.ok()) return r.status();
  return pass.findings();
}

}  // namespace ptx::tlb
