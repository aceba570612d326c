// SPDX-License-Identifier: BSD-2-Clause
// Signature: what a developer would call "the same bug". Every verdict ptx gives — a violation of
// the Transactional Page Table condition, a TLB verdict, a finding of the Arm-trace check — maps
// to one signature key; occurrences with equal keys are one bug, however many sections, IPAs,
// VMs, threads or runs show it. The rule (docs/signatures.md):
//
//   verdict   the violation's class (transient-fault, wrong-translation), the TLB verdict with its
//             cause (stale-mapping/no-tlbi, ...), or the finding's kind by its name (unlocked-write,
//             mem-read, lock-conflict, and any kind added later: no code names them here)
//   ops       the section's op kinds in order of first appearance ("map", "unmap", "map+unmap");
//             "-" for sections of Arm traces, which have no ops
//   levels    the levels the witness writes (update kinds: "PMD,PTE"), in walk order
//   locations the code location of each witness write, in program order, consecutive repeats
//             collapsed: its `src` (casemate record, Recorder call), else the engine step that
//             made it (pagetable/engine_step.h), else "(unknown)"
//   shape     each witness write as "<KIND> <change>" in program order, repeats collapsed, where the
//             change is link (invalid -> table), map (invalid -> leaf), unmap (leaf -> invalid),
//             unlink (table -> invalid), remap (leaf -> another leaf), retype (table <-> leaf) or
//             none (invalid -> invalid); a write still pending from the previous section (the
//             missing-barrier case, Exploration::pending) is prefixed "pending "
// A violation the before-state itself shows (an empty witness) while the previous section's writes
// are pending is that section's missing barrier, whatever its writes: ops and levels "-",
// locations [kPendingLocation], shape [kPendingShape].
// Entry addresses, IPAs, descriptors, VMs and sequence numbers are not part of a key: they are
// where a bug shows, not which bug it is. TLB verdicts key on verdict, cause, subkind, the entry's
// level and the src of the event where they hold ("engine:SEQ" of an engine section counts as
// "engine"); findings on kind and src.
//
// The key's text is "family|verdict|cause|ops|levels|locations|shape" (lists joined by ", ");
// its id is "S" and 8 hex digits of the text's FNV-1a hash, stable across runs and machines.
#ifndef PTX_REPORT_SIGNATURE_H_
#define PTX_REPORT_SIGNATURE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/enum_names.h"
#include "explorer/exploration.h"
#include "explorer/totals.h"
#include "tlb/finding.h"

namespace ptx::report {

inline constexpr std::string_view kPendingLocation = "the previous section's close (no barrier)";
inline constexpr std::string_view kPendingShape = "pending writes not yet visible";

// Which kind of verdict a signature groups.
enum class Family : uint8_t { kTpt, kTlb, kFinding };
inline constexpr EnumNames<Family, 3> kFamilyNames{{
    {Family::kTpt, "tpt"}, {Family::kTlb, "tlb"}, {Family::kFinding, "finding"}}};

struct SignatureKey {
  Family family = Family::kTpt;
  std::string verdict;  // "wrong-translation", "stale-mapping", "unlocked-write", ...
  std::string cause;    // the TLB verdict's cause (and subkind), else ""
  std::string ops;      // "map", "unmap", "map+unmap", or "-"
  std::string levels;   // "PMD,PTE"; TLB verdicts: the entry's level "L3"; findings: "-"
  std::vector<std::string> locations;
  std::vector<std::string> shape;
  tlb::Severity severity = tlb::Severity::kError;

  // "family|verdict|cause|ops|levels|locations|shape": equal texts, equal keys.
  std::string text() const;
  // "S" + 8 lower-case hex digits of FNV-1a-64(text()) folded to 32 bits.
  std::string id() const;
  // "wrong-translation" or "stale-mapping (no-tlbi)": the verdict as the tables print it.
  std::string verdict_text() const;
  friend bool operator==(const SignatureKey&, const SignatureKey&) = default;
};

// The severity of a violation class: wrong-translation error, transient-fault warning (what
// `--allow transient-faults` lets pass).
tlb::Severity severity_of(ViolationClass c);

// The key of violation `v` of `s`. `s` is in its explored form: with pending writes of the
// previous section (s.exploration.pending > 0) its updates are those writes followed by its own,
// as the witness indexes them (SectionChecker's violation hook). REQUIRES: every witness index
// < s.section.updates.size().
SignatureKey violation_signature(const CheckedSection& s, const Violation& v);

// violation_signature(s, v).text() without building the key: the hot path of a run with millions
// of violations. Same REQUIRES.
std::string violation_key_text(const CheckedSection& s, const Violation& v);

// The key of an Arm-trace finding (armcheck/event_checker.h): family finding, verdict = its kind.
SignatureKey finding_signature(const Finding& f);

// The key of a TLB verdict (tlb/finding.h).
SignatureKey tlb_signature(const tlb::TlbFinding& f);

// The code location of a src: the src itself, except an engine section's event "engine:SEQ",
// which is "engine" (a sequence number is not a location); "" is "(unknown)".
std::string location_of_src(std::string_view src);

}  // namespace ptx::report

#endif  // PTX_REPORT_SIGNATURE_H_
