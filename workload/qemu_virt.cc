// SPDX-License-Identifier: BSD-2-Clause
#include "workload/qemu_virt.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <deque>
#include <mutex>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>

#include "base/cache_line.h"
#include "base/interrupt.h"
#include "workload/keyed_permutation.h"
#include "workload/rng.h"
#include "workload/s2_descriptor.h"
#include "workload/scattered_pages.h"
#include "workload/workload_stream.h"

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

// Where a fault's descriptor points (the header's output addresses): the descriptor follows
// from the VM, the IPA, the level and this.
enum class Out : uint8_t { kFlash, kRam, kDevice, kReplug, kZero, kUnmap };

struct Fault {
  uint64_t ipa;
  int level;
  Out out;
};

// A fault in 4 bytes (a VM's boot holds up to kQemuVirtMaxOpsPerVm of them): bits 0..23 the IPA's
// page number (RAM ends below 17 GiB: at most ~8000 regions of 2 MiB past 1 GiB), bit 24 level 2
// (else 3), bits 25..27 Out, bit 28 set when the fault joins the previous fault's section (a
// batch of --sections batched). Sections are numbered in order, so the ids follow from bit 28.
using Code = uint32_t;
constexpr Code kJoin = Code{1} << 28;

Code encode(const Fault& f, bool join) {
  assert(f.ipa % PAGE_SIZE == 0 && f.ipa >> 36 == 0 && (f.level == 2 || f.level == 3));
  return static_cast<Code>(f.ipa >> 12) | (f.level == 2 ? Code{1} << 24 : 0) | (static_cast<Code>(f.out) << 25) |
         (join ? kJoin : 0);
}
uint64_t ipa_of(Code c) { return uint64_t{c & 0xFFFFFF} << 12; }
int level_of(Code c) { return (c >> 24) & 1 ? 2 : 3; }
Out out_of(Code c) { return static_cast<Out>((c >> 25) & 7); }

uint64_t descriptor_of(uint32_t vmid, uint64_t ipa, int level, Out out) {
  constexpr S2Attrs kReadOnly{S2Memory::kNormal, S2Access::kReadOnly, true};
  switch (out) {
    case Out::kFlash: return s2_descriptor(flash_oa(vmid, ipa), level, kReadOnly);
    case Out::kRam: return s2_descriptor(ram_oa(vmid, ipa), level, {});
    case Out::kDevice: return s2_descriptor(device_oa(vmid, ipa), level, {S2Memory::kDevice, S2Access::kReadWrite, false});
    case Out::kReplug: return s2_descriptor(replug_oa(vmid, ipa), level, {});
    case Out::kZero: return s2_descriptor(zero_page_oa(vmid), level, kReadOnly);
    case Out::kUnmap: return 0;
  }
  return 0;
}

// The op of VM `vmid`'s fault `c`, in section `section_id`, at input line `line`.
WorkloadOp op_of(uint32_t vmid, Code c, uint64_t section_id, uint32_t line) {
  WorkloadOp op;
  op.vmid = static_cast<uint8_t>(vmid);
  op.ipa = ipa_of(c);
  op.level = static_cast<uint8_t>(level_of(c));
  op.kind = out_of(c) == Out::kUnmap ? OpKind::kUnmap : OpKind::kMap;
  op.descriptor = descriptor_of(vmid, op.ipa, op.level, out_of(c));
  op.section_id = section_id;
  op.line = line;
  return op;
}

