// SPDX-License-Identifier: BSD-2-Clause
// Helpers for the TLB pass tests: check a trace of tests/tlb/data/ (or a text) with the TLB pass
// observing the EventChecker, and pick findings.
#ifndef PTX_TESTS_TLB_TLB_UTIL_H_
#define PTX_TESTS_TLB_TLB_UTIL_H_

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "armcheck/casemate_check.h"
#include "tests/support/test_paths.h"
#include "tlb/tlb_pass.h"

namespace ptx::tlb::testing {

inline std::string tlb_data(const std::string& name) { return ::ptx::test::source_dir() + "/tests/tlb/data/" + name; }

struct TlbRun {
  armcheck::CheckResult result;
  std::vector<TlbFinding> findings;
  TlbSummary summary;
  size_t stale_left = 0;
};

inline TlbRun check_stream(std::istream& in, const std::string& name, const TlbOptions& o) {
  TlbPass pass(o);
  armcheck::CheckOptions c;
  c.explore.parallel = false;
  c.observer = &pass;
  StatusOr<armcheck::CasemateRun> run = armcheck::check_casemate(in, name, c, {});
  EXPECT_TRUE(run.ok()) << run.status().to_string();
  TlbRun r;
  if (run.ok()) r.result = std::move(run->result);
  r.findings = pass.findings();
  r.summary = pass.summary();
  r.stale_left = pass.stale_entries();
  return r;
}

inline TlbRun check_file(const std::string& name, const TlbOptions& o = {}) {
  std::ifstream in(tlb_data(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << tlb_data(name);
  return check_stream(in, name, o);
}

inline TlbRun check_text(const std::string& text, const TlbOptions& o = {}) {
  std::istringstream in(text);
  return check_stream(in, "t.trace", o);
}

// The findings other than stale-benign.
inline std::vector<TlbFinding> reported(const TlbRun& r) {
  std::vector<TlbFinding> out;
  for (const TlbFinding& f : r.findings) {
    if (f.verdict != Verdict::kStaleBenign) out.push_back(f);
  }
  return out;
}

inline std::string describe(const std::vector<TlbFinding>& fs) {
  std::string s;
  for (const TlbFinding& f : fs) {
    s += std::string(enum_name(kVerdictNames, f.verdict)) + "/" + std::string(enum_name(kCauseNames, f.cause)) +
         " line " + std::to_string(f.line) + ": " + f.detail + "\n";
  }
  return s;
}

}  // namespace ptx::tlb::testing

#endif  // PTX_TESTS_TLB_TLB_UTIL_H_
