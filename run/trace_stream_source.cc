// SPDX-License-Identifier: BSD-2-Clause
#include "run/trace_stream_source.h"

namespace ptx::run {

TraceStreamSource::TraceStreamSource(const formats::TraceIndex& index) : index_(index) {
  for (uint32_t v = 0; v < kVmCount; ++v) cursors_[v] = std::make_unique<formats::TraceCursor>(index, v);
}

std::vector<uint32_t> TraceStreamSource::lanes() const {
  std::vector<uint32_t> vms;
  for (uint32_t v = 0; v < kVmCount; ++v) {
    if (index_.vms[v].sections > 0) vms.push_back(v);
  }
  return vms;
}

StatusOr<bool> TraceStreamSource::next(uint32_t vm, SourcedSection* out) {
  formats::TraceSection ts;
  PTX_ASSIGN_OR_RETURN(const bool more, cursors_[vm]->next(&ts));
  if (!more) return false;
  out->section = std::move(ts.section);
  out->line = ts.line;
  out->units = 1;
  return true;
}

Status TraceStreamSource::check_op_count() const {
  uint64_t ops = 0;
  for (const auto& c : cursors_) ops += c->ops();
  return formats::check_op_count(index_, ops);
}

}  // namespace ptx::run
