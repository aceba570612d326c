// SPDX-License-Identifier: BSD-2-Clause
// The summary `ptx run` / `ptx check` / `ptx record` print on stdout at the end, e.g.
//   ptx run: qemu-virt, 4 VMs x 250000 ops (RAM 1.00 GiB), 2 threads, mode fast, compare descriptor, sections sekvm
//   ops 1000000  sections 1000000  updates 1012345  sequences 2036035  address classes 1000000  violations 0
//   412.3 k ops/s  412.3 k sections explored/s  wall 2.43 s
//   memory: engine page tables 12.3 MB  peak RSS 45.6 MB (3.71x)      (`ptx run` only)
//   verdict: transactional (no violation)
// With violations, an explored run's bug signatures (report/signature_text.h: a table, then one
// representative of each) come before the verdict; without them (an interrupted run), the first
// few violation groups of the kept sections are described (formats/violation_text.h: the section, its updates decoded, the IPAs, before / observed /
// after and a witness); the first few findings follow them. The verdict line says which of three it is, and names the
// findings:
//   verdict: transactional (no violation)
//   verdict: transactional except transient faults: 3 transient faults in 2 sections
//   verdict: NOT transactional: 4 violations in 3 sections (1 wrong translation, 3 transient faults)
// followed by "; findings: 2 (unlocked-write 1, mem-read 1)" when there are findings, and, with
// `ptx check --tlb on`, by the TLB pass's "; TLB: clean" or "; TLB: 1 conflict, 1 stale mapping"
// (SummaryNotes::tlb_lines before the verdict and SummaryNotes::tlb_verdict as that suffix).
#ifndef PTX_TOOLS_PTX_SUMMARY_H_
#define PTX_TOOLS_PTX_SUMMARY_H_

#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "explorer/totals.h"
#include "run/runner.h"

namespace ptx::cli {

inline constexpr size_t kSummaryGroups = 3;        // violation groups described in the summary
inline constexpr size_t kSummaryViolations = 10;  // findings listed in the summary
inline constexpr size_t kSummarySignatures = 20;  // bug signatures listed (and described) in the summary

// "1.23 M", "456.7 k", "12" (3 significant digits past 1000).
std::string human_rate(double per_second);

// Optional parts of the summary. `ops_name`: what the first count counts ("ops", or "records"
// for a casemate trace). `memory`: a line (without "\n") printed after the rates when not empty
// (memory_line()). `tlb_lines` / `tlb_verdict`: with `ptx check --tlb on`, the TLB findings' lines
// (each ending in "\n") before the verdict and the verdict's suffix.
struct SummaryNotes {
  std::string ops_name = "ops";
  std::string memory;
  std::string tlb_lines;
  std::string tlb_verdict;
  // The bug signatures' table and representatives (report/signature_text.h): when set, printed
  // instead of the violation groups, findings and TLB lines.
  std::optional<std::string> signatures = std::nullopt;
};

// `head`: the first line (without "\n"). `r`: the run's totals, wall time, kept sections (the
// first kSummaryGroups violation groups among them are described) and violation-group count.
// `source`: prefix of kept sections' locations. `explored`: false for `record` (no sequences,
// classes or verdict).
void print_summary(std::FILE* out, const std::string& head, const run::RunOutcome& r,
                   const std::vector<Finding>& findings, const std::string& source, bool explored,
                   const SummaryNotes& notes = {});

// "memory: engine page tables 12.3 MB  peak RSS 45.6 MB (3.71x)": the engine's page-table bytes
// (Stage2Engine::page_table_bytes) and the process's peak RSS (base/process_memory.h), MB = 10^6
// bytes, and their ratio.
std::string memory_line(uint64_t engine_page_table_bytes, uint64_t peak_rss_bytes);

// The verdict line's text after "verdict: " (see above).
std::string verdict_text(const Totals& t, const std::vector<Finding>& findings);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_SUMMARY_H_
