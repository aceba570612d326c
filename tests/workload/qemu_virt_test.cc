// SPDX-License-Identifier: BSD-2-Clause
// The qemu-virt workload generator (workload/qemu_virt.h): deterministic, ops_per_vm ops for each
// of vmids 1..K, every op valid and fitting what is mapped (each address mapped once, except after
// an unmap or as a copy-on-write remap), accepted by every engine variant, descriptors and output
// addresses as the header gives them (s2_descriptor.h), the boot order of the header's steps 1-5,
// step 6's balloon and hot-unplug ops, and the section shapes of both policies.
#include "workload/qemu_virt.h"

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "pagetable/critical_section.h"
#include "pagetable/engine.h"
#include "workload/s2_descriptor.h"

namespace ptx::workload {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr size_t kKernelMaxPages = 8192;  // the kernel Image: up to 32 MiB
constexpr size_t kInitrdMaxPages = 2048;  // the initrd: up to 8 MiB

Workload Make(uint32_t vms, uint64_t seed, uint64_t ops, SectionPolicy policy = SectionPolicy::kSekvm) {
  const StatusOr<Workload> w = make_qemu_virt(QemuVirtOptions{vms, seed, ops, policy});
  EXPECT_TRUE(w.ok()) << w.status().to_string();
  return w.ok() ? *w : Workload{};
}

using OpKey = std::tuple<uint8_t, uint64_t, uint8_t, uint64_t, uint32_t>;
std::vector<OpKey> Keys(const Workload& w) {
  std::vector<OpKey> k;
  for (const WorkloadOp& op : w.ops) k.emplace_back(op.vmid, op.ipa, op.level, op.descriptor, op.line);
  return k;
}

// The ops of VM `vm` in stream (input) order.
std::vector<WorkloadOp> VmOps(const Workload& w, uint32_t vm) {
  std::vector<WorkloadOp> ops;
  for (uint32_t i : w.streams[vm].ops) ops.push_back(w.ops[i]);
  return ops;
}

bool IsDevice(uint64_t ipa) { return ipa >= kVirtGicDist && ipa < kVirtMem; }

constexpr S2Attrs kReadOnly{S2Memory::kNormal, S2Access::kReadOnly, true};

// The descriptor the header documents for `ipa` of VM `vm` at `level` (RAM: as booted).
uint64_t ExpectedDescriptor(uint32_t vm, uint64_t ipa, int level) {
  if (ipa < kVirtGicDist) {  // flash: read-only normal memory, executed in place
    return s2_descriptor(vm * 64 * kGiB + 48 * kGiB + ipa, level, kReadOnly);
  }
  if (IsDevice(ipa)) {
    return s2_descriptor(0xF00000000000ULL + vm * 4 * kGiB + ipa, level,
                         {S2Memory::kDevice, S2Access::kReadWrite, false});
  }
  return s2_descriptor(vm * 64 * kGiB + (ipa - kVirtMem), level, {});
}
// Step 6: replugged or deflated RAM at a new host page, and the host's zero page (read-only).
uint64_t ReplugDescriptor(uint32_t vm, uint64_t ipa, int level) {
  return s2_descriptor(vm * 64 * kGiB + 16 * kGiB + (ipa - kVirtMem), level, {});
}
uint64_t ZeroPage(uint32_t vm) { return s2_descriptor(vm * 64 * kGiB + 56 * kGiB, 3, kReadOnly); }

bool IsDocumented(const WorkloadOp& op) {
  if (op.kind == OpKind::kUnmap) return op.descriptor == 0 && op.ipa >= kVirtMem;
  return op.descriptor == ExpectedDescriptor(op.vmid, op.ipa, op.level) ||
         (op.ipa >= kVirtMem && (op.descriptor == ReplugDescriptor(op.vmid, op.ipa, op.level) ||
                                 (op.level == 3 && op.descriptor == ZeroPage(op.vmid))));
}

// The device pages of the header's step 4, in probe order.
std::vector<uint64_t> ExpectedDevices() {
  std::vector<uint64_t> d{kVirtUart};
  for (uint64_t i = 0; i < 16; ++i) d.push_back(kVirtGicDist + i * PAGE_SIZE);
  for (uint64_t i = 0; i < 2; ++i) d.push_back(kVirtGicCpu + i * PAGE_SIZE);
  d.insert(d.end(), {kVirtRtc, kVirtFwCfg, kVirtGpio});
  for (uint64_t i = 0; i < 4; ++i) d.push_back(kVirtMmio + i * PAGE_SIZE);
  for (uint64_t dev = 0; dev < 32; ++dev) d.push_back(kVirtPcieEcam + (dev << 15));
  for (uint64_t i = 0; i < 16; ++i) d.push_back(kVirtPcieMmio + i * PAGE_SIZE);
  return d;
}

TEST(QemuVirt, SameOptionsGiveTheSameWorkload) {
  for (SectionPolicy p : {SectionPolicy::kSekvm, SectionPolicy::kBatched}) {
    const Workload a = Make(3, 42, 2000, p), b = Make(3, 42, 2000, p);
    EXPECT_EQ(Keys(a), Keys(b));
    EXPECT_EQ(a.description, b.description);
    EXPECT_EQ(a.source, "qemu-virt");
    for (uint32_t vm = 0; vm < kVmCount; ++vm) {
      EXPECT_EQ(a.streams[vm].section_starts, b.streams[vm].section_starts) << vm;
    }
  }
}

TEST(QemuVirt, DifferentSeedsGiveDifferentWorkloads) {
  EXPECT_NE(Keys(Make(3, 1, 2000)), Keys(Make(3, 2, 2000)));
  EXPECT_NE(Keys(Make(1, 1, 2000)), Keys(Make(1, 7, 2000)));
}

TEST(QemuVirt, ThePolicyChangesOnlyTheSections) {
  const Workload s = Make(2, 9, 3000, SectionPolicy::kSekvm), b = Make(2, 9, 3000, SectionPolicy::kBatched);
  EXPECT_EQ(Keys(s), Keys(b));
  EXPECT_EQ(s.section_count(), s.ops.size());
  EXPECT_LT(b.section_count(), b.ops.size());
}

TEST(QemuVirt, OpsPerVmVmidsLinesAndValidity) {
  for (const auto& [vms, ops] : std::vector<std::pair<uint32_t, uint64_t>>{{1, 128}, {4, 1000}, {15, 300}}) {
    const Workload w = Make(vms, 5, ops);
    ASSERT_EQ(w.ops.size(), vms * ops);
    for (uint32_t vm = 0; vm < kVmCount; ++vm) {
      EXPECT_EQ(w.streams[vm].ops.size(), vm >= 1 && vm <= vms ? ops : 0u) << "vm " << vm;
    }
    for (size_t i = 0; i < w.ops.size(); ++i) {
      const WorkloadOp& op = w.ops[i];
      ASSERT_EQ(op.line, i + 1);
      ASSERT_TRUE(check_workload_op(op).ok()) << check_workload_op(op).to_string();
      ASSERT_TRUE(IsDocumented(op)) << std::hex << op.ipa << " " << op.descriptor;
      ASSERT_EQ(op.kind == OpKind::kUnmap, (op.descriptor & kOaMask) == 0);
    }
  }
}

// What a VM has mapped while its ops are replayed: pages (ipa -> descriptor) and blocks.
struct Mapped {
  std::map<uint64_t, uint64_t> pages;
  std::set<uint64_t> blocks;
  bool region_has_pages(uint64_t base) const {
    const auto it = pages.lower_bound(base);
    return it != pages.end() && it->first < base + kBlockSize;
  }
  // An error for an op that does not fit, or "".
  std::string apply(const WorkloadOp& op) {
    const uint64_t region = op.ipa & ~(kBlockSize - 1);
    if (op.kind == OpKind::kUnmap && op.level == 3) return pages.erase(op.ipa) == 1 ? "" : "unmap of no page";
    if (op.kind == OpKind::kUnmap) {
      if (blocks.erase(region) == 1) return "";
      if (!region_has_pages(region)) return "unmap of an empty region";
      pages.erase(pages.lower_bound(region), pages.lower_bound(region + kBlockSize));
      return "";
    }
    if (op.level == 2) return region_has_pages(region) || !blocks.insert(region).second ? "block over a mapping" : "";
    if (blocks.count(region)) return "page under a block";
    const auto [it, fresh] = pages.emplace(op.ipa, op.descriptor);
    if (fresh) return "";
    const bool cow = it->second == ZeroPage(op.vmid) && op.descriptor == ReplugDescriptor(op.vmid, op.ipa, 3);
    it->second = op.descriptor;
    return cow ? "" : "page mapped twice";
  }
};

TEST(QemuVirt, EveryOpFitsWhatIsMapped) {
  const Workload w = Make(3, 11, 20000);
  for (uint32_t vm = 1; vm <= 3; ++vm) {
    Mapped m;
    for (const WorkloadOp& op : VmOps(w, vm)) {
      const std::string err = m.apply(op);
      ASSERT_EQ(err, "") << "vm " << vm << " line " << op.line << " ipa " << std::hex << op.ipa;
    }
    EXPECT_FALSE(m.blocks.empty());  // one RAM region in 8 is a huge page
  }
}

// Every op of every VM is accepted, in input order, by the engine of every variant.
TEST(QemuVirt, EveryEngineVariantAcceptsEveryOp) {
  const Workload w = Make(2, 3, 6000);
  for (const auto& [variant, name] : kEngineVariantNames) {
    Stage2Engine e(SectionPolicy::kSekvm, variant);
    for (const WorkloadOp& op : w.ops) {
      CriticalSection cs;
      ASSERT_EQ(e.open_section(op.vmid, &cs), NptError::kOk);
      ASSERT_EQ(cs.apply(op.map_op()), NptError::kOk) << name << " line " << op.line;
    }
  }
}

// Step 6: the ballooned pages (unmap, the zero page read-only, a new page read/write), the
// unplugged regions (a block and a table-mapped range each, replugged), after the boot, a few % of
// the budget; at the smallest budget too.
TEST(QemuVirt, BalloonAndHotUnplugAfterBoot) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    const uint64_t budget = 20000;
    const Workload w = Make(2, seed, budget);
    for (uint32_t vm = 1; vm <= 2; ++vm) {
      const std::vector<WorkloadOp> ops = VmOps(w, vm);
      size_t first = ops.size(), page_unmaps = 0, region_unmaps = 0, zero = 0, replugged = 0;
      for (size_t i = 0; i < ops.size(); ++i) {
        const WorkloadOp& op = ops[i];
        if (op.kind == OpKind::kUnmap) first = std::min(first, i);
        page_unmaps += op.kind == OpKind::kUnmap && op.level == 3;
        region_unmaps += op.kind == OpKind::kUnmap && op.level == 2;
        zero += op.descriptor == ZeroPage(vm);
        const bool replug = op.kind == OpKind::kMap && op.ipa >= kVirtMem &&
                            op.descriptor == ReplugDescriptor(vm, op.ipa, op.level);
        replugged += replug;
        if (replug || op.descriptor == ZeroPage(vm)) {
          ASSERT_GT(i, first) << "after an unmap";
        }
      }
      EXPECT_EQ(page_unmaps, budget / 100);
      EXPECT_EQ(zero, budget / 100);
      EXPECT_EQ(region_unmaps, 2u) << "a block and a table-mapped region";
      EXPECT_EQ(replugged, budget / 100 + 1 + 16);  // the deflated pages, the block, the pages
      EXPECT_GT(first, ops.size() * 9 / 10) << "after boot";
      EXPECT_LT(ops.size() - first, budget * 6 / 100);
    }
  }
  for (uint64_t budget : {kQemuVirtMinOpsPerVm, uint64_t{200}}) {
    size_t unmaps = 0;
    for (const WorkloadOp& op : VmOps(Make(1, 1, budget), 1)) unmaps += op.kind == OpKind::kUnmap;
    EXPECT_EQ(unmaps, budget == 200 ? 3u : 2u) << "2 pages and a region; a region and the page outside it";
  }
}

