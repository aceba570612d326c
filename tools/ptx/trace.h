// Traces: the sections of a run, recorded by `ptx record --out TRACE`, replayed and explored
// offline by `ptx check TRACE`.
//
// Format: JSON lines. The first line is a header, every other line one completed section:
//   {"ptx_trace":1,"source":"qemu-virt","description":"...","policy":"sekvm","sections":N,"ops":N}
//   {"vmid":1,"seq":0,"ops":[["0x40000000",3,"0x10000007ff"]],
//    "updates":[["PGD","0x10000","0x0","0x11003"],["PUD",...],...]}
// ops are [ipa, level, descriptor]; updates [kind, entry, old, new] in program order; numbers that
// are addresses or descriptors are "0x..." strings. `record` writes sections ordered by
// (vmid, seq) and writes the file atomically; `check` accepts them in any order.
//
// Checking groups the sections per VM, in seq order (the lock order in which they were made);
// each VM's seqs must be exactly 0, 1, ..., and the header's counts must match (a truncated
// trace is refused). Then every VM's sections go through SectionChecker in that order, VMs in
// parallel as in a live run. Because SectionChecker builds its shadows from the sections alone, a
// replay explores the same states as the live run: same verdicts, same counts, same report.
#ifndef PTX_TOOLS_PTX_TRACE_H_
#define PTX_TOOLS_PTX_TRACE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pagetable/constants.h"
#include "pagetable/engine.h"
#include "pagetable/section.h"
#include "tools/ptx/runner.h"

namespace ptx::cli {

inline constexpr int kTraceVersion = 1;

struct TraceHeader {
  std::string source;
  std::string description;
  SectionPolicy policy = SectionPolicy::kSekvm;
  uint64_t sections = 0;
  uint64_t ops = 0;
};

// Writes a trace while a run makes its sections, without holding them in memory: each VM's
// lines go to an anonymous temporary file (tmpfile(3): removed by the system whatever happens);
// commit() writes the header and the VMs' lines in vmid order (so by (vmid, seq)) to the trace
// file atomically (atomic_file.h). Nothing is left behind when commit() is not reached.
class TraceWriter {
 public:
  TraceWriter();
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Appends one section. Sections of one VM one at a time, in seq order; different VMs may be
  // added concurrently. Throws BadInput on I/O errors.
  void add(const Section& s);
  // Writes the trace file. `header.sections`/`ops` are filled in from what was added.
  void commit(const std::string& path, TraceHeader header);

 private:
  struct Part;
  std::array<std::unique_ptr<Part>, kVmCount> parts_;
};

struct TraceSection {
  Section section;
  uint64_t line = 0;  // line of the trace file
};

struct Trace {
  std::string path;
  TraceHeader header;
  std::array<std::vector<TraceSection>, kVmCount> vms;  // per VM, by seq
};

// Reads and validates a trace. Throws BadInput "TRACE:LINE: <what>" on the first problem.
Trace read_trace(const std::string& path);

// Explores every section of the trace (see above). config.policy/record are ignored.
// Throws BadInput "TRACE:LINE: <what>" for the first (by trace line) section the checker refuses.
RunOutcome check_trace(const Trace& trace, const RunConfig& config);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_TRACE_H_
