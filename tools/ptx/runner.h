// The live run: drives a Stage2Engine with a workload and explores every completed section.
//
// Each VM's sections are made in input order (open_section, set_npt of each op, close: the
// barrier) and each completed section is handed at once, on the same thread, to
// SectionChecker::check for that VM, which explores it against the VM's shadow and then applies
// it. VMs run in parallel on N threads (vm_scheduler.h), a chunk of sections at a time, so the
// sections of all VMs interleave across the threads. Results are merged per VM and sorted by
// (vmid, seq): totals, verdicts and kept sections are the same for every N.
//
// Errors: an op the engine refuses (pool exhaustion, a map under a block, ...) or a section the
// checker cannot explore (faithful mode past kFaithfulMaxUpdates updates) is bad input. Which one
// is reported does not depend on the thread count: after a failed parallel run the workload is
// replayed on a fresh engine, one thread, in input order, and the first op (or section) that
// fails is reported as "SOURCE:LINE: <rule> (<name>)". The run throws BadInput with that text.
#ifndef PTX_TOOLS_PTX_RUNNER_H_
#define PTX_TOOLS_PTX_RUNNER_H_

#include <array>
#include <cstdint>
#include <string>
#include <functional>
#include <vector>

#include "explorer/section_checker.h"
#include "pagetable/engine.h"
#include "tools/ptx/progress.h"
#include "tools/ptx/totals.h"
#include "tools/ptx/workload.h"

namespace ptx::cli {

struct RunConfig {
  unsigned threads = 1;
  SectionPolicy policy = SectionPolicy::kSekvm;
  bool explore = true;  // false: only make (and record) the sections
  ExploreMode mode = ExploreMode::kFast;
  ExploreOptions explore_options;
  bool keep_all = false;  // keep every explored section (else those with violations)
  // Called with every completed section, on the thread that made it: the sections of one VM one
  // at a time in seq order, different VMs concurrently (record: TraceWriter::add).
  std::function<void(const Section&)> sink;
  Progress::Style progress = Progress::Style::kAuto;
  // SectionChecker::set_violation_hook for the run (e.g. drawing bad interleavings).
  SectionChecker::ViolationHook on_violation;
};

struct RunOutcome {
  Totals totals;
  std::vector<CheckedSection> kept;  // by (vmid, seq)
  double seconds = 0;                // wall time of the engine + exploration phase
};

// One VM's share of a live run or a trace replay; touched only by the thread running that VM.
struct VmRunState {
  size_t next = 0;  // the VM's next section (index into its stream or trace list)
  Totals totals;
  std::vector<CheckedSection> kept;
  bool failed = false;
  uint64_t error_line = 0;  // input line of the failure, for the first-in-input-order choice
  std::string error;

  void fail(uint64_t line, std::string why) {
    failed = true;
    error_line = line;
    error = std::move(why);
  }
  // Counts an explored section and keeps it when `keep_all` or it has a violation.
  void add(Section s, Exploration x, uint64_t line, bool keep_all);
};
using VmRunStates = std::array<VmRunState, kVmCount>;

// The failed VM whose failure comes first in the input (smallest line), or nullptr.
const VmRunState* first_failure(const VmRunStates& states);
// Merges the VMs' totals and kept sections (vmid order; within a VM, seq order).
RunOutcome merge_outcome(VmRunStates& states, double seconds);

// Throws BadInput on an engine or checker error (see above).
RunOutcome run_workload(const Workload& w, const RunConfig& config);

// The first op (or, in faithful mode, section) of `w` in input order that fails on a fresh
// engine, as "SOURCE:LINE: <rule> (<name>)", or "" when none does. One thread, no exploration.
std::string first_error_in_input_order(const Workload& w, const RunConfig& config);

}  // namespace ptx::cli

#endif  // PTX_TOOLS_PTX_RUNNER_H_