TEST(QemuVirt, BootOrderOfEachVm) {
  const Workload w = Make(2, 3, 5000);
  const std::vector<uint64_t> devices = ExpectedDevices();
  for (uint32_t vm = 1; vm <= 2; ++vm) {
    const std::vector<WorkloadOp> ops = VmOps(w, vm);
    size_t i = 0;
    for (; i < 16; ++i) ASSERT_EQ(ops[i].ipa, kVirtFlash + i * PAGE_SIZE);  // 1. firmware
    ASSERT_EQ(ops[i++].ipa, kVirtMem);                                       // 2. boot stub
    size_t kernel = 0;
    while (kernel < kKernelMaxPages && ops[i].ipa == kVirtMem + 2 * kMiB + kernel * PAGE_SIZE) ++kernel, ++i;
    EXPECT_GE(kernel, 1u);
    size_t initrd = 0;  // 3. initrd, then the DTB in the next 2 MiB
    while (initrd < kInitrdMaxPages && ops[i].ipa == kVirtMem + 128 * kMiB + initrd * PAGE_SIZE) ++initrd, ++i;
    EXPECT_GE(initrd, 1u);
    const uint64_t dtb = (kVirtMem + 128 * kMiB + initrd * PAGE_SIZE + kBlockSize - 1) & ~(kBlockSize - 1);
    ASSERT_EQ(ops[i++].ipa, dtb);
    ASSERT_EQ(ops[i++].ipa, dtb + PAGE_SIZE);
    for (uint64_t d : devices) ASSERT_EQ(ops[i++].ipa, d);  // 4. devices in probe order
    for (; i < ops.size(); ++i) {                            // 5. the rest of RAM
      ASSERT_GE(ops[i].ipa, kVirtMem);
      ASSERT_FALSE(ops[i].ipa >= kVirtMem + 2 * kMiB && ops[i].ipa < kVirtMem + 2 * kMiB + kernel * PAGE_SIZE);
    }
    for (const WorkloadOp& op : ops) {
      if (IsDevice(op.ipa)) {
        EXPECT_EQ(op.level, 3);
      }
    }
  }
}

