// SPDX-License-Identifier: BSD-2-Clause
#include "run/trace_source.h"

namespace ptx::run {

std::vector<uint32_t> TraceSource::lanes() const {
  std::vector<uint32_t> vms;
  for (uint32_t v = 0; v < kVmCount; ++v) {
    if (!t_.vms[v].empty()) vms.push_back(v);
  }
  return vms;
}

uint64_t TraceSource::next_position(uint32_t vm) const {
  return next_[vm] < t_.vms[vm].size() ? t_.vms[vm][next_[vm]].line : UINT64_MAX;
}

StatusOr<bool> TraceSource::next(uint32_t vm, SourcedSection* out) {
  if (next_[vm] >= t_.vms[vm].size()) return false;
  const formats::TraceSection& ts = t_.vms[vm][next_[vm]++];
  out->section = ts.section;
  out->line = ts.line;
  out->units = 1;
  return true;
}

}  // namespace ptx::run
