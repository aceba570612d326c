// SPDX-License-Identifier: BSD-2-Clause
// Stage-2 leaf descriptors the workload generators synthesise (qemu-virt, --from-process).
//
// The SeKVM model (SPEC §4) writes whatever 64-bit descriptor it is given; the explorer compares
// descriptors (or translations, explorer/mapping.h). To make generated workloads look like what
// KVM writes on Arm, descriptors follow the VMSAv8-64 stage-2 block/page descriptor format
// (Arm ARM D8.3, "Stage 2 ... descriptor"; Linux arch/arm64/include/asm/kvm_pgtable.h
// KVM_PTE_LEAF_ATTR_*):
//
//   bits [1:0]   0b11 page (level 3), 0b01 block (level 2)
//   bits [5:2]   MemAttr: 0b1111 Normal, Outer+Inner Write-Back (KVM's MT_S2_NORMAL),
//                         0b0001 Device-nGnRE (KVM's MT_S2_DEVICE_nGnRE)
//   bits [7:6]   S2AP: 0b01 read-only, 0b11 read/write
//   bits [9:8]   SH: 0b11 Inner Shareable for normal memory, 0b00 for device memory
//   bit  10      AF (access flag), always set: KVM maps with AF set
//   bits [47:12] output address (OA): page aligned; 2 MiB aligned for a block
//   bit  54      XN: set for device memory (never executable)
//
// So a normal RW page is OA | 0x7FF, a normal RW block OA | 0x7FD, a read-only normal page
// OA | 0x77F and a device page OA | 0x4C7 | 1<<54. None of them is 0, and a block's low bits are
// 0b01, so the engine never mistakes one for a table (pmd_table == 3).
#ifndef PTX_WORKLOAD_S2_DESCRIPTOR_H_
#define PTX_WORKLOAD_S2_DESCRIPTOR_H_

#include <cstdint>

#include "pagetable/constants.h"

namespace ptx::workload {

inline constexpr uint64_t kS2Page = 0b11;
inline constexpr uint64_t kS2Block = 0b01;
inline constexpr uint64_t kS2MemAttrNormalWb = uint64_t{0b1111} << 2;
inline constexpr uint64_t kS2MemAttrDevice = uint64_t{0b0001} << 2;
inline constexpr uint64_t kS2ApRead = uint64_t{0b01} << 6;
inline constexpr uint64_t kS2ApWrite = uint64_t{0b10} << 6;
inline constexpr uint64_t kS2ApRw = kS2ApRead | kS2ApWrite;
inline constexpr uint64_t kS2ShInner = uint64_t{0b11} << 8;
inline constexpr uint64_t kS2Af = uint64_t{1} << 10;
inline constexpr uint64_t kS2Xn = uint64_t{1} << 54;
inline constexpr uint64_t kOaMask = PHYS_MASK & PAGE_MASK;  // bits [47:12]
inline constexpr uint64_t kBlockSize = uint64_t{2} << 20;  // 2 MiB: one level-2 entry

enum class S2Memory : uint8_t { kNormal, kDevice };
enum class S2Access : uint8_t { kReadOnly, kReadWrite };

struct S2Attrs {
  S2Memory memory = S2Memory::kNormal;
  S2Access access = S2Access::kReadWrite;
  bool execute = true;  // device memory is never executable, whatever this says
};

// The stage-2 descriptor mapping `oa` at `level` (2: block, 3: page) with `a`.
// REQUIRES: level is 2 or 3; oa is page aligned (2 MiB aligned for a block) and below 2^48.
constexpr uint64_t s2_descriptor(uint64_t oa, int level, S2Attrs a) {
  uint64_t d = (oa & kOaMask) | (level == 2 ? kS2Block : kS2Page) | kS2Af;
  d |= a.access == S2Access::kReadWrite ? kS2ApRw : kS2ApRead;
  if (a.memory == S2Memory::kNormal) {
    d |= kS2MemAttrNormalWb | kS2ShInner;
    if (!a.execute) d |= kS2Xn;
  } else {
    d |= kS2MemAttrDevice | kS2Xn;
  }
  return d;
}

static_assert(s2_descriptor(0x1000, 3, {}) == (0x1000 | 0x7FF));
static_assert(s2_descriptor(0x200000, 2, {}) == (0x200000 | 0x7FD));
static_assert(s2_descriptor(0x1000, 3, {S2Memory::kNormal, S2Access::kReadOnly, true}) ==
              (0x1000 | 0x77F));
static_assert(s2_descriptor(0x1000, 3, {S2Memory::kDevice, S2Access::kReadWrite, false}) ==
              (0x1000 | 0x4C7 | kS2Xn));

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_S2_DESCRIPTOR_H_