TEST(QemuVirt, DevicesAreDeviceMemoryAndNeverExecutable) {
  const Workload w = Make(2, 4, 1000);
  size_t devices = 0;
  for (const WorkloadOp& op : w.ops) {
    if (op.kind == OpKind::kUnmap) continue;
    const uint64_t memattr = op.descriptor & (uint64_t{0xF} << 2);
    if (IsDevice(op.ipa)) {
      ++devices;
      EXPECT_EQ(memattr, kS2MemAttrDevice) << std::hex << op.ipa;
      EXPECT_NE(op.descriptor & kS2Xn, 0u) << std::hex << op.ipa;
      EXPECT_EQ(op.descriptor & kS2ApRw, kS2ApRw) << std::hex << op.ipa;
    } else {
      EXPECT_EQ(memattr, kS2MemAttrNormalWb) << std::hex << op.ipa;
    }
    if (op.ipa < kVirtGicDist) {
      EXPECT_EQ(op.descriptor & kS2ApRw, kS2ApRead) << "flash is read-only";
    }
  }
  EXPECT_EQ(devices, 2 * ExpectedDevices().size());
}

TEST(QemuVirt, VmsAreInterleavedFromTheStart) {
  const Workload w = Make(4, 8, 1000);
  std::set<uint32_t> seen;
  for (size_t i = 0; i < w.ops.size() / 20; ++i) seen.insert(w.ops[i].vmid);
  EXPECT_EQ(seen, (std::set<uint32_t>{1, 2, 3, 4}));
}