// A VM's faults not yet pulled, in order: steps 1-4 and step 6 as a Code each (a few thousand),
// step 5's (the bulk) between them as a set (ScatteredPages, about 80 bytes a 2 MiB region) and
// the permutation that orders it, each fault computed as it comes up. So the queue holds no bytes
// per scattered fault, and a run's peak memory is the engine's tables, not tables + stream.
class FaultQueue {
 public:
  // `faults` (steps 1-4 then 6), with step 5's `scattered`, in the order `key` chooses, at
  // [scatter_at, scatter_at + scattered.size()).
  FaultQueue(const std::vector<Code>& faults, size_t scatter_at, ScatteredPages scattered, uint64_t key)
      : head_(faults.begin(), faults.begin() + static_cast<std::ptrdiff_t>(scatter_at)),
        tail_(faults.begin() + static_cast<std::ptrdiff_t>(scatter_at), faults.end()),
        scattered_(std::move(scattered)),
        order_(scattered_.size(), key) {
    scatter_front();
  }
  size_t size() const { return head_.size() + (scattered_.size() - next_) + tail_.size(); }
  bool empty() const { return size() == 0; }
  // REQUIRES: !empty().
  Code front() const {
    if (!head_.empty()) return head_.front();
    return next_ < scattered_.size() ? scatter_front_ : tail_.front();
  }
  void pop_front() {
    if (!head_.empty()) {
      head_.pop_front();
    } else if (next_ < scattered_.size()) {
      ++next_;
      scatter_front();
    } else {
      tail_.pop_front();
    }
  }

 private:
  // Decodes step 5's next fault. Its rank in the set is a random one, so reading it misses the
  // cache; the ranks of the two after it are computed now and their lines fetched ahead (rank_ahead_).
  void scatter_front() {
    const uint64_t n = scattered_.size();
    if (next_ == n) return;
    if (next_ == 0) {
      for (uint64_t j = 0; j < kAhead && j < n; ++j) rank_ahead_[j] = order_(j);
    } else {
      std::copy(rank_ahead_.begin() + 1, rank_ahead_.end(), rank_ahead_.begin());
      if (next_ + kAhead - 1 < n) rank_ahead_[kAhead - 1] = order_(next_ + kAhead - 1);
    }
    if (next_ + 2 < n) scattered_.prefetch_bucket(rank_ahead_[2]);
    if (next_ + 1 < n) scattered_.prefetch_region(rank_ahead_[1]);
    const ScatteredPages::Fault f = scattered_.at(rank_ahead_[0]);
    scatter_front_ = encode(Fault{f.ipa, f.level, Out::kRam}, false);
  }

  static constexpr uint64_t kAhead = 3;

  std::deque<Code> head_;  // steps 1-4
  std::deque<Code> tail_;  // step 6
  ScatteredPages scattered_;  // step 5
  KeyedPermutation order_;    // step 5's i-th fault: scattered_.at(order_(i))
  uint64_t next_ = 0;         // step 5's faults pulled
  Code scatter_front_ = 0;    // step 5's next fault, when next_ < scattered_.size()
  std::array<uint64_t, kAhead> rank_ahead_{};  // order_(next_ + j), for those below scattered_.size()
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
      : rng_(seed ^ (0xA0761D6478BD642FULL * (vmid + 1))), policy_(policy), churn_(churn_of(budget)) {
    build(budget);
  }
  // The boot's faults of steps 1-4 and 6, in order (encoded); step 5's come before faults()[
  // scatter_at()], in the order scatter_key() chooses (FaultQueue).
  const std::vector<Code>& faults() const { return faults_; }
  size_t scatter_at() const { return scatter_at_; }
  const ScatteredPages& scattered() const { return scattered_; }
  uint64_t scatter_key() const { return scatter_key_; }
  uint64_t ram_bytes() const { return ram_bytes_; }

