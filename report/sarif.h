// SPDX-License-Identifier: BSD-2-Clause
// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), the log format code-scanning
// services and editors read: `ptx run --sarif FILE`, `ptx check --sarif FILE`.
//
// One run, tool "ptx"; one rule per verdict (and cause) that occurs, ruleId the verdict ("wrong-
// translation", "stale-mapping/no-tlbi", "unlocked-write", ...), with a short description, the
// help text (verdict_help.h) and a default level (error, warning, note). One result per
// signature (signature.h):
//   locations         the src of the witness's first write (a finding's or TLB verdict's: its
//                     record's src) as file and line when the src is "FILE:LINE"; an engine step
//                     (pagetable/engine_step.h) as the file pagetable/engine.cc with the step as
//                     logical location
//   relatedLocations  the witness's other writes, the same way
//   message           the verdict, the IPA and the three mappings (before, observed, after), and
//                     the counts and first occurrence; a finding's or TLB verdict's detail
//   partialFingerprints {"ptxSignature/v1": the signature's id}
//   properties        {"signature", "sections", "occurrences", "first" (as text), "firstAt" (as
//                     signature_json.h writes an occurrence), "severity", "family"}
// A shard's log (`ptx run --shard I/N`) has the run's property bag {"ptxShard": the shard object
// of formats/report.h}; `ptx merge` joins the shards' logs (sarif_merge.h).
// The log's schema is the SARIF 2.1.0 JSON schema (tests/data/sarif/sarif-2.1.0.json, vendored).
#ifndef PTX_REPORT_SARIF_H_
#define PTX_REPORT_SARIF_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "report/signature_table.h"

namespace ptx::report {

struct SarifInfo {
  std::string version;  // ptx's version ("0.1.0")
  std::string source;   // the input, as the summary names it (the occurrences' files)
  nlohmann::json shard = nullptr;  // a shard's facts (formats/report.h ReportMeta::shard), or null
};

// The tail of a result's message: "N occurrences in M sections; first: FIRST".
std::string sarif_counts_text(uint64_t occurrences, uint64_t sections, const std::string& first);

// The log above.
nlohmann::json sarif_log(const std::vector<SignatureEntry>& entries, const SarifInfo& info);

// Writes sarif_log(...) to `path` atomically (formats/atomic_file.h). Errors: kIoError naming
// `path` (nothing left behind).
Status write_sarif(const std::string& path, const std::vector<SignatureEntry>& entries, const SarifInfo& info);

}  // namespace ptx::report

#endif  // PTX_REPORT_SARIF_H_
