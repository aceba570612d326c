// SPDX-License-Identifier: BSD-2-Clause
// The embedded `qemu-virt` workload: K guests booting on QEMU's Arm `virt` machine under KVM,
// seen from the stage-2 page-table side (the set_npt calls the hypervisor makes on their faults).
//
// Guest physical (IPA) layout, from QEMU hw/arm/virt.c `base_memmap[]` (the layout every
// `-machine virt` guest sees; sizes are the memmap's):
//   0x00000000  VIRT_FLASH        2 x 64 MiB pflash (firmware code / variables)
//   0x08000000  VIRT_GIC_DIST     GIC distributor, 64 KiB
//   0x08010000  VIRT_GIC_CPU      GICv2 CPU interface, 64 KiB (the guest uses the first 8 KiB)
//   0x09000000  VIRT_UART         PL011 UART, 4 KiB
//   0x09010000  VIRT_RTC          PL031 RTC, 4 KiB
//   0x09020000  VIRT_FW_CFG       fw_cfg, 0x18 bytes (one page)
//   0x09030000  VIRT_GPIO         PL061 GPIO, 4 KiB
//   0x0a000000  VIRT_MMIO         32 virtio-mmio transports, 0x200 bytes each (4 pages)
//   0x10000000  VIRT_PCIE_MMIO    32-bit PCIe BAR window
//   0x3f000000  VIRT_PCIE_ECAM    PCIe config space (ECAM, 1 MiB per bus, 4 KiB per function)
//   0x40000000  VIRT_MEM          RAM
//
// What each guest faults in, in order (each fault is one set_npt of the faulting page or block;
// the hypervisor maps on demand, as KVM's user_mem_abort / SeKVM's map_pfn_vm do):
//  1. Firmware: the first 16 pages of flash0, read-only normal memory (the boot ROM / UEFI code
//     executes in place from pflash).
//  2. The boot stub page at the base of RAM (QEMU hw/arm/boot.c writes its small bootloader
//     there), then the kernel Image: QEMU loads an arm64 Image whose text_offset is below the
//     bootloader's size at RAM base + 2 MiB (load_aarch64_image), and Linux's early boot touches
//     it front to back (Documentation/arch/arm64/booting.rst: the Image is one contiguous,
//     2 MiB-aligned region; head.S then maps text, data and bss). A contiguous run of 4 KiB pages
//     (up to 32 MiB).
//  3. The initrd at RAM base + 128 MiB (hw/arm/boot.c: min(ram_size / 2, 128 MiB)) read front
//     to back by the kernel's unpacking (up to 8 MiB), and the DTB in the 2 MiB after it.
//  4. Devices, in the order Linux probes them: UART (earlycon), GIC distributor and CPU
//     interface, RTC, fw_cfg, GPIO, the virtio-mmio transports, the ECAM page of function 0 of
//     every device of bus 0 (the PCI bus scan reads each vendor ID), and the BARs of four
//     virtio-pci devices in the PCIe MMIO window (4 pages each). 4 KiB Device-nGnRE pages.
//     (Under real KVM most emulated devices trap to QEMU instead of being mapped; here they are
//     mapped as a VM with assigned devices would have them, since the model has no trapping.)
//  5. The rest of RAM, scattered: the page allocator hands out pages all over memory, so faults
//     come in random order (a seeded random permutation of the step's faults, computed one fault
//     at a time: workload/keyed_permutation.h). RAM past what steps 2-3 used is cut into 2 MiB regions; one region in
//     8 is backed by a host huge page (THP) and faulted as one 2 MiB block (KVM's
//     transparent_hugepage_adjust), the others get a random number (256..512) of their 4 KiB pages
//     faulted (a guest that has been running a while has touched most of its memory). RAM size
//     follows from the op budget: each level-3 table covers one 2 MiB region, and the level-3 pool
//     (5887 tables per VM) bounds the budget at kQemuVirtMaxOpsPerVm. (The first region is always
//     one of pages.)
//  6. After boot, memory is given back and taken again, as a balloon driver and memory hot-unplug
//     do (about 3% of the budget, 4-6% below 10000 ops):
//     * balloon: budget/100 (at least 1) random pages of the initrd (freed once unpacked) and of
//       step 5 are ballooned out (unmap, level 3: the host takes the page back) and later
//       deflated: the guest reads the page first (KVM maps the host's shared zero page,
//       read-only) and then writes it (copy-on-write: the read-only leaf is replaced by a new
//       host page, read/write — a remap that changes both the output address and the
//       permissions of a valid leaf);
//     * hot-unplug: 1 + budget/100000 random block regions and as many page regions of step 5 are
//       unplugged (one level-2 unmap each: a block, or a range a level-3 table maps) and replugged:
//       a block as a block at a new host huge page, a page region by faulting min(16, budget/100)
//       of its pages (plus what the budget has left over, e.g. when there is no block) back in
//       at new host pages.
//     Each page's and region's ops come in that order; the pages and regions interleave at random.
//     No page is both ballooned and in an unplugged region.
// Descriptors follow s2_descriptor.h; output addresses are per-VM host frames: RAM at
// host_base(vmid) + (ipa - 0x40000000), replugged and deflated RAM (step 6) at host_base(vmid) +
// 16 GiB + (ipa - 0x40000000), the host's zero page at host_base(vmid) + 56 GiB, flash at
// host_base(vmid) + 48 GiB + ipa, devices at 0xF000'0000'0000 + vmid * 4 GiB + ipa, with
// host_base(vmid) = vmid * 64 GiB. Never 0. An unmap's descriptor is 0.
//
// The guests are vmids 1..K (0 is the host, 16 the core hypervisor). They boot at once: the
// input order interleaves their faults (a seeded random merge), so sections of all VMs are
// in flight together. Sections: one op each under --sections sekvm; under batched, the kernel
// Image and the initrd are mapped 8 pages per section (like one range map under one lock), the
// rest (step 6 too) one op per section. The op budget per VM counts every op, unmaps included.
// With the sekvm engine every op is accepted and no section violates the condition; step 6 is
// what exercises the engine variants (engine_variant.h): remaps of valid leaves (bbm,
// two-step-update), unplugged table-mapped regions followed by new level-3 tables (dirty-reuse),
// unmaps and remaps followed by other sections (missing-barrier).
//
// Deterministic from (K, seed, ops per VM): the same arguments give the same workload on every
// machine (a SplitMix64 generator; no std distributions).
#ifndef PTX_WORKLOAD_QEMU_VIRT_H_
#define PTX_WORKLOAD_QEMU_VIRT_H_

