#include "workload/qemu_virt.h"

#include <algorithm>
#include <cassert>
#include <numeric>
#include <set>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "base/interrupt.h"
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
constexpr uint64_t kReplugPages = 16;  // at most, pages faulted back into a replugged table-mapped region

constexpr uint64_t host_base(uint32_t vmid) { return uint64_t{vmid} * 64 * kGiB; }
constexpr uint64_t ram_oa(uint32_t vmid, uint64_t ipa) { return host_base(vmid) + (ipa - kVirtMem); }
constexpr uint64_t flash_oa(uint32_t vmid, uint64_t ipa) { return host_base(vmid) + 48 * kGiB + ipa; }
constexpr uint64_t device_oa(uint32_t vmid, uint64_t ipa) {
  return 0xF00000000000ULL + uint64_t{vmid} * 4 * kGiB + ipa;
}
constexpr uint64_t replug_oa(uint32_t vmid, uint64_t ipa) { return host_base(vmid) + 16 * kGiB + (ipa - kVirtMem); }
constexpr uint64_t zero_page_oa(uint32_t vmid) { return host_base(vmid) + 56 * kGiB; }

struct Fault {
  uint64_t ipa;
  int level;
  uint64_t descriptor;
  uint64_t group;  // faults of one VM with the same group share a section (batched only)
  OpKind kind = OpKind::kMap;
};

// The ops of step 6 (header): balloon pages, unplugged regions of each kind (block, table), and
// the pages faulted back into each replugged table-mapped region.
struct Churn {
  uint64_t ops = 0;
  uint64_t balloon = 0;
  uint64_t regions = 0;
  uint64_t replug = 0;
};

Churn churn_of(uint64_t budget) {
  Churn c;
  c.balloon = std::max<uint64_t>(1, budget / 100);
  c.regions = 1 + budget / 100000;
  c.replug = std::min<uint64_t>(kReplugPages, std::max<uint64_t>(1, budget / 100));
  c.ops = 3 * c.balloon + c.regions * (2 + 1 + c.replug);
  return c;
}

