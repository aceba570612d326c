#include "run/engine_source.h"

#include "pagetable/critical_section.h"
#include "pagetable/npt_error.h"

namespace ptx::run {

EngineSource::EngineSource(const workload::Workload& w, SectionPolicy policy, EngineVariant variant)
    : w_(w), policy_(policy), variant_(variant), engine_(std::make_unique<Stage2Engine>(policy, variant)) {}

std::vector<uint32_t> EngineSource::lanes() const {
  std::vector<uint32_t> vms;
  for (uint32_t v = 0; v < kVmCount; ++v) {
    if (w_.streams[v].section_count() > 0) vms.push_back(v);
  }
  return vms;
}

uint64_t EngineSource::next_position(uint32_t vm) const {
  const workload::VmStream& s = w_.streams[vm];
  if (next_[vm] >= s.section_count()) return UINT64_MAX;
  return w_.ops[s.ops[s.section_begin(next_[vm])]].line;
}

StatusOr<bool> EngineSource::next(uint32_t vm, SourcedSection* out) {
  const workload::VmStream& stream = w_.streams[vm];
  if (next_[vm] >= stream.section_count()) return false;
  const size_t b = stream.section_begin(next_[vm]), e = stream.section_end(next_[vm]);
  const workload::WorkloadOp& first = w_.ops[stream.ops[b]];
  CriticalSection cs;
  if (const NptError err = engine_->open_section(vm, &cs); err != NptError::kOk) {
    return std::move(npt_status(err)).at(w_.source, first.line);
  }
  for (size_t j = b; j < e; ++j) {
    const workload::WorkloadOp& op = w_.ops[stream.ops[j]];
    const NptError err = op.type == workload::OpType::kMapOp ? cs.apply(op.map_op()) : cs.maintain(op.maintenance());
    if (err != NptError::kOk) {
      return std::move(npt_status(err)).at(w_.source, op.line);
    }
  }
  out->section = cs.close();
  out->line = first.line;
  out->units = e - b;
  ++next_[vm];
  return true;
}

std::unique_ptr<SectionSource> EngineSource::restart() const {
  return std::make_unique<EngineSource>(w_, policy_, variant_);
}

}  // namespace ptx::run