#include <cstdint>
#include <memory>

#include "base/status.h"
#include "pagetable/section_policy.h"
#include "workload/workload.h"
#include "workload/workload_stream.h"

namespace ptx::workload {

// Ops per VM of the default run: sized so that `ptx run` with defaults (4 VMs, 8 M ops, fast
// mode) takes about 10 s on 2 cores in a Release build (measured: ~2.3 us of CPU per op for the
// engine and the fast explorer together, ~1 s to generate the workload, ~210 MB resident with
// the workload streamed).
// It is also the most the level-3 pool allows (below), so a faster explorer shortens the run.
inline constexpr uint64_t kQemuVirtDefaultOpsPerVm = 2000000;
// Upper bound of the op budget per VM: the level-3 pool (5887 tables) must hold the page regions
// (about 5200 regions of 384 pages on average, plus blocks, at this bound).
inline constexpr uint64_t kQemuVirtMaxOpsPerVm = 2000000;
// Smallest budget: firmware, stub, one kernel page, initrd/DTB pages and the devices.
inline constexpr uint64_t kQemuVirtMinOpsPerVm = 128;
inline constexpr uint32_t kQemuVirtMaxVms = MAX_VM_NUM;  // vmids 1..15

inline constexpr uint64_t kVirtFlash = 0x00000000;
inline constexpr uint64_t kVirtGicDist = 0x08000000;
inline constexpr uint64_t kVirtGicCpu = 0x08010000;
inline constexpr uint64_t kVirtUart = 0x09000000;
inline constexpr uint64_t kVirtRtc = 0x09010000;
inline constexpr uint64_t kVirtFwCfg = 0x09020000;
inline constexpr uint64_t kVirtGpio = 0x09030000;
inline constexpr uint64_t kVirtMmio = 0x0a000000;
inline constexpr uint64_t kVirtPcieMmio = 0x10000000;
inline constexpr uint64_t kVirtPcieEcam = 0x3f000000;
inline constexpr uint64_t kVirtMem = 0x40000000;

struct QemuVirtOptions {
  uint32_t vms = 4;                                // K: vmids 1..K
  uint64_t seed = 1;
  uint64_t ops_per_vm = kQemuVirtDefaultOpsPerVm;  // total faults of each VM
  SectionPolicy policy = SectionPolicy::kSekvm;
};

// Builds the workload. Errors: kBadInput when vms is not 1..15 or ops_per_vm is outside
// [kQemuVirtMinOpsPerVm, kQemuVirtMaxOpsPerVm]; kInterrupted when SIGINT/SIGTERM arrives while it
// is built (base/interrupt.h; polled between VMs and every 64k ops of the merge).
StatusOr<Workload> make_qemu_virt(const QemuVirtOptions& options);

// The same workload as a stream (workload_stream.h), for runs: the same ops, lines and section
// ids, each VM's sections in its input order, while only the VMs' boots are held: a few thousand
// faults of 4 bytes and step 5's as a set (about 80 bytes a 2 MiB region of RAM) whose random
// order is computed as the sections are pulled (make_qemu_virt's Workload takes 40 bytes an op),
// and the input lines are handed out by the merge as the VMs are pulled. Booting
// the VMs happens here (about 1 s for the default run); restart() boots them again. Errors: as
// make_qemu_virt (its kInterrupted: while the VMs boot).
StatusOr<std::unique_ptr<WorkloadStream>> stream_qemu_virt(const QemuVirtOptions& options);

}  // namespace ptx::workload

#endif  // PTX_WORKLOAD_QEMU_VIRT_H_
