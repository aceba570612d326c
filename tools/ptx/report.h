// The JSON report of `ptx run --report FILE` / `ptx check --report FILE`.
//
//   {
//     "source": "qemu-virt", "policy": "sekvm", "mode": "fast", "compare": "descriptor",
//     "summary": {"ops": N, "sections": N, "updates": N, "sequences": N, "address_classes": N,
//                 "violations": N, "violating_sections": N},
//     "sections": [
//       {"vmid": 1, "seq": 0,
//        "ops": [{"ipa": "0x40000000", "level": 3, "descriptor": "0x...7ff"}],
//        "updates": [{"kind": "PGD", "entry": "0x...", "old": "0x0", "new": "0x...3"}, ...],
//        "sequences": 65, "address_classes": 1,
//        "target": {"before": 41, "after": 24, "other": 0},
//        "targets": [{"before": 41, "after": 24, "other": 0}],
//        "violations": [{"ipa": "0x...", "before": "0x...", "after": "0x...", "observed": "0x...",
//                        "sequences": N, "witness": [0, 2]}]},
//       ...]
//   }
// `sections` lists every section with --report-all, else only those with a violation, ordered by
// (vmid, seq). `targets` has the counts of each op's own IPA (one per op, in op order); `target`
// is targets[0], the op's counts for a one-op (SeKVM) section. Addresses, entries and descriptors
// are "0x..." strings; counts are JSON numbers, or decimal strings when they exceed 2^64 - 1
// (a(n) does for n >= 21 updates). Nothing in the report depends on the thread count or timing,
// so reports of the same input are byte-identical. Written atomically (atomic_file.h).
#ifndef PTX_TOOLS_PTX_REPORT_H_
#define PTX_TOOLS_PTX_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "explorer/mapping.h"
#include "explorer/section_checker.h"
#include "pagetable/engine.h"
#include "tools/ptx/totals.h"

namespace ptx::cli {

struct ReportMeta {
  std::string source;
  SectionPolicy policy = SectionPolicy::kSekvm;
  ExploreMode mode = ExploreMode::kFast;
  CompareMode compare = CompareMode::kDescriptor;
};

std::string hex(uint64_t v);                        // "0x1f"
nlohmann::json count_json(const BigCount& c);       // number, or decimal string past 2^64 - 1
nlohmann::json section_json(const CheckedSection& s);

// Writes the report to `path` atomically. `sections` ordered by (vmid, seq); with all == false
// only those with violations are written. Throws BadInput on I/O errors (no file left behind).
void write_report(const std::string& path, const ReportMeta& meta, const Totals& totals,
                  const std::vector<CheckedSection>& sections, bool all);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_REPORT_H_
