#include "tools/ptx/runner.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <string>

#include <fmt/format.h>

#include "explorer/faithful.h"
#include "pagetable/critical_section.h"
#include "pagetable/npt_error.h"
#include "tools/ptx/bad_input.h"
#include "tools/ptx/vm_scheduler.h"

namespace ptx::cli {
namespace {

constexpr size_t kChunkSections = 64;  // sections of one VM per scheduling step

std::string engine_error(const Workload& w, const WorkloadOp& op, NptError e) {
  return fmt::format("{}: {} ({})", w.where(op), npt_error_rule(e), npt_error_name(e));
}

std::string faithful_error(const Workload& w, const WorkloadOp& first, const Section& s) {
  return fmt::format(
      "{}: the section of vmid {} starting here makes {} updates; --mode faithful enumerates at "
      "most {} (kFaithfulMaxUpdates): use --mode fast or smaller sections (faithful-limit)",
      w.where(first), s.vmid, s.updates.size(), kFaithfulMaxUpdates);
}

bool too_big_for_faithful(const RunConfig& c, const Section& s) {
  return c.explore && c.mode == ExploreMode::kFaithful && s.updates.size() > kFaithfulMaxUpdates;
}

}  // namespace

void VmRunState::add(Section s, Exploration x, uint64_t line, bool keep_all) {
  totals.add(s, x);
  if (keep_all || !x.violations.empty()) {
    CheckedSection c;
    c.section = std::move(s);
    c.exploration = std::move(x);
    c.line = line;
    kept.push_back(std::move(c));
  }
}

const VmRunState* first_failure(const VmRunStates& states) {
  const VmRunState* first = nullptr;
  for (const VmRunState& st : states) {
    if (st.failed && (first == nullptr || st.error_line < first->error_line)) first = &st;
  }
  return first;
}

RunOutcome merge_outcome(VmRunStates& states, double seconds) {
  RunOutcome out;
  out.seconds = seconds;
  for (VmRunState& st : states) {
    out.totals.merge(st.totals);
    for (CheckedSection& c : st.kept) out.kept.push_back(std::move(c));
  }
  return out;
}

std::string first_error_in_input_order(const Workload& w, const RunConfig& config) {
  Stage2Engine engine(config.policy);
  std::array<CriticalSection, kVmCount> open;
  std::array<size_t, kVmCount> next_section{};
  std::array<size_t, kVmCount> left{};
  std::array<const WorkloadOp*, kVmCount> first{};
  for (const WorkloadOp& op : w.ops) {
    const uint32_t v = op.vmid;
    if (!valid_vmid(v)) return engine_error(w, op, NptError::kInvalidVmid);
    if (!open[v].is_open()) {
      const NptError e = engine.open_section(v, &open[v]);
      if (e != NptError::kOk) return engine_error(w, op, e);
      const VmStream& s = w.streams[v];
      left[v] = s.section_end(next_section[v]) - s.section_begin(next_section[v]);
      first[v] = &op;
    }
    const NptError e = open[v].set_npt(op.ipa, op.level, op.descriptor);
    if (e != NptError::kOk) return engine_error(w, op, e);
    if (--left[v] == 0) {
      const Section s = open[v].close();
      ++next_section[v];
      if (too_big_for_faithful(config, s)) return faithful_error(w, *first[v], s);
    }
  }
  return "";
}

RunOutcome run_workload(const Workload& w, const RunConfig& config) {
  Stage2Engine engine(config.policy);
  SectionChecker checker(config.mode, config.explore_options);
  checker.set_violation_hook(config.on_violation);
  VmRunStates states;
  std::atomic<bool> stop{false};
  std::vector<uint32_t> vms;
  for (uint32_t v = 0; v < kVmCount; ++v) {
    if (w.streams[v].section_count() > 0) vms.push_back(v);
  }

  Progress progress("ops", w.ops.size(), config.progress);
  auto fail = [&](VmRunState& st, uint64_t line, std::string why) {
    st.fail(line, std::move(why));
    stop.store(true, std::memory_order_relaxed);
  };
  auto step = [&](uint32_t v) -> bool {
    VmRunState& st = states[v];
    const VmStream& stream = w.streams[v];
    for (size_t k = 0; k < kChunkSections; ++k) {
      if (stop.load(std::memory_order_relaxed)) return false;
      if (st.next >= stream.section_count()) return false;
      const size_t b = stream.section_begin(st.next);
      const size_t e = stream.section_end(st.next);
      const WorkloadOp& first = w.ops[stream.ops[b]];
      CriticalSection cs;
      NptError err = engine.open_section(v, &cs);
      if (err != NptError::kOk) {
        fail(st, first.line, engine_error(w, first, err));
        return false;
      }
      for (size_t j = b; j < e; ++j) {
        const WorkloadOp& op = w.ops[stream.ops[j]];
        err = cs.set_npt(op.ipa, op.level, op.descriptor);
        if (err != NptError::kOk) {
          fail(st, op.line, engine_error(w, op, err));
          return false;
        }
      }
      Section s = cs.close();
      ++st.next;
      if (config.sink) {
        try {
          config.sink(s);
        } catch (const std::exception& ex) {  // I/O: not an input error the replay would find
          fail(st, 0, ex.what());
          return false;
        }
      }
      if (config.explore) {
        if (too_big_for_faithful(config, s)) {
          fail(st, first.line, faithful_error(w, first, s));
          return false;
        }
        Exploration x;
        std::string why;
        bool ok = false;
        isolated([&] { ok = checker.check(s, &x, &why); });
        if (!ok) {
          fail(st, first.line, fmt::format("{}: {}", w.where(first), why));
          return false;
        }
        st.add(std::move(s), std::move(x), first.line, config.keep_all);
      } else {
        st.totals.add(s);
      }
      progress.add(e - b);
    }
    return true;
  };

  const auto start = std::chrono::steady_clock::now();
  run_vms(config.threads, vms, step);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  progress.finish();

  if (const VmRunState* failed = first_failure(states)) {
    std::string why = first_error_in_input_order(w, config);
    if (why.empty()) why = failed->error;  // the replay found nothing (it should not): the live error
    throw BadInput(why);
  }
  return merge_outcome(states, seconds);
}

}  // namespace ptx::cli
