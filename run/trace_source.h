// SPDX-License-Identifier: BSD-2-Clause
// TraceSource: a recorded ptx trace (formats/trace.h) replayed section by section: each lane is a
// VM, and next(vm) hands back the VM's next section in seq (lock) order with its trace line.
// Sections are checked against shadows rebuilt from the trace alone (SectionChecker), so a replay
// explores the same states as the live run that recorded it: same verdicts, counts and report.
#ifndef PTX_RUN_TRACE_SOURCE_H_
#define PTX_RUN_TRACE_SOURCE_H_

#include <array>

#include "formats/trace.h"
#include "run/section_source.h"

namespace ptx::run {

class TraceSource : public SectionSource {
 public:
  // REQUIRES: `t` outlives this source.
  explicit TraceSource(const formats::Trace& t) : t_(t) {}

  const std::string& name() const override { return t_.path; }
  std::vector<uint32_t> lanes() const override;
  uint64_t total_units() const override { return t_.header.sections; }
  const char* unit() const override { return "sections"; }
  uint64_t next_position(uint32_t vm) const override;
  StatusOr<bool> next(uint32_t vm, SourcedSection* out) override;
  std::unique_ptr<SectionSource> restart() const override { return std::make_unique<TraceSource>(t_); }

 private:
  const formats::Trace& t_;
  std::array<size_t, kVmCount> next_{};
};

}  // namespace ptx::run

#endif  // PTX_RUN_TRACE_SOURCE_H_
