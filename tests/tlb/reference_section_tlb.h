// SPDX-License-Identifier: BSD-2-Clause
// reference_fold: the TLB pass over engine sections as SectionTlb (tlb/section_tlb.h) made it
// before its lean fold — each VM's sections exported as Arm events (armcheck/engine_export.h) and
// folded by a whole armcheck::EventChecker (explore_sections false) whose observer is the VM's
// TlbPass. The checker keeps memory and roots by the general rules of any casemate trace: the
// reference SectionTlb's own memory and roots must agree with (section_tlb_differential_test.cc).
#ifndef PTX_TESTS_TLB_REFERENCE_SECTION_TLB_H_
#define PTX_TESTS_TLB_REFERENCE_SECTION_TLB_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pagetable/section.h"
#include "tlb/finding.h"
#include "tlb/options.h"

namespace ptx::tlb::test {

struct ReferenceFold {
  std::vector<std::string> statuses;  // Status::to_string() of each section's add
  std::vector<TlbFinding> findings;   // as SectionTlb::findings() after finish()
  TlbSummary summary;                 // as SectionTlb::summary()
};

// Adds sections[i] at lines[i] (as SectionTlb::add, labelled `source`), then finishes.
// REQUIRES: lines.size() == sections.size().
ReferenceFold reference_fold(const std::vector<Section>& sections, const std::vector<uint64_t>& lines,
                             const std::string& source, TlbOptions options);

}  // namespace ptx::tlb::test

#endif  // PTX_TESTS_TLB_REFERENCE_SECTION_TLB_H_
