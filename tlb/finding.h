// SPDX-License-Identifier: BSD-2-Clause
// TlbFinding: one verdict of the TLB pass (TLB-MODEL.md §4), and TlbSummary, their counts.
//
// Verdicts and severities: tlb-conflict, stale-mapping, freed-while-cached, vmid-reuse (errors);
// bbml2-multihit, stale-permission (warnings); stale-benign (info: counted, not listed in reports).
// Stale verdicts carry a `cause` (why the entry is still cached); the others have cause "".
#ifndef PTX_TLB_FINDING_H_
#define PTX_TLB_FINDING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/enum_names.h"

namespace ptx::tlb {

enum class Verdict : uint8_t {
  kTlbConflict, kBbml2Multihit, kStaleMapping, kStalePermission, kStaleBenign, kFreedWhileCached, kVmidReuse,
};
inline constexpr EnumNames<Verdict, 7> kVerdictNames{{
    {Verdict::kTlbConflict, "tlb-conflict"}, {Verdict::kBbml2Multihit, "bbml2-multihit"},
    {Verdict::kStaleMapping, "stale-mapping"}, {Verdict::kStalePermission, "stale-permission"},
    {Verdict::kStaleBenign, "stale-benign"}, {Verdict::kFreedWhileCached, "freed-while-cached"},
    {Verdict::kVmidReuse, "vmid-reuse"}}};

// Why a stale entry is still held (TLB-MODEL.md §4 `cause`). kNone for non-stale verdicts.
enum class Cause : uint8_t {
  kNone, kNoTlbi, kTlbiBeforeDsb, kTtlMismatch, kWrongVmid, kLocalTlbi, kNotCompleted, kNoStage1Tlbi,
};
inline constexpr EnumNames<Cause, 8> kCauseNames{{
    {Cause::kNone, ""}, {Cause::kNoTlbi, "no-tlbi"}, {Cause::kTlbiBeforeDsb, "tlbi-before-dsb"},
    {Cause::kTtlMismatch, "ttl-mismatch"}, {Cause::kWrongVmid, "wrong-vmid"}, {Cause::kLocalTlbi, "local-tlbi"},
    {Cause::kNotCompleted, "not-completed"}, {Cause::kNoStage1Tlbi, "no-stage1-tlbi"}}};

enum class Severity : uint8_t { kInfo, kWarning, kError };
inline constexpr EnumNames<Severity, 3> kSeverityNames{{
    {Severity::kInfo, "info"}, {Severity::kWarning, "warning"}, {Severity::kError, "error"}}};

Severity severity_of(Verdict v);

struct TlbFinding {
  Verdict verdict = Verdict::kStaleMapping;
  Cause cause = Cause::kNone;
  std::string subkind;  // freed-while-cached: "still-linked" when memory still references the page
  uint64_t line = 0;    // the trace line where it first holds (the unlock, the write, the free, ...)
  std::string src;      // that event's src
  uint64_t root = 0;    // the context's root table
  uint64_t ia = 0;      // the entry's input address (IPA or VA) base
  int level = 0;        // the entry's Arm level
  std::string detail;   // one sentence: what is cached, from which write, held by whom
  Severity severity() const { return severity_of(verdict); }
};

struct TlbSummary {
  uint64_t errors = 0, warnings = 0, benign = 0;
  uint64_t conflicts = 0, multihits = 0, stale_mappings = 0, stale_permissions = 0, freed = 0, vmid_reuses = 0;
  uint64_t tlbis = 0;            // TLBI records seen
  uint64_t max_stale = 0;        // the largest number of explicit stale entries held at once
};

TlbSummary summarize(const std::vector<TlbFinding>& findings);

// The finding's verdict as the summary and EXPECT_TRANSACTIONAL print it: "stale-mapping
// (no-tlbi)", or the verdict alone when it has no cause ("tlb-conflict").
std::string verdict_text(const TlbFinding& f);

// The verdict line's TLB part: "TLB: clean" or "TLB: 1 conflict, 1 stale mapping" (errors and
// warnings, in the order of Verdict; benign entries are not named).
std::string verdict_suffix(const TlbSummary& s);

}  // namespace ptx::tlb

#endif  // PTX_TLB_FINDING_H_
