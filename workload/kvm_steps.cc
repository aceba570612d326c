// SPDX-License-Identifier: BSD-2-Clause
#include "workload/kvm_steps.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <map>
#include <optional>

#include "workload/s2_descriptor.h"

namespace ptx::workload {
namespace {

constexpr uint64_t kPage = 4096, kRegion = uint64_t{2} << 20, kGiB = uint64_t{1} << 30;
constexpr uint64_t kStepsPerVm = 21;  // the most step ops one VM gets

// What a VM's base workload left mapped, per 2 MiB region.
struct Region {
  bool block = false;
  uint64_t block_oa = 0;
  std::bitset<512> pages;
  std::optional<uint64_t> delta;  // OA - IPA of every page (when they agree)
  bool linear = true;
};

struct VmState {
  std::map<uint64_t, Region> regions;
  uint64_t max_oa = 0, max_ipa = 0;
  bool steps_made = false;
  std::vector<WorkloadOp> steps;
  size_t next = 0;
};

void track(VmState& v, const WorkloadOp& op) {
  if (op.type != OpType::kMapOp) return;
  const uint64_t region = op.ipa & ~(kRegion - 1);
  Region& r = v.regions[region];
  const uint64_t oa = op.descriptor & kOaMask;
  if (op.kind == OpKind::kUnmap) {
    if (op.level == 2) v.regions.erase(region);
    if (op.level == 3) r.pages.reset((op.ipa - region) / kPage);
    return;
  }
  v.max_oa = std::max(v.max_oa, oa);
  v.max_ipa = std::max(v.max_ipa, op.ipa);
  if (op.level == 2) {
    r = Region{true, oa, {}, {}, true};
    return;
  }
  if (op.level != 3) return;
  r.pages.set((op.ipa - region) / kPage);
  if (!r.delta) r.delta = oa - op.ipa;
  r.linear = r.linear && *r.delta == oa - op.ipa;
}

WorkloadOp step(uint32_t vm, OpType type, uint64_t ipa, uint64_t size) {
  WorkloadOp op;
  op.type = type;
  op.vmid = static_cast<uint8_t>(vm);
  op.ipa = ipa;
  op.descriptor = size;
  op.level = 0;
  return op;
}

WorkloadOp map(uint32_t vm, uint64_t ipa, int level, uint64_t oa) {
  WorkloadOp op;
  op.vmid = static_cast<uint8_t>(vm);
  op.ipa = ipa;
  op.level = static_cast<uint8_t>(level);
  op.descriptor = level == 1 ? ((oa & kOaMask) | kS2Block | kS2Af | kS2ApRw | kS2MemAttrNormalWb | kS2ShInner)
                             : s2_descriptor(oa, level, S2Attrs{});
  op.kind = OpKind::kMap;
  return op;
}

// The first `n` regions in IPA order that `pick` accepts, skipping `not_these`.
template <class Pick>
std::vector<uint64_t> regions(const VmState& v, size_t n, Pick pick, const std::vector<uint64_t>& not_these = {}) {
  std::vector<uint64_t> out;
  for (const auto& [ipa, r] : v.regions) {
    if (out.size() == n) break;
    if (pick(r) && std::find(not_these.begin(), not_these.end(), ipa) == not_these.end()) out.push_back(ipa);
  }
  return out;
}

// The IPAs of up to `n` mapped pages of region `ipa` (a block: its first pages).
std::vector<uint64_t> pages_of(const VmState& v, uint64_t ipa, size_t n) {
  std::vector<uint64_t> out;
  const Region& r = v.regions.at(ipa);
  for (size_t i = 0; i < 512 && out.size() < n; i += 37) {
    if (r.block || r.pages.test(i)) out.push_back(ipa + i * kPage);
  }
  return out;
}

uint64_t oa_of(const VmState& v, uint64_t page) {
  const uint64_t region = page & ~(kRegion - 1);
  const Region& r = v.regions.at(region);
  return r.block ? r.block_oa + (page - region) : page + r.delta.value_or(0);
}

void thp_and_dimm(uint32_t vm, const VmState& v, std::vector<WorkloadOp>& out) {
  const auto linear = [](const Region& r) { return !r.block && r.linear && r.pages.count() >= 64; };
  for (uint64_t a : regions(v, 1, linear)) out.push_back(map(vm, a, 2, a + *v.regions.at(a).delta));
  const uint64_t dimm = (v.max_ipa / kGiB + 1) * kGiB, dimm_oa = (v.max_oa / kGiB + 1) * kGiB;
  out.push_back(map(vm, dimm, 1, dimm_oa));
  out.push_back(step(vm, OpType::kAge, dimm, kGiB));
  WorkloadOp unplug = map(vm, dimm, 2, 0);
  unplug.kind = OpKind::kUnmap;
  unplug.descriptor = 0;
  out.push_back(unplug);
}

void dirty_logging(uint32_t vm, const VmState& v, bool split, std::vector<WorkloadOp>& out) {
  const std::vector<uint64_t> blocks = regions(v, 1, [](const Region& r) { return r.block; });
  if (blocks.empty()) return;
  const uint64_t d = blocks[0];
  out.push_back(step(vm, OpType::kWrprotect, d, 3 * kRegion));
  if (split) out.push_back(step(vm, OpType::kSplit, d, 3 * kRegion));
  for (uint64_t r = d; r < d + 3 * kRegion; r += kRegion) {
    if (!v.regions.contains(r)) continue;
    for (uint64_t page : pages_of(v, r, r == d ? 4 : 2)) out.push_back(map(vm, page, 3, oa_of(v, page)));
  }
  out.push_back(map(vm, d, 2, v.regions.at(d).block_oa));  // logging off: the block again, over the table
}

void aging(uint32_t vm, const VmState& v, std::vector<WorkloadOp>& out) {
  const auto paged = [](const Region& r) { return !r.block && r.pages.count() >= 8; };
  const std::vector<uint64_t> first = regions(v, 1, [](const Region& r) { return !r.block && r.linear && r.pages.count() >= 64; });
  for (uint64_t r : regions(v, 2, paged, first)) {
    out.push_back(step(vm, OpType::kAge, r, kRegion));
    for (uint64_t page : pages_of(v, r, 2)) out.push_back(step(vm, OpType::kAccess, page, 0));
  }
}

std::vector<WorkloadOp> make_steps(uint32_t vm, const VmState& v, const KvmStepsOptions& o, uint64_t first_line) {
  std::vector<WorkloadOp> out;
  if (v.regions.empty()) return out;
  aging(vm, v, out);
  dirty_logging(vm, v, o.split, out);
  thp_and_dimm(vm, v, out);
  if (out.size() > kStepsPerVm) out.resize(kStepsPerVm);
  for (size_t i = 0; i < out.size(); ++i) out[i].line = static_cast<uint32_t>(first_line + i);
  return out;
}

class StepsStream final : public WorkloadStream {
 public:
  StepsStream(std::unique_ptr<WorkloadStream> base, KvmStepsOptions o) : base_(std::move(base)), o_(o) {
    description_ = base_->description() + ", then KVM's paths (THP, 1 GiB DIMM, dirty logging, aging)";
  }
  const std::string& source() const override { return base_->source(); }
  const std::string& description() const override { return description_; }
  uint64_t total_ops() const override { return base_->total_ops() + kStepsPerVm * base_->vms().size(); }
  std::vector<uint32_t> vms() const override { return base_->vms(); }
  uint64_t next_line(uint32_t vm) override {
    const uint64_t line = base_->next_line(vm);
    if (line != UINT64_MAX) return line;
    VmState& v = ensure_steps(vm);
    return v.next < v.steps.size() ? v.steps[v.next].line : UINT64_MAX;
  }
  bool next_section(uint32_t vm, std::vector<WorkloadOp>* ops) override {
    if (base_->next_section(vm, ops)) {
      for (const WorkloadOp& op : *ops) track(vms_[vm], op);
      return true;
    }
    VmState& v = ensure_steps(vm);
    ops->clear();
    if (v.next == v.steps.size()) return false;
    ops->push_back(v.steps[v.next++]);
    return true;
  }
  std::unique_ptr<WorkloadStream> restart() const override {
    return std::make_unique<StepsStream>(base_->restart(), o_);
  }

 private:
  VmState& ensure_steps(uint32_t vm) {
    VmState& v = vms_[vm];
    if (!v.steps_made) {
      v.steps = make_steps(vm, v, o_, base_->total_ops() + 1 + kStepsPerVm * (vm == 0 ? 0 : vm - 1));
      v.steps_made = true;
    }
    return v;
  }

  std::unique_ptr<WorkloadStream> base_;
  KvmStepsOptions o_;
  std::string description_;
  std::array<VmState, kVmCount> vms_;
};

}  // namespace

std::unique_ptr<WorkloadStream> with_kvm_steps(std::unique_ptr<WorkloadStream> base, KvmStepsOptions options) {
  return std::make_unique<StepsStream>(std::move(base), options);
}

}  // namespace ptx::workload
