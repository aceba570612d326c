// SPDX-License-Identifier: BSD-2-Clause
// EngineSource: the SeKVM engine (pagetable/engine.h), of any variant, driven by a workload: each
// lane is a VM, and next(vm) makes the VM's next critical section — open_section, set_npt or
// clear_npt of each of its ops in input order (a workload's tlbi / dsb steps through
// Stage2Engine::maintain), close (the barrier) — and hands back the Section the engine completed.
//
// Errors: an op the engine refuses, as npt_status() "<rule> (<name>)" at (workload source, the
// op's line). A refusal can depend on other VMs (pool exhaustion halts the whole machine), which
// is why the runner replays a failed run in input order on restart() (a fresh engine).
#ifndef PTX_RUN_ENGINE_SOURCE_H_
#define PTX_RUN_ENGINE_SOURCE_H_

#include <array>
#include <memory>

#include "base/cache_line.h"
#include "pagetable/engine.h"
#include "run/section_source.h"
#include "workload/workload.h"
#include "workload/workload_stream.h"

namespace ptx::run {

class EngineSource : public SectionSource {
 public:
  // Drives the engine with the sections of `stream` (workload_stream.h), pulled as the lanes go.
  EngineSource(std::unique_ptr<workload::WorkloadStream> stream, SectionPolicy policy,
               EngineVariant variant = EngineVariant::kSekvm);
  // Over a pre-built workload. REQUIRES: `w` outlives this source.
  EngineSource(const workload::Workload& w, SectionPolicy policy, EngineVariant variant = EngineVariant::kSekvm);

  const std::string& name() const override { return stream_->source(); }
  std::vector<uint32_t> lanes() const override { return stream_->vms(); }
  uint64_t total_units() const override { return stream_->total_ops(); }
  const char* unit() const override { return "ops"; }
  uint64_t next_position(uint32_t vm) const override;
  StatusOr<bool> next(uint32_t vm, SourcedSection* out) override;
  std::unique_ptr<SectionSource> restart() const override;
  // The VM's pool (Stage2Engine::pool_memory): next(vm) returns each section made in it, and
  // only the thread pulling the lane touches it.
  PoolMemory shared_tables(uint32_t vm) const override { return engine_->pool_memory(vm); }

  const Stage2Engine& engine() const { return *engine_; }

 private:
  Status sekvm_can_run(const workload::WorkloadOp& op) const;
  // True when `op` (of VM vm, whose lock this thread holds) is a remap the sekvm variant (and
  // dirty-reuse and missing-barrier, SeKVM's code with another bug) makes with break-before-make:
  // a map of a valid leaf over a valid leaf with another output address.
  bool breaks_first(uint32_t vm, const workload::WorkloadOp& op) const;
  std::unique_ptr<workload::WorkloadStream> stream_;
  const SectionPolicy policy_;
  const EngineVariant variant_;
  std::unique_ptr<Stage2Engine> engine_;
  std::array<CacheAligned<std::vector<workload::WorkloadOp>>, kVmCount> ops_;  // each lane's section being made
  // Each lane's remap whose break made the last section (breaks_first): its next section, before
  // the stream's next.
  std::array<CacheAligned<std::vector<workload::WorkloadOp>>, kVmCount> rest_;
};

}  // namespace ptx::run

#endif  // PTX_RUN_ENGINE_SOURCE_H_
