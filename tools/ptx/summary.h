// The summary `ptx run` / `ptx check` / `ptx record` print on stdout at the end, e.g.
//   ptx run: qemu-virt, 4 VMs x 250000 ops (RAM 1.00 GiB), 2 threads, mode fast, compare descriptor, sections sekvm
//   ops 1000000  sections 1000000  updates 1012345  sequences 2036035  address classes 1000000  violations 0
//   412.3 k ops/s  412.3 k sections explored/s  wall 2.43 s
//   memory: engine page tables 12.3 MB  peak RSS 45.6 MB (3.71x)      (`ptx run` only)
//   verdict: transactional (no violation)
// With violations, the first few violation groups of the kept sections are described before the
// verdict (formats/violation_text.h: the section, its updates decoded, the IPAs, before / observed /
// after and a witness); the first few findings follow them. The verdict line says which of three it is, and names the
// findings:
//   verdict: transactional (no violation)
//   verdict: transactional except transient faults: 3 transient faults in 2 sections
//   verdict: NOT transactional: 4 violations in 3 sections (1 wrong translation, 3 transient faults)
// followed by "; findings: 2 (unlocked-write 1, mem-read 1)" when there are findings.
#ifndef PTX_TOOLS_PTX_SUMMARY_H_
#define PTX_TOOLS_PTX_SUMMARY_H_

#include <cstdio>
#include <string>
#include <vector>

#include "explorer/totals.h"

namespace ptx::cli {

inline constexpr size_t kSummaryGroups = 3;        // violation groups described in the summary
inline constexpr size_t kSummaryViolations = 10;  // findings listed in the summary

// "1.23 M", "456.7 k", "12" (3 significant digits past 1000).
std::string human_rate(double per_second);

// `head`: the first line (without "\n"). `source`: prefix of kept sections' locations.
// `explored`: false for `record` (no sequences, classes or verdict). `memory`: a line (without
// "\n") printed after the rates when not empty (memory_line()).
void print_summary(std::FILE* out, const std::string& head, const Totals& t,
                   const std::vector<CheckedSection>& kept, const std::vector<Finding>& findings,
                   const std::string& source, double seconds, bool explored, std::string_view ops_name = "ops",
                   const std::string& memory = "");

// "memory: engine page tables 12.3 MB  peak RSS 45.6 MB (3.71x)": the engine's page-table bytes
// (Stage2Engine::page_table_bytes) and the process's peak RSS (base/process_memory.h), MB = 10^6
// bytes, and their ratio.
std::string memory_line(uint64_t engine_page_table_bytes, uint64_t peak_rss_bytes);

// The verdict line's text after "verdict: " (see above).
std::string verdict_text(const Totals& t, const std::vector<Finding>& findings);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_SUMMARY_H_
