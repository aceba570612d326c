// SPDX-License-Identifier: BSD-2-Clause
#include "workload/workload_stream.h"

#include <array>

#include "base/cache_line.h"

namespace ptx::workload {
namespace {

class PrebuiltStream : public WorkloadStream {
 public:
  // `owner` keeps `w` alive, or is null when the caller does.
  PrebuiltStream(const Workload& w, std::shared_ptr<const Workload> owner) : w_(w), owner_(std::move(owner)) {}

  const std::string& source() const override { return w_.source; }
  const std::string& description() const override { return w_.description; }
  uint64_t total_ops() const override { return w_.ops.size(); }
  std::vector<uint32_t> vms() const override {
    std::vector<uint32_t> v;
    for (uint32_t vm = 0; vm < kVmCount; ++vm) {
      if (w_.streams[vm].section_count() > 0) v.push_back(vm);
    }
    return v;
  }
  uint64_t next_line(uint32_t vm) override {
    const VmStream& s = w_.streams[vm];
    if (*next_[vm] >= s.section_count()) return UINT64_MAX;
    return w_.ops[s.ops[s.section_begin(*next_[vm])]].line;
  }
  bool next_section(uint32_t vm, std::vector<WorkloadOp>* ops) override {
    ops->clear();
    const VmStream& s = w_.streams[vm];
    size_t& next = *next_[vm];
    if (next >= s.section_count()) return false;
    for (size_t j = s.section_begin(next); j < s.section_end(next); ++j) ops->push_back(w_.ops[s.ops[j]]);
    ++next;
    return true;
  }
  std::unique_ptr<WorkloadStream> restart() const override { return std::make_unique<PrebuiltStream>(w_, owner_); }

 private:
  const Workload& w_;
  std::shared_ptr<const Workload> owner_;
  std::array<CacheAligned<size_t>, kVmCount> next_{};  // each advanced by its lane's thread  // each VM's next section (index into its VmStream)
};

}  // namespace

std::unique_ptr<WorkloadStream> prebuilt_stream(std::shared_ptr<const Workload> w) {
  const Workload& ref = *w;
  return std::make_unique<PrebuiltStream>(ref, std::move(w));
}

std::unique_ptr<WorkloadStream> prebuilt_stream(const Workload& w) { return std::make_unique<PrebuiltStream>(w, nullptr); }

}  // namespace ptx::workload
