// SPDX-License-Identifier: BSD-2-Clause
// check_valid_lnpt: Coq `valid_lnpt vmid` (SPEC §5), the invariant the Transactional Page Table
// proof assumes, checked on one VM of the engine.
//
// Clauses: the bump pointers lie in their pools and are page aligned; every pool page at or past
// its bump pointer is all zero; every non-zero root/level-1 entry and every level-2 table entry
// of the tree points to an allocated page of the next pool whose recorded parent is that entry;
// every allocated page's recorded parent points back to it (so every allocated page is in the
// tree, and the tree's entries are all in allocated pages).
#ifndef PTX_PAGETABLE_VALID_LNPT_H_
#define PTX_PAGETABLE_VALID_LNPT_H_

#include <string>
#include <vector>

namespace ptx {

class VmNpt;

// Result of Coq `valid_lnpt` for one VM.
struct LnptReport {
  std::vector<std::string> violations;  // one line per violated clause (at most 32), empty when it holds
  bool ok() const { return violations.empty(); }
};

// REQUIRES: the caller holds vm's lock (or no writer runs).
LnptReport check_valid_lnpt(const VmNpt& vm);

}  // namespace ptx

#endif  // PTX_PAGETABLE_VALID_LNPT_H_