// Section sizes of the VM's stream, in order.
std::vector<size_t> SectionSizes(const Workload& w, uint32_t vm) {
  std::vector<size_t> sizes;
  const VmStream& s = w.streams[vm];
  for (size_t i = 0; i < s.section_count(); ++i) sizes.push_back(s.section_end(i) - s.section_begin(i));
  return sizes;
}

// The sizes batched sections must have: 17 singletons (firmware, stub), the kernel and initrd by
// 8 pages, the rest singletons.
std::vector<size_t> ExpectedBatchedSizes(size_t kernel, size_t initrd, size_t total) {
  std::vector<size_t> sizes(17, 1);
  for (size_t run : {kernel, initrd}) {
    for (size_t k = 0; k < run; k += 8) sizes.push_back(std::min<size_t>(8, run - k));
  }
  sizes.resize(sizes.size() + total - 17 - kernel - initrd, 1);
  return sizes;
}

TEST(QemuVirt, SectionShapesOfBothPolicies) {
  for (uint64_t budget : {uint64_t{128}, uint64_t{1000}, uint64_t{50000}}) {
    const Workload s = Make(2, 6, budget, SectionPolicy::kSekvm);
    const Workload b = Make(2, 6, budget, SectionPolicy::kBatched);
    for (uint32_t vm = 1; vm <= 2; ++vm) {
      EXPECT_EQ(SectionSizes(s, vm), std::vector<size_t>(budget, 1)) << "sekvm: one op per section";
      const std::vector<WorkloadOp> ops = VmOps(b, vm);
      size_t kernel = 0, initrd = 0;
      while (kernel < kKernelMaxPages && ops[17 + kernel].ipa == kVirtMem + 2 * kMiB + kernel * PAGE_SIZE) ++kernel;
      while (initrd < kInitrdMaxPages && ops[17 + kernel + initrd].ipa == kVirtMem + 128 * kMiB + initrd * PAGE_SIZE) {
        ++initrd;  // (an 8 MiB initrd is followed by the DTB right after it)
      }
      EXPECT_GE(kernel, 8u) << budget;
      EXPECT_TRUE(budget != 50000 || initrd == kInitrdMaxPages) << "the largest initrd is covered";
      EXPECT_EQ(SectionSizes(b, vm), ExpectedBatchedSizes(kernel, initrd, budget)) << "budget " << budget;
    }
  }
}