 private:
  void single(uint64_t ipa, int level, Out out) { faults_.push_back(encode(Fault{ipa, level, out}, false)); }
  void ram_page(uint64_t ipa, bool batch) {
    if (batch && policy_ == SectionPolicy::kBatched) {
      faults_.push_back(encode(Fault{ipa, 3, Out::kRam}, batch_fill_ != 0));
      batch_fill_ = (batch_fill_ + 1) % kBatchPages;
    } else {
      single(ipa, 3, Out::kRam);
    }
  }
  void end_batch() { batch_fill_ = 0; }
  void device(uint64_t ipa) {
    single(ipa, 3, Out::kDevice);
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
      single(ipa, 3, Out::kFlash);
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
    std::vector<uint32_t> slots(kRegionPages);
    uint64_t left = count;
    for (uint64_t region = 0; left > 0; ++region) {
      if (region % 64 == 0 && interrupted()) return;
      if (region < used_.size() && used_[region]) continue;
      const uint64_t base = kVirtMem + region * kBlockSize;
      last_region = std::max(last_region, region);
      // (The first region is always pages, so that step 6 has a table-mapped region to unplug.)
      if (rng_.below(8) == 0 && !page_regions_.empty()) {
        scattered_.add_block(base);
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
        scattered_.add_page(base + uint64_t{slots[i]} * PAGE_SIZE);
      }
      left -= n;
    }
    scatter_key_ = rng_.next();  // the faults' order: a random permutation, computed as they are pulled
    scatter_at_ = faults_.size();
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
      chains.push_back({unmap(b, 2), Fault{b, 2, Out::kReplug}});
    }
    for (uint64_t ipa : balloon_pages(tables)) {
      chains.push_back({unmap(ipa, 3), Fault{ipa, 3, Out::kZero}, Fault{ipa, 3, Out::kReplug}});
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

  static Fault unmap(uint64_t ipa, int level) { return Fault{ipa, level, Out::kUnmap}; }

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
      for (size_t i = initrd_begin_; i < initrd_end_; ++i) {
        if (level_of(faults_[i]) == 3 && skip.count(ipa_of(faults_[i]) & ~(kBlockSize - 1)) == 0) f(ipa_of(faults_[i]));
      }
      scattered_.for_each([&](const ScatteredPages::Fault& p) {
        if (p.level == 3 && skip.count(p.ipa & ~(kBlockSize - 1)) == 0) f(p.ipa);
      });
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
      chain.push_back(Fault{base + ipa * PAGE_SIZE, 3, Out::kReplug});
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
      faults_.push_back(encode(chains[i][next[i]++], false));
    }
  }

  SplitMix64 rng_;
  SectionPolicy policy_;
  Churn churn_;
  size_t initrd_begin_ = 0, initrd_end_ = 0;  // the initrd's faults in faults_
  size_t scatter_at_ = 0;  // step 5's faults come before faults_[scatter_at_]
  ScatteredPages scattered_;  // step 5's faults
  uint64_t scatter_key_ = 0;  // their order (KeyedPermutation)
  std::vector<uint64_t> page_regions_;   // step 5's regions of 4 KiB pages, in region order
  std::vector<uint64_t> block_regions_;  // step 5's 2 MiB blocks
  std::vector<Code> faults_;
  uint64_t batch_fill_ = 0;
  uint64_t ram_bytes_ = 0;
  std::vector<bool> used_;  // 2 MiB RAM regions the boot images use
};

Status interrupted_while_building() {
  return Status(StatusCode::kInterrupted,
                fmt::format("interrupted by signal {} while building the qemu-virt workload; nothing was run",
                            interrupt_signal()));
}

// The guests boot at once: their fault streams are merged by a seeded random choice weighted by
// what each has left, so every prefix of the input interleaves all VMs. The merge only needs the
// number of faults each VM has left: it hands out input lines, and each VM's faults are decoded
// when its section is pulled.
class Merge {
 public:
  Merge(uint64_t seed, std::vector<uint64_t> left) : rng_(seed * 0x2545F4914F6CDD1DULL + 7), left_(std::move(left)) {
    for (uint64_t n : left_) remaining_ += n;
  }
  uint64_t remaining() const { return remaining_; }
  uint64_t left(size_t vm_index) const { return left_[vm_index]; }
  // The VM (index into the boots) of the next input line. REQUIRES: remaining() > 0.
  size_t next() {
    uint64_t x = rng_.below(remaining_);
    size_t i = 0;
    for (; x >= left_[i]; ++i) x -= left_[i];
    --left_[i];
    --remaining_;
    return i;
  }

