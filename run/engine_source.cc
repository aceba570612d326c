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

StatusOr<bool> EngineSource::next(uint32_t vm, SourcedSection* out) {
  std::vector<workload::WorkloadOp>& ops = *ops_[vm];
  if (!stream_->next_section(vm, &ops)) return false;
  const workload::WorkloadOp& first = ops.front();
  CriticalSection cs;
  if (const NptError err = engine_->open_section(vm, &cs); err != NptError::kOk) {
    return std::move(npt_status(err)).at(stream_->source(), first.line);
  }
  for (const workload::WorkloadOp& op : ops) {
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
