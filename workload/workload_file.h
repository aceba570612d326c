// SPDX-License-Identifier: BSD-2-Clause
// The workload file format (`ptx run --workload FILE`), one op per line, `#` starts a comment:
//     map <vmid> <ipa> <level> <descriptor>     one set_npt call, in its own critical section
//     unmap <vmid> <ipa> <level>                one clear_npt call, in its own critical section
//     tlbi <vmid> <op>                          a TLBI the section's code issues (Stage2Engine::
//     tlbi <vmid> ipas2e1is <ipa> <level>       maintain), after the writes so far: <op> one of
//                                               kTlbiKindNames; by IPA with the TTL level 1..3
//                                               (0: no hint)
//     dsb <vmid>                                a DSB ISH the section's code issues there
//     begin                                     the ops up to the matching `end` form one
//     end                                       critical section (needs --sections batched)
// A tlbi or dsb line joins the critical section of its VM's previous map or unmap (so it works
// under --sections sekvm), or the begin/end block it is in; it is refused before any op of its VM.
// The engine's own TLB maintenance (pagetable/engine_variant.h) comes first, these lines' steps
// after it.
// Numbers are decimal or 0x-prefixed hexadecimal (base/number.h). Every op is checked when it
// is read (check_workload_op: vmid 0..16, ipa < 2^48 and aligned to the level's granule, level
// 2 or 3; a map's descriptor non-zero and, at level 2, not a table); the engine's dynamic rules
// (no map under a block, pool limits, an unmap must find a mapping, ...) are checked when the op
// runs.
#ifndef PTX_WORKLOAD_WORKLOAD_FILE_H_
#define PTX_WORKLOAD_WORKLOAD_FILE_H_

#include <istream>
#include <string>

#include "base/status.h"
#include "pagetable/section_policy.h"
#include "workload/workload.h"

namespace ptx::workload {

struct ParseOptions {
  SectionPolicy policy = SectionPolicy::kSekvm;  // begin/end is accepted only with kBatched
};

// The longest workload line accepted, in bytes (an op line is under 100).
inline constexpr uint64_t kMaxWorkloadLineBytes = 4096;

// Parses a workload from `in`; `name` labels messages and Workload::source.
// Errors: kBadInput at (name, line) "<what>: <rule>" for the first bad line (a line longer than
// kMaxWorkloadLineBytes, a malformed or unknown line, a map check_workload_op refuses, begin without --sections batched, nested or
// unclosed begin, end without begin, an empty section or one without a map or unmap, ops of two
// VMs in one section, a tlbi or dsb line before any op of its VM, an unknown tlbi operation);
// kIoError when the stream fails.
StatusOr<Workload> parse_workload(std::istream& in, const std::string& name, const ParseOptions& options);

// Opens and parses `path`. Errors: as parse_workload, plus kIoError "PATH: cannot open workload
// file: <why>" and kBadInput "PATH: is a directory, not a workload file".
StatusOr<Workload> load_workload_file(const std::string& path, const ParseOptions& options);

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_WORKLOAD_FILE_H_
