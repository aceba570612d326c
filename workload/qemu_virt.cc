#include "workload/qemu_virt.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include <fmt/format.h>

#include "workload/rng.h"
#include "workload/s2_descriptor.h"

namespace ptx::workload {
namespace {

constexpr uint64_t kGiB = uint64_t{1} << 30;
constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kRegionPages = kBlockSize / PAGE_SIZE;  // 512

constexpr uint64_t kFlashPages = 16;
constexpr uint64_t kKernelOffset = 2 * kMiB;     // Image at RAM base + 2 MiB
constexpr uint64_t kKernelMaxPages = 8192;       // 32 MiB
constexpr uint64_t kInitrdOffset = 128 * kMiB;   // min(ram_size / 2, 128 MiB); RAM >= 256 MiB
constexpr uint64_t kInitrdMaxPages = 2048;       // 8 MiB
constexpr uint64_t kDtbPages = 2;
constexpr uint64_t kVirtioPciDevices = 4;
constexpr uint64_t kVirtioPciBarPages = 4;
constexpr uint64_t kEcamDevices = 32;
constexpr uint64_t kBatchPages = 8;  // pages per section of a range map under --sections batched

constexpr uint64_t host_base(uint32_t vmid) { return uint64_t{vmid} * 64 * kGiB; }
constexpr uint64_t ram_oa(uint32_t vmid, uint64_t ipa) { return host_base(vmid) + (ipa - kVirtMem); }
constexpr uint64_t flash_oa(uint32_t vmid, uint64_t ipa) { return host_base(vmid) + 48 * kGiB + ipa; }
constexpr uint64_t device_oa(uint32_t vmid, uint64_t ipa) {
  return 0xF00000000000ULL + uint64_t{vmid} * 4 * kGiB + ipa;
}

struct Fault {
  uint64_t ipa;
  int level;
  uint64_t descriptor;
  uint64_t group;  // faults of one VM with the same group share a section (batched only)
};

class VmBoot {
 public:
  VmBoot(uint32_t vmid, uint64_t seed, uint64_t budget, SectionPolicy policy)
      : vmid_(vmid), rng_(seed ^ (0xA0761D6478BD642FULL * (vmid + 1))), policy_(policy) {
    build(budget);
  }
  std::vector<Fault>& faults() { return faults_; }
  uint64_t ram_bytes() const { return ram_bytes_; }

 private:
  void single(uint64_t ipa, int level, uint64_t desc) {
    faults_.push_back(Fault{ipa, level, desc, next_group_++});
  }
  void ram_page(uint64_t ipa, bool batch) {
    const uint64_t desc = s2_descriptor(ram_oa(vmid_, ipa), 3, {});
    if (batch && policy_ == SectionPolicy::kBatched) {
      if (batch_fill_ == 0) batch_group_ = next_group_++;
      faults_.push_back(Fault{ipa, 3, desc, batch_group_});
      batch_fill_ = (batch_fill_ + 1) % kBatchPages;
    } else {
      single(ipa, 3, desc);
    }
  }
  void end_batch() { batch_fill_ = 0; }
  void device(uint64_t ipa) {
    single(ipa, 3, s2_descriptor(device_oa(vmid_, ipa), 3, {S2Memory::kDevice, S2Access::kReadWrite, false}));
  }
  void device_range(uint64_t base, uint64_t pages) {
    for (uint64_t i = 0; i < pages; ++i) device(base + i * PAGE_SIZE);
  }

  // The faults of one boot, in order (see the header's steps 1-5).
  void build(uint64_t budget) {
    firmware();
    const uint64_t fixed = kFlashPages + 1 + kDtbPages + device_pages();
    const uint64_t rest = budget - fixed;  // budget >= kQemuVirtMinOpsPerVm > fixed
    const uint64_t kernel = std::min(kKernelMaxPages, std::max<uint64_t>(1, rest / 4));
    const uint64_t initrd = std::min(kInitrdMaxPages, rest / 16);
    used_.assign(kInitrdOffset / kBlockSize + kInitrdMaxPages / kRegionPages + 2, false);
    const uint64_t dtb = boot_images(kernel, initrd);
    devices();
    scatter(rest - kernel - initrd, (dtb - kVirtMem) / kBlockSize);
  }

