// SPDX-License-Identifier: BSD-2-Clause
// The oracle of tlb_fold_fuzz (and of tests/tlb/fuzz_regressions_test.cc): the bytes choose an Arm
// page-table event stream (tests/tlb/random_stream.h: each byte picks the next choice of the
// random streams' vocabulary — sections, writes, DSBs, every TLBI op and TTL, VTTBR switches,
// frees), which is folded by the EventChecker with the TLB pass (tlb/tlb_pass.h). Checked: no
// error; the TPT result is the same without the pass; the pass's memory stays bounded by its
// stale set (at most kMaxStale explicit entries, far above what the streams' 6 tables x 4 slots x
// 4 levels can hold); and its verdicts equal those of the brute-force model
// (tests/tlb/brute_tlb.h), the differential test's reference. Options come from the first byte.
#ifndef PTX_FUZZ_TLB_FOLD_ORACLE_H_
#define PTX_FUZZ_TLB_FOLD_ORACLE_H_

#include <string>
#include <string_view>

#include <fmt/format.h>

#include "tests/tlb/brute_tlb.h"
#include "tests/tlb/random_stream.h"
#include "tlb/tlb_pass.h"

namespace ptx::fuzz {

inline constexpr size_t kMaxStale = 4096;
inline constexpr size_t kMaxTlbFoldBytes = 4096;  // longer inputs are cut (time per input)

inline tlb::TlbOptions tlb_options_of(uint8_t b) {
  tlb::TlbOptions o;
  o.ttl = (b & 1) ? tlb::TtlMode::kIgnore : tlb::TtlMode::kStrict;
  o.deadline = (b & 2) ? tlb::Deadline::kEnd : tlb::Deadline::kUnlock;
  o.bbm_level = (b >> 2) % 3;
  return o;
}

// "" when the fold of the stream `bytes` chooses passes every check above.
inline std::string check_tlb_fold(std::string_view bytes) {
  if (bytes.empty()) return "";
  const tlb::TlbOptions o = tlb_options_of(static_cast<uint8_t>(bytes[0]));
  const std::vector<armtrace::Event> events =
      tlb::testing::stream_of_bytes(bytes.substr(1, kMaxTlbFoldBytes));
  tlb::TlbPass pass(o);
  armcheck::CheckOptions with, without;
  with.explore.parallel = without.explore.parallel = false;
  with.observer = &pass;
  armcheck::EventChecker a("fuzz", with), b("fuzz", without);
  size_t most = 0;
  for (const armtrace::Event& e : events) {
    if (Status s = a.add(e); !s.ok()) return "with the TLB pass: " + s.to_string();
    if (Status s = b.add(e); !s.ok()) return "without the TLB pass: " + s.to_string();
    most = std::max(most, pass.stale_entries());
  }
  StatusOr<armcheck::CheckResult> ra = a.finish(std::nullopt, events.size()), rb = b.finish(std::nullopt, events.size());
  if (!ra.ok() || !rb.ok()) return "finish failed";
  if (ra->totals.violations != rb->totals.violations || ra->findings.size() != rb->findings.size() ||
      ra->totals.sequences != rb->totals.sequences) {
    return "the TPT result changes with the TLB pass";
  }
  if (most > kMaxStale) return fmt::format("{} stale entries held at once", most);
  tlb::testing::BruteTlb brute(o);
  for (const armtrace::Event& e : events) brute.add(e);
  brute.finish(events.size());
  if (brute.findings() != tlb::testing::keys(pass.findings())) {
    return fmt::format("the TLB pass finds {} verdicts, the brute-force model {}", tlb::testing::keys(pass.findings()).size(),
                       brute.findings().size());
  }
  return "";
}

}  // namespace ptx::fuzz

#endif  // PTX_FUZZ_TLB_FOLD_ORACLE_H_
