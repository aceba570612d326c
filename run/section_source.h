// SPDX-License-Identifier: BSD-2-Clause
// SectionSource: where the runner (runner.h) gets critical sections from. A source has lanes —
// independent streams whose sections must be checked one after the other (a VM's sections in
// lock order) — and makes each lane's next section on demand.
//
// Two sources today: EngineSource (engine_source.h: the SeKVM engine driven by a workload) and
// TraceSource (trace_source.h: a recorded ptx trace). Every section carries its input position
// (`line`: the workload line of its first op, or the trace line), which orders errors.
#ifndef PTX_RUN_SECTION_SOURCE_H_
#define PTX_RUN_SECTION_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "pagetable/pool_memory.h"
#include "pagetable/section.h"

namespace ptx::run {

struct SourcedSection {
  Section section;
  uint64_t line = 0;   // input position of the section (first op's line, or the trace line)
  uint64_t units = 0;  // progress units it counts for (ops, or 1 section)
};

class SectionSource {
 public:
  virtual ~SectionSource() = default;

  // Labels positions in messages: "qemu-virt", a file name.
  virtual const std::string& name() const = 0;
  // The lanes with at least one section, ascending; each below kVmCount (a lane is a VM, or
  // another stream with its own shadow state, numbered like one).
  virtual std::vector<uint32_t> lanes() const = 0;
  // Progress: the units of the whole input and their name ("ops", "sections").
  virtual uint64_t total_units() const = 0;
  virtual const char* unit() const = 0;
  // Input position of the lane's next section; UINT64_MAX when the lane has no more.
  virtual uint64_t next_position(uint32_t lane) const = 0;
  // Makes the lane's next section into *out. Returns false when the lane has no more.
  // Errors: the input's (e.g. an op the engine refuses), positioned (name(), line).
  // Thread safety: different lanes may be pulled concurrently; one lane by one thread at a time.
  virtual StatusOr<bool> next(uint32_t lane, SourcedSection* out) = 0;
  // The lane's page tables as the source's engine keeps them, lent to the checkers of a run
  // (SectionChecker::share_tables, tlb::SectionTlb::share_tables) so that they keep no copy:
  // only a source whose sections an engine has already written into that memory when next()
  // returns them, and which touches it on no other thread than the one pulling the lane. Empty
  // (the default) for any other source: a trace's sections are checked against a copy.
  virtual PoolMemory shared_tables(uint32_t /*lane*/) const { return {}; }

  // A new source over the same input, at its start: the runner replays it in input order after
  // a failure, so that the error it reports does not depend on the threads.
  virtual std::unique_ptr<SectionSource> restart() const = 0;
};

}  // namespace ptx::run

#endif  // PTX_RUN_SECTION_SOURCE_H_