  // 1. Firmware in flash0.
  void firmware() {
    for (uint64_t i = 0; i < kFlashPages; ++i) {
      const uint64_t ipa = kVirtFlash + i * PAGE_SIZE;
      single(ipa, 3, s2_descriptor(flash_oa(vmid_, ipa), 3, {S2Memory::kNormal, S2Access::kReadOnly, true}));
    }
  }

  void use(uint64_t ipa) { used_[(ipa - kVirtMem) / kBlockSize] = true; }

  // 2-3. Boot stub, the kernel Image front to back, the initrd, then the DTB in the next 2 MiB.
  // Returns the DTB's IPA.
  uint64_t boot_images(uint64_t kernel, uint64_t initrd) {
    ram_page(kVirtMem, false);
    use(kVirtMem);
    for (uint64_t i = 0; i < kernel; ++i) {
      const uint64_t ipa = kVirtMem + kKernelOffset + i * PAGE_SIZE;
      ram_page(ipa, true);
      use(ipa);
    }
    end_batch();
    for (uint64_t i = 0; i < initrd; ++i) {
      const uint64_t ipa = kVirtMem + kInitrdOffset + i * PAGE_SIZE;
      ram_page(ipa, true);
      use(ipa);
    }
    end_batch();
    const uint64_t initrd_end = kVirtMem + kInitrdOffset + initrd * PAGE_SIZE;
    const uint64_t dtb = (initrd_end + kBlockSize - 1) / kBlockSize * kBlockSize;
    for (uint64_t i = 0; i < kDtbPages; ++i) {
      ram_page(dtb + i * PAGE_SIZE, false);
      use(dtb + i * PAGE_SIZE);
    }
    return dtb;
  }

  // 4. Devices, in probe order.
  void devices() {
    device(kVirtUart);
    device_range(kVirtGicDist, 16);
    device_range(kVirtGicCpu, 2);
    device(kVirtRtc);
    device(kVirtFwCfg);
    device(kVirtGpio);
    device_range(kVirtMmio, 4);
    for (uint64_t d = 0; d < kEcamDevices; ++d) device(kVirtPcieEcam + (d << 15));
    for (uint64_t d = 0; d < kVirtioPciDevices; ++d) {
      device_range(kVirtPcieMmio + d * kVirtioPciBarPages * PAGE_SIZE, kVirtioPciBarPages);
    }
  }

  // 5. The rest of RAM, scattered: blocks and random pages of 2 MiB regions, random order.
  void scatter(uint64_t count, uint64_t last_region) {
    std::vector<Fault> scattered;
    scattered.reserve(count);
    std::vector<uint32_t> slots(kRegionPages);
    uint64_t left = count;
    for (uint64_t region = 0; left > 0; ++region) {
      if (region < used_.size() && used_[region]) continue;
      const uint64_t base = kVirtMem + region * kBlockSize;
      last_region = std::max(last_region, region);
      if (rng_.below(8) == 0) {
        scattered.push_back(Fault{base, 2, s2_descriptor(ram_oa(vmid_, base), 2, {}), 0});
        --left;
        continue;
      }
      // Half to all of the region's pages: the level-3 pool (5887 tables) bounds the regions.
      const uint64_t n = std::min(left, kRegionPages / 2 + rng_.below(kRegionPages / 2 + 1));
      std::iota(slots.begin(), slots.end(), 0u);
      for (uint64_t i = 0; i < n; ++i) {  // partial Fisher-Yates: n distinct pages
        std::swap(slots[i], slots[i + rng_.below(kRegionPages - i)]);
        const uint64_t ipa = base + uint64_t{slots[i]} * PAGE_SIZE;
        scattered.push_back(Fault{ipa, 3, s2_descriptor(ram_oa(vmid_, ipa), 3, {}), 0});
      }
      left -= n;
    }
    rng_.shuffle(scattered);
    for (Fault& f : scattered) {
      f.group = next_group_++;
      faults_.push_back(f);
    }
    // RAM size: what the faults reach, rounded up to 256 MiB (at least 256 MiB: the initrd
    // placement assumes it).
    const uint64_t reach = (last_region + 1) * kBlockSize;
    ram_bytes_ = std::max<uint64_t>(256 * kMiB, (reach + 256 * kMiB - 1) / (256 * kMiB) * (256 * kMiB));
  }

