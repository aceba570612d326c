// SPDX-License-Identifier: BSD-2-Clause
// Runs an event stream through an EventChecker, with or without the TLB pass (tests).
#ifndef PTX_TESTS_TLB_TLB_RUN_H_
#define PTX_TESTS_TLB_TLB_RUN_H_

#include <set>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "armcheck/event_checker.h"
#include "tlb/tlb_pass.h"

namespace ptx::tlb::testing {

struct Outcome {
  armcheck::CheckResult result;
  std::vector<TlbFinding> findings;
  size_t stale_left = 0;
};

inline Outcome run_events(const std::vector<armtrace::Event>& events, bool tlb, const TlbOptions& o = {}) {
  TlbPass pass(o);
  armcheck::CheckOptions c;
  c.explore.parallel = false;
  if (tlb) c.observer = &pass;
  armcheck::EventChecker checker("r", c);
  for (const armtrace::Event& e : events) {
    const Status s = checker.add(e);
    EXPECT_TRUE(s.ok()) << s.to_string();
    if (!s.ok()) break;
  }
  StatusOr<armcheck::CheckResult> r = checker.finish(std::nullopt, events.size());
  EXPECT_TRUE(r.ok());
  Outcome out;
  if (r.ok()) out.result = std::move(r).value();
  out.findings = pass.findings();
  out.stale_left = pass.stale_entries();
  return out;
}

// (verdict, line, root, ia, level) of each finding but stale-benign; (verdict, line) for the
// verdicts reported once per event (conflicts, frees, vmid reuse), which name the first entry found.
using FindingKey = std::tuple<Verdict, uint64_t, uint64_t, uint64_t, int>;
inline std::set<FindingKey> keys(const std::vector<TlbFinding>& fs) {
  std::set<FindingKey> out;
  for (const TlbFinding& f : fs) {
    if (f.verdict == Verdict::kStaleBenign) continue;
    const bool per_entry = f.verdict == Verdict::kStaleMapping || f.verdict == Verdict::kStalePermission;
    out.emplace(f.verdict, f.line, per_entry ? f.root : 0, per_entry ? f.ia : 0, per_entry ? f.level : 0);
  }
  return out;
}

}  // namespace ptx::tlb::testing

#endif  // PTX_TESTS_TLB_TLB_RUN_H_
