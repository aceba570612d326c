// SPDX-License-Identifier: BSD-2-Clause
#include "run/runner.h"

#include <array>
#include <atomic>
#include <chrono>

#include "base/cache_line.h"
#include "base/interrupt.h"
#include "explorer/violation_groups.h"
#include "run/lane_scheduler.h"

namespace ptx::run {
namespace {

// One lane's share of a run, touched only by the thread running the lane.
struct LaneState {
  Totals totals;
  std::vector<CheckedSection> kept;
  uint64_t groups = 0;
  Status error;
  Exploration scratch;  // each section's exploration, its storage reused (SectionChecker::check)
};

class Runner {
 public:
  Runner(SectionSource& source, const RunConfig& config)
      : source_(source), config_(config), checker_(config.explore_options) {
    if (config.explore && !config.copy_tables) {
      for (uint32_t lane : source.lanes()) {
        if (PoolMemory m = source.shared_tables(lane)) checker_.share_tables(lane, m);
      }
    }
    if (!config.on_violating) {
      checker_.set_violation_hook(config.on_violation);
      return;
    }
    checker_.set_violation_hook([this](const NptImage& before, const Section& s, const Exploration& x) {
      if (config_.on_violation) config_.on_violation(before, s, x);
      config_.on_violating(before, CheckedSection{s, x, *lines_[s.vmid % kVmCount], nullptr});
    });
  }

  // Makes, sinks and explores the lane's next section. False when the lane is done or failed.
  bool one(uint32_t lane) {
    LaneState& st = *lanes_[lane];
    SourcedSection s;
    StatusOr<bool> more = source_.next(lane, &s);
    if (!more.ok()) return fail(st, std::move(more).status());
    if (!*more) return false;
    if (config_.sink) {
      if (Status e = config_.sink(s.section); !e.ok()) return fail(st, std::move(e));
    }
    if (config_.on_section) {
      if (Status e = config_.on_section(s.section, s.line); !e.ok()) return fail(st, std::move(e));
    }
    if (!config_.explore) {
      st.totals.add(s.section);
    } else if (!config_.shard.owns(s.line)) {
      if (Status e = checker_.advance(s.section); !e.ok()) return fail(st, std::move(e).at(source_.name(), s.line));
    } else if (!explore(st, s)) {
      return false;
    }
    if (config_.on_progress) config_.on_progress(s.units);
    return true;
  }

  // A chunk of the lane's sections. False when the lane is done, failed, or the run stops.
  bool step(uint32_t lane) {
    for (size_t k = 0; k < kChunkSections; ++k) {
      // Relaxed: stop_ is a hint to give up early; nothing is read through it (each lane's state
      // is its own, and the run's end is ordered by the threads' join).
      if (stop_.load(std::memory_order_relaxed) || interrupted() || !one(lane)) return false;
    }
    return true;
  }

  // The failure of the lowest lane, or nullptr.
  const Status* first_error() const {
    for (const CacheAligned<LaneState>& slot : lanes_) {
      const LaneState& st = *slot;
      if (!st.error.ok()) return &st.error;
    }
    return nullptr;
  }

  RunOutcome outcome(double seconds) {
    RunOutcome out;
    out.seconds = seconds;
    for (CacheAligned<LaneState>& slot : lanes_) {
      LaneState& st = *slot;
      out.totals.merge(st.totals);
      out.violation_groups += st.groups;
      for (CheckedSection& c : st.kept) out.kept.push_back(std::move(c));
    }
    return out;
  }

 private:
  bool explore(LaneState& st, SourcedSection& s) {
    Exploration& x = st.scratch;
    Status e;
    *lines_[s.section.vmid % kVmCount] = s.line;  // for on_violating, called from inside check()
    if (checker_.runs_serially(s.section)) {
      e = checker_.check(s.section, &x);  // no nested parallelism to isolate
    } else {
      isolated([&] { e = checker_.check(s.section, &x); });
    }
    if (!e.ok()) return fail(st, std::move(e).at(source_.name(), s.line));
    st.totals.add(s.section, x);
    if (!x.violations.empty()) st.groups += group_violations(x).size();
    if (!config_.keep_all && x.violations.empty()) return true;
    CheckedSection c{std::move(s.section), std::move(x), s.line, nullptr};
    if (config_.keep_sink) {
      if (Status e = config_.keep_sink(c); !e.ok()) return fail(st, std::move(e));
    }
    const bool bad = !c.exploration.violations.empty();
    if (st.kept.size() < config_.keep_in_memory && (bad || config_.keep_in_memory == SIZE_MAX)) {
      st.kept.push_back(std::move(c));
    }
    return true;
  }

  bool fail(LaneState& st, Status e) {
    st.error = std::move(e);
    stop_.store(true, std::memory_order_relaxed);  // the replay finds the first error anyway
    return false;
  }

  SectionSource& source_;
  const RunConfig& config_;
  SectionChecker checker_;
  std::array<CacheAligned<LaneState>, kVmCount> lanes_;  // each written by its lane's thread
  std::array<CacheAligned<uint64_t>, kVmCount> lines_{};  // the input line of each VM's section in check()
  std::atomic<bool> stop_{false};
};

// The first error of `failed`'s input in input order: a fresh source and checker, one thread,
// always the lane whose next section comes first. OK when the replay finds none.
Status replay_in_input_order(const SectionSource& failed, const RunConfig& config) {
  const std::unique_ptr<SectionSource> source = failed.restart();
  RunConfig c = config;
  c.sink = nullptr;
  c.on_section = nullptr;
  c.keep_sink = nullptr;
  c.on_violation = nullptr;
  c.on_violating = nullptr;
  c.on_progress = nullptr;
  Runner r(*source, c);
  const std::vector<uint32_t> lanes = source->lanes();
  for (;;) {
    uint32_t lane = 0;
    uint64_t first = UINT64_MAX;
    for (uint32_t l : lanes) {
      if (source->next_position(l) < first) {
        first = source->next_position(l);
        lane = l;
      }
    }
    if (first == UINT64_MAX) return ok_status();
    if (!r.one(lane)) return r.first_error() != nullptr ? *r.first_error() : ok_status();
  }
}

}  // namespace

StatusOr<RunOutcome> run_sections(SectionSource& source, const RunConfig& config) {
  for (uint32_t lane : source.lanes()) {
    if (lane >= kVmCount) return internal_error("section source lane {} is not below {}", lane, kVmCount);
  }
  Runner r(source, config);
  const auto start = std::chrono::steady_clock::now();
  run_lanes(config.threads, source.lanes(), [&](uint32_t lane) { return r.step(lane); });
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (interrupted()) {
    RunOutcome partial = r.outcome(seconds);
    partial.interrupted = interrupt_signal();
    return partial;
  }
  if (const Status* e = r.first_error()) {
    if (e->code() == StatusCode::kIoError) return *e;
    Status first = replay_in_input_order(source, config);
    return first.ok() ? *e : first;
  }
  return r.outcome(seconds);
}

}  // namespace ptx::run
