// SPDX-License-Identifier: BSD-2-Clause
// The readable text of a violation group (explorer/violation_groups.h), as `ptx run`/`ptx check`
// print the first few and the GoogleTest helpers print every one:
//
//   violation group 1 of 1: wrong-translation, vm 1 section 0 (remap.txt:2)
//     ipa 0x40000000 (1 IPA), exposed by 2 of 5 update lists
//     before   0x80000007ff  page 0x80000000 RW
//     observed 0x81000007ff  page 0x81000000 RW
//     after    0x82000007ff  page 0x82000000 RW
//     ops: map 0x40000000 level 3 0x81000007ff; map 0x40000000 level 3 0x82000007ff
//     updates (program order; * = the witness):
//       * #0 PTE 0x11008  0x80000007ff (page 0x80000000 RW) -> 0x81000007ff (page 0x81000000 RW)
//         #1 PTE 0x11008  0x81000007ff (page 0x81000000 RW) -> 0x82000007ff (page 0x82000000 RW)
//     witness: updates [0]: apply them, in any order, to the before-state
//
// Sections of Arm traces show their thread, lock, trace lines, root and each update's src instead
// of ops. Descriptors are decoded with the section's rules (pagetable/describe.h): SeKVM for
// engine sections, Arm for traces.
#ifndef PTX_FORMATS_VIOLATION_TEXT_H_
#define PTX_FORMATS_VIOLATION_TEXT_H_

#include <string>

#include "explorer/totals.h"
#include "explorer/violation_groups.h"
#include "pagetable/geometry.h"

namespace ptx::formats {

// The rules and levels a section's updates are decoded with: Arm (4 levels) for sections of Arm
// traces (they carry a context), SeKVM otherwise.
Geometry display_geometry(const CheckedSection& s);

// The text above for group `g` (number `index` of `count`) of section `s`; `source` names the
// input for the section's position. Every line ends with '\n'.
std::string describe_group(const CheckedSection& s, const ViolationGroup& g, size_t index, size_t count,
                           const std::string& source);

}  // namespace ptx::formats

#endif  // PTX_FORMATS_VIOLATION_TEXT_H_
