// SPDX-License-Identifier: BSD-2-Clause
// TraceStreamSource: a ptx trace replayed section by section straight from its file
// (formats/trace_stream.h), so that checking a trace of any length holds one section per VM, not
// the trace. Lanes are VMs; lane v's sections come from a TraceCursor of v. Same sections, lines
// and order as TraceSource over read_trace's Trace, so the same verdicts, counts and report.
// REQUIRES of the trace: index.streamable() (each VM's sections in seq order in the file).
#ifndef PTX_RUN_TRACE_STREAM_SOURCE_H_
#define PTX_RUN_TRACE_STREAM_SOURCE_H_

#include <array>
#include <memory>

#include "formats/trace_stream.h"
#include "run/section_source.h"

namespace ptx::run {

class TraceStreamSource : public SectionSource {
 public:
  // REQUIRES: index.streamable(); `index` outlives this source.
  explicit TraceStreamSource(const formats::TraceIndex& index);

  const std::string& name() const override { return index_.path; }
  std::vector<uint32_t> lanes() const override;
  uint64_t total_units() const override { return index_.header.sections; }
  const char* unit() const override { return "sections"; }
  uint64_t next_position(uint32_t vm) const override { return cursors_[vm]->next_line(); }
  // Errors: TraceCursor::next's, at their line.
  StatusOr<bool> next(uint32_t vm, SourcedSection* out) override;
  std::unique_ptr<SectionSource> restart() const override {
    return std::make_unique<TraceStreamSource>(index_);
  }

  // Once every lane was read to its end: OK when the ops read are the header's
  // (formats::check_op_count), else its kBadInput.
  Status check_op_count() const;

 private:
  const formats::TraceIndex& index_;
  std::array<std::unique_ptr<formats::TraceCursor>, kVmCount> cursors_;
};

}  // namespace ptx::run

#endif  // PTX_RUN_TRACE_STREAM_SOURCE_H_
