// SPDX-License-Identifier: BSD-2-Clause
// The report's "signatures" list (formats/report.h): one object per signature, in the order of
// SignatureTable::entries():
//   {"id": "S3f9a01c2", "severity": "error", "family": "tpt", "verdict": "wrong-translation",
//    "cause": "no-tlbi" (only where there is one), "ops": "map", "levels": "PTE",
//    "locations": ["set_npt:attributes-first"], "shape": ["PTE remap"],
//    "sections": N, "occurrences": N, "first": Occurrence, "examples": [Occurrence...]}
// An Occurrence is {"vmid": V, "seq": S} for an engine section or a ptx trace's (not its input
// line: `ptx check` of a recorded trace writes the run's report byte for byte), and
// {"line": L, "vmid": ID} for an Arm trace's (its first line, its root's VMID or ASID). `examples`
// holds up to --examples N of them (the first among them), each a section whose record is in the
// report's "sections" (a finding's or TLB verdict's record is in "findings" / "tlb_findings").
#ifndef PTX_REPORT_SIGNATURE_JSON_H_
#define PTX_REPORT_SIGNATURE_JSON_H_

#include <vector>

#include <nlohmann/json.hpp>

#include "report/signature_table.h"

namespace ptx::report {

nlohmann::json occurrence_json(const Occurrence& o);

// The list above.
nlohmann::json signatures_json(const std::vector<SignatureEntry>& entries);

}  // namespace ptx::report

#endif  // PTX_REPORT_SIGNATURE_JSON_H_
