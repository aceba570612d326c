// SPDX-License-Identifier: BSD-2-Clause
// `--from-process PID`: a live process's memory layout as a workload for one VM.
//
// The process's virtual address space stands in for a guest's IPA space: every present page of
// the process becomes a set_npt of that page in VM 1 (so the page tables the explorer checks have
// the shape of a real, sparse, fragmented address space rather than a synthetic one).
//  * /proc/PID/maps gives the mappings and their permissions. Mappings with no access
//    (---p: guard pages, reservations) and addresses at or above 2^48 (x86's [vsyscall]) are
//    skipped; so are mappings larger than 16 GiB (huge reservations: scanning them costs more
//    than they could give), which the description counts.
//  * /proc/PID/pagemap, when it can be read, tells which pages are present (bit 63) and, when the
//    reader may see them (CAP_SYS_ADMIN), their page frame numbers (bits 0..54). When it cannot be
//    read, every page of every kept mapping counts as present. More than 2^22 present pages
//    (16 GiB) is refused as bad input.
//  * An aligned 2 MiB range whose 512 pages are all present with the same permissions becomes
//    one level-2 block; every other present page a level-3 page. Ops are in address order.
//  * Descriptors (s2_descriptor.h): normal write-back memory; S2AP read-only unless the mapping
//    is writable; XN unless it is executable. The output address is the page's real frame when
//    pagemap shows it (for a block: when the 512 frames are contiguous and 2 MiB aligned, as for
//    a transparent huge page), else the virtual address itself (identity; never 0 since page 0
//    is never mapped).
//  * Sections: one op each under --sections sekvm; under batched, up to 8 consecutive pages of
//    one mapping per section.
#ifndef PTX_WORKLOAD_FROM_PROCESS_H_
#define PTX_WORKLOAD_FROM_PROCESS_H_

#include <cstdint>
#include <string>

#include "base/status.h"
#include "pagetable/section_policy.h"
#include "workload/workload.h"

namespace ptx::workload {

inline constexpr uint32_t kFromProcessVmid = 1;

struct FromProcessOptions {
  int64_t pid = 0;
  SectionPolicy policy = SectionPolicy::kSekvm;
  std::string proc_root = "/proc";  // where PID/maps etc. are read; tests point it at a fake tree
};

// Reads the process and builds the workload. Errors (kBadInput, naming --from-process PID): a
// pid <= 0; no such process (PROC/PID/maps missing or empty with no PROC/PID/comm); a maps line
// that is not "START-END PERMS ..."; more than 2^22 present pages; kIoError when pagemap is
// readable at first but a later read fails.
StatusOr<Workload> make_from_process(const FromProcessOptions& options);

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_FROM_PROCESS_H_
