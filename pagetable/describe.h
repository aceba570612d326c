// SPDX-License-Identifier: BSD-2-Clause
// Human-readable descriptors, for reports, failure messages and pictures: what an entry is under
// the geometry's rules (classify) and where it points, e.g.
//   "invalid", "invalid (stale bits 0x80000742)", "table -> 0x11000",
//   "page 0x80000000 RW", "block 0x40000000 (2 MiB) RO XN"
// Attributes are decoded as VMSAv8-64 stage-2 leaf attributes (S2AP bits [7:6], XN bit 54,
// MemAttr [5:2] as "dev" for Device memory), which is also how ptx's generated SeKVM descriptors
// are laid out (workload/s2_descriptor.h).
#ifndef PTX_PAGETABLE_DESCRIBE_H_
#define PTX_PAGETABLE_DESCRIBE_H_

#include <cstdint>
#include <string>

#include "pagetable/geometry.h"

namespace ptx {

// `desc` read at walk level `level` of `g`.
std::string describe_descriptor(const Geometry& g, int level, uint64_t desc);

// A size in bytes as "4 KiB", "2 MiB", "1 GiB", "512 GiB" (powers of two), else "N bytes".
std::string size_text(uint64_t bytes);

}  // namespace ptx

#endif  // PTX_PAGETABLE_DESCRIBE_H_
