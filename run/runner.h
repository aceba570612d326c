// SPDX-License-Identifier: BSD-2-Clause
// The runner: pulls critical sections from a SectionSource and explores each one with a
// SectionChecker (one shadow per VM), lanes in parallel on N threads, each lane's sections in
// order. Results are merged per lane and ordered by (lane, seq): totals, verdicts and kept
// sections are the same for every N.
//
// Errors. A lane stops at its first error (the source's, e.g. an op the engine refuses; the
// checker's, e.g. a section that does not fit its VM's shadow or is too large for --mode
// faithful; the sink's). After a failed run the source is replayed from its start (restart())
// on one thread in input order — always taking the lane whose next section comes first — and the
// first error of that replay is returned, so which error is reported does not depend on the
// thread count. An I/O error of the sink is returned as it is (the replay writes nothing).
// Every error is positioned (source name, line). A SIGINT / SIGTERM (base/interrupt.h) stops every
// lane at its next section: the outcome then holds what was done so far, marked interrupted.
#ifndef PTX_RUN_RUNNER_H_
#define PTX_RUN_RUNNER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "base/shard.h"
#include "base/status.h"
#include "explorer/exploration.h"
#include "explorer/section_checker.h"
#include "explorer/totals.h"
#include "run/section_source.h"

namespace ptx::run {

// Sections of one lane a thread handles before it lets another lane have the thread. Long enough
// that a lane's shadow and engine pages stay in the thread's caches across sections (64 was
// 10-18 % slower on BM_RunDefault with exploration on), short enough (about a millisecond) that
// lanes interleave finely.
inline constexpr size_t kChunkSections = 1024;

struct RunConfig {
  unsigned threads = 1;
  bool explore = true;  // false: only make (and sink) the sections: `record`, or a baseline
  // A sharded run (`--shard I/N`, base/shard.h) explores only the sections whose input line the
  // shard owns: the others are made, sunk, given to on_section and applied to the checker's
  // shadow (SectionChecker::advance, with the same input checks), but neither explored nor
  // counted in the totals. So the N shards' totals add up to the unsharded run's.
  Shard shard;
  ExploreOptions explore_options;
  // True: the checker keeps a copy of each lane's tables even when the source lends its own
  // (SectionSource::shared_tables), as every run did before sharing; for tests and baselines.
  bool copy_tables = false;
  bool keep_all = false;  // keep every explored section (else those with violations)
  // Kept sections held in RunOutcome::kept: those with a violation, at most this many per lane
  // (the summary shows the first few; a run of millions of bad sections must not hold them all).
  // With keep_all every section is held, unless this limit is set.
  size_t keep_in_memory = SIZE_MAX;
  // Called with every kept section (keep_all: every section; else those with a violation), on
  // the lane's thread: one lane's sections in order, lanes concurrently (`ptx --report`:
  // formats::ReportSections::add, which spools them to disk). An error stops the run.
  std::function<Status(const CheckedSection&)> keep_sink;
  // Called with every section, on the thread that made it: one lane's sections one at a time in
  // order, different lanes concurrently (record: TraceWriter::add). An error stops the run.
  std::function<Status(const Section&)> sink;
  // Called with every section and its input line after `sink`, on the same terms (one lane's
  // sections one at a time in order, lanes concurrently): `--tlb on`'s tlb::SectionTlb::add.
  // An error stops the run.
  std::function<Status(const Section&, uint64_t line)> on_section;
  // SectionChecker::set_violation_hook for the run (e.g. drawing bad interleavings).
  SectionChecker::ViolationHook on_violation;
  // Called, after on_violation, for every section with a violation, on its lane's thread (one
  // lane's sections in order, lanes concurrently): `before` as on_violation's, and the section in
  // its explored form — with pending writes of the previous section in front of its updates, as
  // the witnesses index them — with its input line (bug signatures, report/signature_lanes.h).
  std::function<void(const NptImage& before, const CheckedSection& explored)> on_violating;
  // Called with the progress units of each section done, from any thread.
  std::function<void(uint64_t units)> on_progress;
};

struct RunOutcome {
  Totals totals;
  std::vector<CheckedSection> kept;  // by (lane, seq); see RunConfig::keep_in_memory
  double seconds = 0;                // wall time of making and exploring the sections
  int interrupted = 0;               // the signal (base/interrupt.h) that stopped the run, or 0:
                                     // then the figures are those of the sections done so far
  uint64_t violation_groups = 0;     // group_violations() of every section with a violation
};

// Runs every section of `source` (see above). REQUIRES: config.threads >= 1.
StatusOr<RunOutcome> run_sections(SectionSource& source, const RunConfig& config);

}  // namespace ptx::run

#endif  // PTX_RUN_RUNNER_H_
