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

uint64_t EngineSource::next_position(uint32_t vm) const { return stream_->next_line(vm); }

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

StatusOr<bool> EngineSource::next(uint32_t vm, SourcedSection* out) {
  std::vector<workload::WorkloadOp>& ops = *ops_[vm];
  if (!stream_->next_section(vm, &ops)) return false;
  const workload::WorkloadOp& first = ops.front();
  CriticalSection cs;
  if (const NptError err = engine_->open_section(vm, &cs); err != NptError::kOk) {
    return std::move(npt_status(err)).at(stream_->source(), first.line);
  }
  for (const workload::WorkloadOp& op : ops) {
    if (Status s = sekvm_can_run(op); !s.ok()) return std::move(s).at(stream_->source(), op.line);
    const NptError err = op.type == workload::OpType::kMapOp ? cs.apply(op.map_op()) : cs.maintain(op.maintenance());
    if (err != NptError::kOk) {
      return std::move(npt_status(err)).at(stream_->source(), op.line);
    }
  }
  out->section = cs.close();
  out->line = first.line;
  out->units = ops.size();
  return true;
}

std::unique_ptr<SectionSource> EngineSource::restart() const {
  return std::make_unique<EngineSource>(stream_->restart(), policy_, variant_);
}

}  // namespace ptx::run
