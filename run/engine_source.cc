// SPDX-License-Identifier: BSD-2-Clause
#include "run/engine_source.h"

#include "pagetable/critical_section.h"
#include "pagetable/npt_error.h"

namespace ptx::run {

EngineSource::EngineSource(std::unique_ptr<workload::WorkloadStream> stream, SectionPolicy policy,
                           EngineVariant variant)
    : stream_(std::move(stream)),
      policy_(policy),
      variant_(variant),
      engine_(std::make_unique<Stage2Engine>(policy, variant)) {}

EngineSource::EngineSource(const workload::Workload& w, SectionPolicy policy, EngineVariant variant)
    : EngineSource(workload::prebuilt_stream(w), policy, variant) {}

uint64_t EngineSource::next_position(uint32_t vm) const {
  return rest_[vm]->empty() ? stream_->next_line(vm) : rest_[vm]->front().line;
}

// The ops the SeKVM engines have no call for: KVM's paths and 1 GiB blocks (kernel engines only).
Status EngineSource::sekvm_can_run(const workload::WorkloadOp& op) const {
  if (workload::is_call_op(op.type)) {
    return bad_input("the {} engine has no call for {}: it is a path of Linux's KVM (run it with --engine linux-NAME, "
                     "docs/linux-engine.md)", engine_variant_name(variant_), enum_name(workload::kOpTypeNames, op.type));
  }
  if (op.type == workload::OpType::kMapOp && op.level == 1) {
    return bad_input("the {} engine maps 2 MiB blocks and 4 KiB pages, not a level-1 (1 GiB) block: {}",
                     engine_variant_name(variant_), npt_error_rule(NptError::kInvalidLevel));
  }
  return ok_status();
}

// SeKVM remaps a valid leaf to a new output address (qemu-virt's copy-on-write after the zero
// page) with break-before-make, as its code does and the Arm ARM requires (RWHZWS: a change of
// output address between two valid descriptors needs it): the unmap, in a section of its own that
// closes with the invalidation (DSB, TLBI IPAS2E1IS, DSB, TLBI VMALLE1IS, DSB), then the map, in
// the next section. The variants that are SeKVM's code with another rule broken (dirty-reuse,
// missing-barrier) remap as it does, so that their verdicts are their own bug's; bbm breaks inside
// one section, and two-step-update's remap is its bug. A change of attributes alone keeps one
// write (no break needed). Only a remap that is a section on its own: a begin/end section of a
// workload file is the user's critical section, made as written.
bool EngineSource::breaks_first(uint32_t vm, const workload::WorkloadOp& op) const {
  const bool sekvm_remap = variant_ == EngineVariant::kSekvm || variant_ == EngineVariant::kDirtyReuse ||
                           variant_ == EngineVariant::kMissingBarrier;
  if (!sekvm_remap || op.type != workload::OpType::kMapOp || op.kind != OpKind::kMap) return false;
  const Geometry& g = Stage2Engine::geometry();
  const WalkResult w = engine_->walk(vm, op.ipa);  // exact: this thread holds the VM's lock
  if (w.last_level() != op.level || g.classify(op.level, w.descriptor) == EntryType::kInvalid) return false;
  constexpr uint64_t kOutput = PHYS_MASK & PAGE_MASK;
  return g.classify(op.level, op.descriptor) != EntryType::kInvalid && ((w.descriptor ^ op.descriptor) & kOutput) != 0;
}

StatusOr<bool> EngineSource::next(uint32_t vm, SourcedSection* out) {
  std::vector<workload::WorkloadOp>& ops = *ops_[vm];
  std::vector<workload::WorkloadOp>& rest = *rest_[vm];
  if (!rest.empty()) {
    ops.swap(rest);
    rest.clear();
  } else if (!stream_->next_section(vm, &ops)) {
    return false;
  }
  const workload::WorkloadOp& first = ops.front();
  CriticalSection cs;
  if (const NptError err = engine_->open_section(vm, &cs); err != NptError::kOk) {
    return std::move(npt_status(err)).at(stream_->source(), first.line);
  }
  out->line = first.line;
  if (ops.size() == 1 && breaks_first(vm, first)) {  // this section is the break; the map follows
    if (Status s = sekvm_can_run(first); !s.ok()) return std::move(s).at(stream_->source(), first.line);
    const NptError err = cs.apply(MapOp{first.ipa, first.level, 0, OpKind::kUnmap});
    if (err != NptError::kOk) return std::move(npt_status(err)).at(stream_->source(), first.line);
    rest.assign(ops.begin(), ops.end());
    out->section = cs.close();
    out->units = 0;
    return true;
  }
  for (const workload::WorkloadOp& op : ops) {
    if (Status s = sekvm_can_run(op); !s.ok()) return std::move(s).at(stream_->source(), op.line);
    const NptError err = op.type == workload::OpType::kMapOp ? cs.apply(op.map_op()) : cs.maintain(op.maintenance());
    if (err != NptError::kOk) return std::move(npt_status(err)).at(stream_->source(), op.line);
  }
  out->section = cs.close();
  out->units = ops.size();
  return true;
}

std::unique_ptr<SectionSource> EngineSource::restart() const {
  return std::make_unique<EngineSource>(stream_->restart(), policy_, variant_);
}

}  // namespace ptx::run