  static constexpr uint64_t device_pages() {
    return 1 + 16 + 2 + 1 + 1 + 1 + 4 + kEcamDevices + kVirtioPciDevices * kVirtioPciBarPages;
  }

  uint32_t vmid_;
  SplitMix64 rng_;
  SectionPolicy policy_;
  std::vector<Fault> faults_;
  uint64_t next_group_ = 0;
  uint64_t batch_group_ = 0;
  uint64_t batch_fill_ = 0;
  uint64_t ram_bytes_ = 0;
  std::vector<bool> used_;  // 2 MiB RAM regions the boot images use
};

}  // namespace

StatusOr<Workload> make_qemu_virt(const QemuVirtOptions& o) {
  if (o.vms < 1 || o.vms > kQemuVirtMaxVms) {
    return bad_input("--vms {}: qemu-virt runs 1..{} guests (vmids 1..K; MAX_VM_NUM)", o.vms, kQemuVirtMaxVms);
  }
  if (o.ops_per_vm < kQemuVirtMinOpsPerVm || o.ops_per_vm > kQemuVirtMaxOpsPerVm) {
    return bad_input("--ops {}: qemu-virt needs {}..{} ops per VM", o.ops_per_vm, kQemuVirtMinOpsPerVm,
                     kQemuVirtMaxOpsPerVm);
  }
  std::vector<VmBoot> vms;
  vms.reserve(o.vms);
  for (uint32_t i = 0; i < o.vms; ++i) vms.emplace_back(i + 1, o.seed, o.ops_per_vm, o.policy);

  Workload w;
  w.source = "qemu-virt";
  const double ram_gib = static_cast<double>(vms[0].ram_bytes()) / static_cast<double>(kGiB);
  w.description = fmt::format("qemu-virt, {} VM{} x {} ops (RAM {:.2f} GiB)", o.vms,
                              o.vms == 1 ? "" : "s", o.ops_per_vm, ram_gib);
  // The guests boot at once: merge their fault streams by a seeded random choice weighted by
  // what each has left, so every prefix of the input interleaves all VMs.
  std::vector<size_t> pos(o.vms, 0);
  uint64_t remaining = 0;
  for (VmBoot& v : vms) remaining += v.faults().size();
  w.ops.reserve(remaining);
  SplitMix64 merge(o.seed * 0x2545F4914F6CDD1DULL + 7);
  while (remaining > 0) {
    uint64_t x = merge.below(remaining);
    uint32_t i = 0;
    for (;; ++i) {
      const uint64_t left = vms[i].faults().size() - pos[i];
      if (x < left) break;
      x -= left;
    }
    const Fault& f = vms[i].faults()[pos[i]++];
    --remaining;
    WorkloadOp op;
    op.vmid = static_cast<uint8_t>(i + 1);
    op.ipa = f.ipa;
    op.level = static_cast<uint8_t>(f.level);
    op.descriptor = f.descriptor;
    op.section_id = f.group;
    op.line = static_cast<uint32_t>(w.ops.size() + 1);
    w.ops.push_back(op);
  }
  w.finalize();
  return w;
}

}  // namespace ptx::workload
