// SPDX-License-Identifier: BSD-2-Clause
// The TLB pass's part of `--tlb on` output (`ptx check`, `ptx run`) (TLB-MODEL.md §4 "Output"): the report's
// `tlb_findings` list and `summary.tlb` object, and the summary's TLB lines.
#ifndef PTX_TOOLS_PTX_TLB_OUTPUT_H_
#define PTX_TOOLS_PTX_TLB_OUTPUT_H_

#include <string>

#include <nlohmann/json.hpp>

#include "tlb/tlb_pass.h"

namespace ptx::cli {

// [{verdict, cause, severity, line, src, root, ia, level, detail}...] (+ "subkind" when set);
// stale-benign entries are counted in summary.tlb only.
nlohmann::json tlb_findings_json(const std::vector<tlb::TlbFinding>& findings);
// {errors, warnings, benign, conflicts, multihits, stale_mappings, stale_permissions,
//  freed_while_cached, vmid_reuses, tlbis, max_stale}
nlohmann::json tlb_summary_json(const tlb::TlbSummary& s);
// "tlb: SOURCE:LINE: verdict (cause): detail\n" for the first `limit` errors and warnings.
std::string tlb_lines(const std::vector<tlb::TlbFinding>& findings, const std::string& source, size_t limit);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_TLB_OUTPUT_H_