 private:
  SplitMix64 rng_;
  std::vector<uint64_t> left_;
  uint64_t remaining_ = 0;
};

// The streamed workload: each VM's boot encoded (FaultQueue: a few thousand Codes and step 5's
// set, each fault computed as its section is pulled), the merge run on demand under a lock, handing each VM its input lines in batches.
class QemuVirtStream : public WorkloadStream {
 public:
  // Boots the VMs. Errors: as make_qemu_virt.
  static StatusOr<std::unique_ptr<QemuVirtStream>> make(const QemuVirtOptions& o);

  const std::string& source() const override { return source_; }
  const std::string& description() const override { return description_; }
  uint64_t total_ops() const override { return total_; }
  std::vector<uint32_t> vms() const override {
    std::vector<uint32_t> v;
    for (uint32_t i = 0; i < options_.vms; ++i) {
      if (!vms_[i].faults->empty()) v.push_back(i + 1);
    }
    return v;
  }
  uint64_t next_line(uint32_t vm) override {
    if (vm < 1 || vm > options_.vms || vms_[vm - 1].faults->empty()) return UINT64_MAX;
    take_lines(vm - 1);
    return vms_[vm - 1].lines.front();
  }
  bool next_section(uint32_t vm, std::vector<WorkloadOp>* ops) override;
  std::unique_ptr<WorkloadStream> restart() const override;

  // The next op in input order (make_qemu_virt). REQUIRES: merge_.remaining() > 0; not mixed with
  // next_line / next_section.
  WorkloadOp next_in_input_order();
  uint64_t remaining() const { return merge_.remaining(); }

 private:
  // Lines handed to a VM at once: few lock round trips, and a bounded backlog for the others.
  static constexpr size_t kLineBatch = 1024;
  // One per lane, each on its own cache lines: the lanes' threads pull from their VMs at once.
  struct alignas(kCacheLine) Vm {
    std::optional<FaultQueue> faults;  // not yet pulled
    std::deque<uint32_t> lines;  // input lines of the first faults, taken from the merge
    uint64_t sections = 0;       // sections started so far: the next section's id
  };
  QemuVirtStream(const QemuVirtOptions& o, std::vector<Vm> vms, uint64_t ram_bytes);
  void take_lines(size_t i);
  WorkloadOp pop(size_t i, uint32_t line);

  QemuVirtOptions options_;
  std::string source_ = "qemu-virt", description_;
  std::vector<Vm> vms_;  // vmids 1..K
  uint64_t total_ = 0;
  std::mutex mu_;                              // guards merge_ and merged_
  Merge merge_;
  std::vector<std::vector<uint32_t>> merged_;  // lines the merge gave each VM, not yet taken
};

StatusOr<std::unique_ptr<QemuVirtStream>> QemuVirtStream::make(const QemuVirtOptions& o) {
  if (o.vms < 1 || o.vms > kQemuVirtMaxVms) {
    return bad_input("--vms {}: qemu-virt runs 1..{} guests (vmids 1..K; MAX_VM_NUM)", o.vms, kQemuVirtMaxVms);
  }
  if (o.ops_per_vm < kQemuVirtMinOpsPerVm || o.ops_per_vm > kQemuVirtMaxOpsPerVm) {
    return bad_input("--ops {}: qemu-virt needs {}..{} ops per VM", o.ops_per_vm, kQemuVirtMinOpsPerVm,
                     kQemuVirtMaxOpsPerVm);
  }
  std::vector<Vm> vms(o.vms);
  uint64_t ram_bytes = 0;
  for (uint32_t i = 0; i < o.vms; ++i) {
    VmBoot boot(i + 1, o.seed, o.ops_per_vm, o.policy);
    if (interrupted()) return interrupted_while_building();
    if (i == 0) ram_bytes = boot.ram_bytes();
    vms[i].faults.emplace(boot.faults(), boot.scatter_at(), boot.scattered(), boot.scatter_key());
  }
  return std::unique_ptr<QemuVirtStream>(new QemuVirtStream(o, std::move(vms), ram_bytes));
}

