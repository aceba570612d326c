// SPDX-License-Identifier: BSD-2-Clause
// Reading a ptx trace (trace.h) without holding it: `ptx check` of a trace of any length in a
// fixed amount of memory.
//
// index_trace() reads the file once, parsing the header and only the vmid and seq of each section
// line (peek_section_key; a line that does not start as `record` writes it is parsed whole), and
// notes where each VM's sections start. When every VM's sections appear in seq order 0, 1, ...
// (as `record` writes them, whatever the order between VMs), a TraceCursor per VM then reads that
// VM's sections one at a time, parsing and validating each as read_trace does. A trace whose
// sections of one VM are out of order is not streamable (index.streamable() is false): read it
// whole with read_trace, which sorts them and reports a repeated or missing seq.
//
// Memory: index and cursors hold O(VMs) state and one line each, whatever the trace's length.
// Errors are those of read_trace, each at its line; a malformed section line is found by the
// cursor that reads it (so by the run, in input order: see run/runner.h), the header's op count
// by TraceCursor::ops() once every cursor is done (check_op_count).
#ifndef PTX_FORMATS_TRACE_STREAM_H_
#define PTX_FORMATS_TRACE_STREAM_H_

#include <array>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>

#include "base/line_reader.h"
#include "base/status.h"
#include "formats/trace.h"
#include "pagetable/constants.h"

namespace ptx::formats {

struct TraceIndex {
  struct Vm {
    uint64_t sections = 0;      // section lines of the VM
    uint64_t first_line = 0;    // line number of its first section (seq 0), 0 when none
    uint64_t first_offset = 0;  // byte offset of that line
    bool in_order = true;       // its lines come in seq order 0, 1, ...
  };
  std::string path;
  TraceHeader header;
  std::array<Vm, kVmCount> vms;

  bool streamable() const {
    for (const Vm& v : vms) {
      if (!v.in_order) return false;
    }
    return true;
  }
};

// Indexes the trace at `path`. Errors: kIoError when it cannot be opened or read; kBadInput
// "PATH: is a directory, not a trace", "PATH: empty trace (no header line)", a line longer than
// kMaxTraceLineBytes, a malformed header, a malformed section line whose vmid and seq cannot be
// peeked, each at its line; and, for a streamable trace, "the header announces N sections, the
// file has M (truncated or edited trace)".
StatusOr<TraceIndex> index_trace(const std::string& path);

// One VM's sections of an indexed trace, in seq order.
class TraceCursor {
 public:
  // REQUIRES: index.streamable(), vmid < kVmCount; `index` outlives the cursor.
  TraceCursor(const TraceIndex& index, uint32_t vmid);

  // Line of the next section; UINT64_MAX when the VM has no more.
  uint64_t next_line() const;
  // The next section and its line; false after the VM's last. Errors: kIoError when the file
  // cannot be opened or read; kBadInput at (path, line) for a malformed section line (read_trace's
  // messages), or a line whose vmid or seq is not what the index found there ("the trace changed
  // while it was read").
  StatusOr<bool> next(TraceSection* out);
  // Ops of the sections returned so far.
  uint64_t ops() const { return ops_; }

 private:
  Status open();
  StatusOr<bool> read_line_of_vm(std::string* text);  // the VM's next line, skipping other VMs'
  void prime();

  const TraceIndex& index_;
  const uint32_t vmid_;
  std::unique_ptr<std::ifstream> file_;
  std::unique_ptr<LineReader> reader_;
  uint64_t seq_ = 0;  // seq of the next section
  uint64_t ops_ = 0;
  bool primed_ = false;     // pending_ holds the next section's line (or pending_error_ is set)
  std::string pending_;
  uint64_t pending_line_ = 0;
  Status pending_error_;
};

// OK when the cursors' ops (summed over every VM, all read to the end) are the header's op count;
// else kBadInput "PATH: the header announces N sections and K ops, the file has N and J (truncated
// or edited trace)", read_trace's message.
Status check_op_count(const TraceIndex& index, uint64_t ops);

}  // namespace ptx::formats

#endif  // PTX_FORMATS_TRACE_STREAM_H_
