// SPDX-License-Identifier: BSD-2-Clause
// The summary's part about signatures (`ptx run`, `ptx check`): a table, one row per signature,
//
//   signatures: 2 (severity, verdict, sections and occurrences that show it, its first occurrence)
//     id         severity  verdict            sections  occurrences  first
//     S3f9a01c2  error     wrong-translation       800          800  vm 1 seq 19497 (qemu-virt:78004)
//     S0b7d6e11  warning   transient-fault          12           12  vm 2 seq 40 (qemu-virt:161)
//
// then one representative of each in full: the signature's key (signature.h), and for a
// violation its first occurrence's violation group (formats/violation_text.h: the section, its
// writes decoded, the before / observed / after mappings and the witness); for a finding or a TLB
// verdict its first occurrence's line, src and detail. At most `limit` signatures are shown; the
// rest are counted ("... and 3 more signatures (the report lists them all)").
#ifndef PTX_REPORT_SIGNATURE_TEXT_H_
#define PTX_REPORT_SIGNATURE_TEXT_H_

#include <cstddef>
#include <string>
#include <vector>

#include "report/signature_table.h"

namespace ptx::report {

// "vm 1 seq 19497 (qemu-virt:78004)" or "trace.log:44": where `o` is; `source` names the input
// (an entry's own SignatureEntry::source, when set, names it instead).
std::string occurrence_text(const Occurrence& o, const std::string& source);

// The table above (lines ending in '\n'); "" when `entries` is empty.
std::string signature_table_text(const std::vector<SignatureEntry>& entries, const std::string& source, size_t limit);

// The representative of `e` in full (lines ending in '\n').
std::string representative_text(const SignatureEntry& e, const std::string& source);

// The table and the first `limit` representatives.
std::string signatures_text(const std::vector<SignatureEntry>& entries, const std::string& source, size_t limit);

}  // namespace ptx::report

#endif  // PTX_REPORT_SIGNATURE_TEXT_H_