TEST(QemuVirt, RefusesVmCountsAndBudgetsOutOfRange) {
  struct Case {
    uint32_t vms;
    uint64_t ops;
    std::string phrase;
  };
  for (const Case& c : {Case{0, 1000, "--vms 0"}, Case{16, 1000, "--vms 16"}, Case{100, 1000, "--vms 100"},
                        Case{1, kQemuVirtMinOpsPerVm - 1, "--ops 127"}, Case{1, 0, "--ops 0"},
                        Case{1, kQemuVirtMaxOpsPerVm + 1, "--ops 2000001"}}) {
    const StatusOr<Workload> w = make_qemu_virt(QemuVirtOptions{c.vms, 1, c.ops, SectionPolicy::kSekvm});
    ASSERT_FALSE(w.ok()) << c.phrase;
    EXPECT_EQ(w.status().code(), StatusCode::kBadInput);
    EXPECT_NE(w.status().message().find(c.phrase), std::string::npos) << w.status().message();
  }
  EXPECT_TRUE(make_qemu_virt(QemuVirtOptions{15, 1, kQemuVirtMinOpsPerVm, SectionPolicy::kBatched}).ok());
}

// At the largest budget the level-3 tables a VM needs (one per 2 MiB region with pages) fit the
// level-3 pool (5887 tables), as the header promises.
TEST(QemuVirt, LargestBudgetFitsTheLevel3Pool) {
  const Workload w = Make(1, 1, kQemuVirtMaxOpsPerVm);
  ASSERT_EQ(w.ops.size(), kQemuVirtMaxOpsPerVm);
  std::set<uint64_t> regions;
  for (const WorkloadOp& op : w.ops) {
    if (op.level == 3) regions.insert(op.ipa / kBlockSize);
  }
  EXPECT_LE(regions.size(), kPmdPoolPages);
  EXPECT_GT(regions.size(), kPmdPoolPages / 2);  // and the budget does use a good part of it
}

}  // namespace
}  // namespace ptx::workload