QemuVirtStream::QemuVirtStream(const QemuVirtOptions& o, std::vector<Vm> vms, uint64_t ram_bytes)
    : options_(o), vms_(std::move(vms)), merge_(o.seed, [this] {
        std::vector<uint64_t> left;
        for (const Vm& v : vms_) left.push_back(v.faults->size());
        return left;
      }()),
      merged_(vms_.size()) {
  total_ = merge_.remaining();
  const double ram_gib = static_cast<double>(ram_bytes) / static_cast<double>(kGiB);
  description_ = fmt::format("qemu-virt, {} VM{} x {} ops (RAM {:.2f} GiB)", o.vms, o.vms == 1 ? "" : "s",
                             o.ops_per_vm, ram_gib);
}

void QemuVirtStream::take_lines(size_t i) {
  Vm& v = vms_[i];
  if (!v.lines.empty()) return;
  const std::lock_guard<std::mutex> lock(mu_);
  while (merged_[i].size() < kLineBatch && merge_.left(i) > 0) {
    const size_t j = merge_.next();
    merged_[j].push_back(static_cast<uint32_t>(total_ - merge_.remaining()));
  }
  v.lines.insert(v.lines.end(), merged_[i].begin(), merged_[i].end());
  merged_[i].clear();
}

WorkloadOp QemuVirtStream::pop(size_t i, uint32_t line) {
  Vm& v = vms_[i];
  const Code c = v.faults->front();
  v.faults->pop_front();
  if ((c & kJoin) == 0) ++v.sections;
  return op_of(static_cast<uint32_t>(i + 1), c, v.sections - 1, line);
}

bool QemuVirtStream::next_section(uint32_t vm, std::vector<WorkloadOp>* ops) {
  ops->clear();
  if (vm < 1 || vm > options_.vms) return false;
  const size_t i = vm - 1;
  Vm& v = vms_[i];
  while (!v.faults->empty() && (ops->empty() || (v.faults->front() & kJoin) != 0)) {
    take_lines(i);
    const uint32_t line = v.lines.front();
    v.lines.pop_front();
    ops->push_back(pop(i, line));
  }
  return !ops->empty();
}

WorkloadOp QemuVirtStream::next_in_input_order() {
  const size_t i = merge_.next();
  return pop(i, static_cast<uint32_t>(total_ - merge_.remaining()));
}

std::unique_ptr<WorkloadStream> QemuVirtStream::restart() const {
  StatusOr<std::unique_ptr<QemuVirtStream>> s = make(options_);
  // Booting again can only fail by a signal: then an empty stream (the run stops anyway).
  if (!s.ok()) return prebuilt_stream(std::make_shared<const Workload>());
  return std::move(*s);
}

}  // namespace

StatusOr<std::unique_ptr<WorkloadStream>> stream_qemu_virt(const QemuVirtOptions& options) {
  PTX_ASSIGN_OR_RETURN(std::unique_ptr<QemuVirtStream> s, QemuVirtStream::make(options));
  return std::unique_ptr<WorkloadStream>(std::move(s));
}

StatusOr<Workload> make_qemu_virt(const QemuVirtOptions& o) {
  PTX_ASSIGN_OR_RETURN(std::unique_ptr<QemuVirtStream> s, QemuVirtStream::make(o));
  Workload w;
  w.source = s->source();
  w.description = s->description();
  w.ops.reserve(s->total_ops());
  while (s->remaining() > 0) {
    if ((s->remaining() & 0xffff) == 0 && interrupted()) return interrupted_while_building();
    w.ops.push_back(s->next_in_input_order());
  }
  w.finalize();
  return w;
}

}  // namespace ptx::workload