class VmBoot {
 public:
  VmBoot(uint32_t vmid, uint64_t seed, uint64_t budget, SectionPolicy policy)
      : vmid_(vmid), rng_(seed ^ (0xA0761D6478BD642FULL * (vmid + 1))), policy_(policy), churn_(churn_of(budget)) {
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
    scatter(rest - kernel - initrd - churn_.ops, (dtb - kVirtMem) / kBlockSize);
    if (interrupted()) return;  // a partial boot: make_qemu_virt returns kInterrupted
    after_boot();
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
    initrd_begin_ = faults_.size();
    for (uint64_t i = 0; i < initrd; ++i) {
      const uint64_t ipa = kVirtMem + kInitrdOffset + i * PAGE_SIZE;
      ram_page(ipa, true);
      use(ipa);
    }
    initrd_end_ = faults_.size();
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
      if (region % 64 == 0 && interrupted()) return;
      if (region < used_.size() && used_[region]) continue;
      const uint64_t base = kVirtMem + region * kBlockSize;
      last_region = std::max(last_region, region);
      // (The first region is always pages, so that step 6 has a table-mapped region to unplug.)
      if (rng_.below(8) == 0 && !page_regions_.empty()) {
        scattered.push_back(Fault{base, 2, s2_descriptor(ram_oa(vmid_, base), 2, {}), 0});
        block_regions_.push_back(base);
        --left;
        continue;
      }
      page_regions_.push_back(base);
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
    scatter_begin_ = faults_.size();
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

  // 6. After boot (header step 6): exactly churn_.ops faults, the chains of each page and region
  // in order, the chains interleaved at random.
  void after_boot() {
    std::vector<std::vector<Fault>> chains;
    const std::vector<uint64_t> tables = pick(page_regions_, churn_.regions);
    for (uint64_t b : pick(block_regions_, churn_.regions)) {
      chains.push_back({unmap(b, 2), Fault{b, 2, s2_descriptor(replug_oa(vmid_, b), 2, {}), 0}});
    }
    for (uint64_t ipa : balloon_pages(tables)) {
      const uint64_t zero = s2_descriptor(zero_page_oa(vmid_), 3, {S2Memory::kNormal, S2Access::kReadOnly, true});
      chains.push_back({unmap(ipa, 3), Fault{ipa, 3, zero, 0}, Fault{ipa, 3, replug_descriptor(ipa), 0}});
    }
    uint64_t used = 0;
    for (const auto& c : chains) used += c.size();
    // The table-mapped regions, unplugged, then replugged page by page: the rest of the budget
    // (churn_.replug each, plus what missing blocks or balloon pages leave; far below 512).
    assert(!tables.empty() && churn_.ops - used >= 2 * tables.size());
    uint64_t left = churn_.ops - used - tables.size();
    for (size_t i = 0; i < tables.size(); ++i) {
      const uint64_t pages = left / (tables.size() - i);
      chains.push_back(replug_region(tables[i], pages));
      left -= pages;
    }
    interleave(chains);
  }

  Fault unmap(uint64_t ipa, int level) const { return Fault{ipa, level, 0, 0, OpKind::kUnmap}; }
  uint64_t replug_descriptor(uint64_t ipa) const { return s2_descriptor(replug_oa(vmid_, ipa), 3, {}); }

  // Up to n distinct elements of `from`, at random.
  std::vector<uint64_t> pick(std::vector<uint64_t> from, uint64_t n) {
    n = std::min<uint64_t>(n, from.size());
    for (uint64_t i = 0; i < n; ++i) std::swap(from[i], from[i + rng_.below(from.size() - i)]);
    from.resize(n);
    return from;
  }

  // Up to churn_.balloon distinct pages of the initrd (freed once unpacked) and of step 5, outside
  // the `unplugged` regions, at random (Floyd's sample of ranks among the eligible pages).
  std::vector<uint64_t> balloon_pages(const std::vector<uint64_t>& unplugged) {
    const std::unordered_set<uint64_t> skip(unplugged.begin(), unplugged.end());
    auto visit = [&](auto&& f) {  // the eligible pages, in the same order each time
      const size_t first = initrd_begin_ < initrd_end_ ? initrd_begin_ : scatter_begin_;
      for (size_t i = first; i < faults_.size(); i = i + 1 == initrd_end_ ? scatter_begin_ : i + 1) {
        if (faults_[i].level == 3 && skip.count(faults_[i].ipa & ~(kBlockSize - 1)) == 0) f(faults_[i].ipa);
      }
    };
    uint64_t n = 0;
    visit([&](uint64_t) { ++n; });
    const uint64_t k = std::min(churn_.balloon, n);
    std::set<uint64_t> ranks;
    for (uint64_t j = n - k; j < n; ++j) {
      if (!ranks.insert(rng_.below(j + 1)).second) ranks.insert(j);
    }
    std::vector<uint64_t> pages;
    uint64_t rank = 0;
    visit([&](uint64_t ipa) {
      if (ranks.count(rank++)) pages.push_back(ipa);
    });
    return pages;
  }

  // The region unplugged (a level-2 unmap), then `pages` random pages of it faulted back in.
  std::vector<Fault> replug_region(uint64_t base, uint64_t pages) {
    assert(pages <= kRegionPages);
    std::vector<Fault> chain = {unmap(base, 2)};
    std::vector<uint64_t> slots(kRegionPages);
    std::iota(slots.begin(), slots.end(), 0u);
    for (uint64_t ipa : pick(std::move(slots), pages)) {
      chain.push_back(Fault{base + ipa * PAGE_SIZE, 3, replug_descriptor(base + ipa * PAGE_SIZE), 0});
    }
    return chain;
  }

  // Appends the chains' faults, each chain in order, interleaved uniformly at random.
  void interleave(const std::vector<std::vector<Fault>>& chains) {
    std::vector<uint32_t> order;
    for (uint32_t i = 0; i < chains.size(); ++i) order.insert(order.end(), chains[i].size(), i);
    rng_.shuffle(order);
    std::vector<size_t> next(chains.size(), 0);
    for (uint32_t i : order) {
      Fault f = chains[i][next[i]++];
      f.group = next_group_++;
      faults_.push_back(f);
    }
  }

  uint32_t vmid_;
  SplitMix64 rng_;
  SectionPolicy policy_;
  Churn churn_;
  size_t initrd_begin_ = 0, initrd_end_ = 0;  // the initrd's faults in faults_
  size_t scatter_begin_ = 0;             // first fault of step 5 in faults_
  std::vector<uint64_t> page_regions_;   // step 5's regions of 4 KiB pages, in region order
  std::vector<uint64_t> block_regions_;  // step 5's 2 MiB blocks
  std::vector<Fault> faults_;
  uint64_t next_group_ = 0;
  uint64_t batch_group_ = 0;
  uint64_t batch_fill_ = 0;
  uint64_t ram_bytes_ = 0;
  std::vector<bool> used_;  // 2 MiB RAM regions the boot images use
};

}  // namespace

Status interrupted_while_building() {
  return Status(StatusCode::kInterrupted,
                fmt::format("interrupted by signal {} while building the qemu-virt workload; nothing was run",
                            interrupt_signal()));
}

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
  for (uint32_t i = 0; i < o.vms; ++i) {
    vms.emplace_back(i + 1, o.seed, o.ops_per_vm, o.policy);
    if (interrupted()) return interrupted_while_building();
  }

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
    if ((remaining & 0xffff) == 0 && interrupted()) return interrupted_while_building();
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
    op.kind = f.kind;
    op.section_id = f.group;
    op.line = static_cast<uint32_t>(w.ops.size() + 1);
    w.ops.push_back(op);
  }
  w.finalize();
  return w;
}

}  // namespace ptx::workload
