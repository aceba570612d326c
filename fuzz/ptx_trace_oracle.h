// SPDX-License-Identifier: BSD-2-Clause
// The oracle of ptx_trace_fuzz (and of tests/formats/fuzz_regressions_test.cc): read_trace
// (formats/trace.h) on arbitrary bytes must return either a proper error (fuzz_util.h) or a
// trace that keeps trace.h's contract: each VM's sections are seq 0, 1, ... of that VM, every op
// passes check_map_op, at most one op per section under sekvm, the header's counts are the
// file's; and the trace written back by TraceWriter reads back equal. The streaming reader
// (formats/trace_stream.h) must agree: on a streamable input its cursors give read_trace's
// sections and lines, or an error exactly when read_trace gives one.
#ifndef PTX_FUZZ_PTX_TRACE_ORACLE_H_
#define PTX_FUZZ_PTX_TRACE_ORACLE_H_

#include <sstream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "formats/trace.h"
#include "formats/trace_stream.h"
#include "formats/atomic_file.h"
#include "fuzz/fuzz_util.h"
#include "pagetable/map_op.h"

namespace ptx::fuzz {

inline std::string check_trace_sections(const formats::Trace& t) {
  uint64_t sections = 0, ops = 0;
  for (uint32_t v = 0; v < kVmCount; ++v) {
    for (size_t i = 0; i < t.vms[v].size(); ++i) {
      const Section& s = t.vms[v][i].section;
      if (s.vmid != v || s.seq != i) return fmt::format("vms[{}][{}] is vmid {} seq {}", v, i, s.vmid, s.seq);
      if (t.header.policy == SectionPolicy::kSekvm && s.ops.size() > 1) return "a sekvm section with several ops";
      for (const MapOp& op : s.ops) {
        if (Status st = check_map_op(v, op); !st.ok()) return "accepted op fails check_map_op: " + st.to_string();
      }
      ++sections;
      ops += s.ops.size();
    }
  }
  if (sections != t.header.sections || ops != t.header.ops) return "the header's counts are not the trace's";
  return "";
}

// Writes `t` with TraceWriter to `path` and reads it back.
inline std::string check_trace_round_trip(const formats::Trace& t, const std::string& path) {
  formats::TraceWriter writer;
  for (const auto& list : t.vms) {
    for (const formats::TraceSection& s : list) {
      if (Status st = writer.add(s.section); !st.ok()) return "TraceWriter::add: " + st.to_string();
    }
  }
  if (Status st = writer.commit(path, t.header); !st.ok()) return "TraceWriter::commit: " + st.to_string();
  const StatusOr<formats::Trace> r = formats::read_trace(path);
  if (!r.ok()) return "the trace written back is refused: " + r.status().to_string();
  const formats::TraceHeader &a = t.header, &b = r->header;
  if (a.source != b.source || a.description != b.description || a.policy != b.policy ||
      a.sections != b.sections || a.ops != b.ops) {
    return "the header differs once written back and read again";
  }
  for (uint32_t v = 0; v < kVmCount; ++v) {
    if (t.vms[v].size() != r->vms[v].size()) return fmt::format("VM {} has another number of sections", v);
    for (size_t i = 0; i < t.vms[v].size(); ++i) {
      if (!(t.vms[v][i].section == r->vms[v][i].section)) return fmt::format("VM {} section {} differs", v, i);
    }
  }
  return "";
}

// Reads every VM's sections of the indexed trace through cursors into *t; the first error.
inline Status read_by_cursors(const formats::TraceIndex& index, formats::Trace* t) {
  uint64_t ops = 0;
  for (uint32_t v = 0; v < kVmCount; ++v) {
    formats::TraceCursor cursor(index, v);
    for (formats::TraceSection s;;) {
      const uint64_t announced = cursor.next_line();
      PTX_ASSIGN_OR_RETURN(const bool more, cursor.next(&s));
      if (!more) break;
      if (s.line != announced) return internal_error("next_line() said {}, next() read line {}", announced, s.line);
      t->vms[v].push_back(std::move(s));
    }
    ops += cursor.ops();
  }
  return formats::check_op_count(index, ops);
}

// The streaming reader on `data` (written to scratch/input.trace) against read_trace's verdict.
inline std::string check_streaming(std::string_view data, const std::string& scratch,
                                   const StatusOr<formats::Trace>& whole) {
  const std::string path = scratch + "/input.trace";
  if (Status st = formats::write_file_atomically(path, data); !st.ok()) return "scratch file: " + st.to_string();
  const StatusOr<formats::TraceIndex> index = formats::index_trace(path);
  if (!index.ok()) {
    return whole.ok() ? "index_trace refuses what read_trace accepts: " + index.status().to_string() : "";
  }
  if (!index->streamable()) return "";  // read whole by ptx check
  formats::Trace streamed;
  const Status st = read_by_cursors(*index, &streamed);
  if (st.code() == StatusCode::kInternal) return st.message();
  if (!whole.ok()) return st.ok() ? "the cursors accept what read_trace refuses: " + whole.status().to_string() : "";
  if (!st.ok()) return "the cursors refuse what read_trace accepts: " + st.to_string();
  for (uint32_t v = 0; v < kVmCount; ++v) {
    if (streamed.vms[v].size() != whole->vms[v].size()) return fmt::format("VM {}: cursors give another count", v);
    for (size_t i = 0; i < streamed.vms[v].size(); ++i) {
      if (!(streamed.vms[v][i].section == whole->vms[v][i].section) || streamed.vms[v][i].line != whole->vms[v][i].line) {
        return fmt::format("VM {} section {} differs between the cursors and read_trace", v, i);
      }
    }
  }
  return "";
}

// `scratch`: a directory for the round trip's file. `accepted` (if given) is set to whether
// read_trace accepts the input.
inline std::string check_trace_input(std::string_view data, const std::string& scratch, bool* accepted = nullptr) {
  std::istringstream in{std::string(data)};
  const StatusOr<formats::Trace> t = formats::read_trace(in, "fuzz");
  if (accepted != nullptr) *accepted = t.ok();
  if (std::string p = check_streaming(data, scratch, t); !p.empty()) return p;
  if (!t.ok()) return check_parse_error(t.status(), data, "fuzz");
  if (t->path != "fuzz") return "Trace::path is '" + t->path + "'";
  if (std::string p = check_trace_sections(*t); !p.empty()) return p;
  return check_trace_round_trip(*t, scratch + "/again.trace");
}

}  // namespace ptx::fuzz

#endif  // PTX_FUZZ_PTX_TRACE_ORACLE_H_
