// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/schedule_explore.h"

#include <algorithm>
#include <cerrno>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "armcheck/event_checker.h"
#include "base/fnv1a.h"
#include "base/interrupt.h"
#include "kernel/kernel_call.h"
#include "kernel/kernel_vm.h"
#include "schedule/schedule_search.h"
#include "pagetable/walk.h"
#include "tlb/tlb_pass.h"

namespace ptx::kernel {

using schedule::ScheduleOutcome;
using schedule::Scheduler;
using schedule::ScheduleStrategy;
using schedule::schedule_id;

namespace {

constexpr uint64_t kMiB2 = uint64_t{2} << 20;
constexpr size_t kMaxOrders = 4096;  // serial orders tried by the lost-update check

// What one schedule gave.
struct Run {
  ScheduleOutcome outcome;
  std::vector<std::pair<report::SignatureKey, Finding>> findings;  // (key, the finding as shown)
  uint64_t state_hash = 0;  // the final table over the scenario's IPAs
};

// Every call's VmOp as run: setup first, then per thread.
struct Calls {
  std::vector<VmOp> setup;
  std::vector<std::vector<VmOp>> threads;
};

// [begin, end): every 2 MiB range a call of the scenario meets (1 GiB ones whole).
std::pair<uint64_t, uint64_t> span_of(const Scenario& s) {
  uint64_t b = UINT64_MAX, e = 0;
  auto add = [&](const ptx_k_call& c) {
    const uint64_t g = c.size > kMiB2 ? c.size : kMiB2;
    b = std::min(b, c.ipa & ~(g - 1));
    e = std::max(e, (c.ipa + std::max<uint64_t>(c.size, 4096) + g - 1) & ~(g - 1));
  };
  for (const ptx_k_call& c : s.setup) add(c);
  for (const auto& t : s.threads) {
    for (const ptx_k_call& c : t) add(c);
  }
  return {b, e};
}

void apply(ReferenceMap& ref, const VmOp& v, bool age_range) {
  if (v.status != 0 || (v.result.ret != 0 && v.result.ret != -EAGAIN)) return;
  apply_call(ref, v.call, v.result.perm_fault != 0, age_range);
}

// The reference maps of the serial orders of the threads' calls (each thread's calls in its
// order: the permutations of the multiset of thread indexes, at most kMaxOrders), setup first.
std::vector<ReferenceMap> serial_references(const Calls& calls, bool age_range) {
  std::vector<size_t> order;
  for (size_t i = 0; i < calls.threads.size(); ++i) order.insert(order.end(), calls.threads[i].size(), i);
  std::vector<ReferenceMap> out;
  do {
    ReferenceMap& ref = out.emplace_back();
    for (const VmOp& v : calls.setup) apply(ref, v, age_range);
    std::vector<size_t> next(calls.threads.size(), 0);
    for (size_t i : order) apply(ref, calls.threads[i][next[i]++], age_range);
  } while (out.size() < kMaxOrders && std::next_permutation(order.begin(), order.end()));
  return out;
}

// Does every IPA of [b, e) translate as in some serial order? Concurrent calls may compose per
// IPA (a 2 MiB fault's walk that finds a table another vCPU just installed maps pages in it), so
// each IPA is judged alone. Sweeps: from `pos`, each order matches up to its first mismatch; the
// order that matches furthest covers [pos, that mismatch); an IPA where every order mismatches is
// the finding (with the first order's translation: the threads one after another).
std::optional<Mismatch> lost_update(const Tables& t, const Calls& calls, bool age_range, uint64_t b, uint64_t e) {
  const std::vector<ReferenceMap> refs = serial_references(calls, age_range);
  uint64_t pos = b;
  while (pos < e) {
    uint64_t furthest = pos;
    std::optional<Mismatch> at_pos;
    for (const ReferenceMap& ref : refs) {
      const std::optional<Mismatch> m = first_mismatch(t, ref, pos, e);
      if (!m) return std::nullopt;
      furthest = std::max(furthest, m->ipa);
      if (m->ipa == pos && !at_pos) at_pos = m;
    }
    if (furthest == pos) return at_pos;
    pos = furthest;
  }
  return std::nullopt;
}

// FNV-1a over the final table's leaves in [b, e): where they are and what they hold.
uint64_t state_hash(const Tables& t, uint64_t b, uint64_t e) {
  Fnv1a h;
  walk_range(t.geometry, t.root, b, e, t, [&](const WalkVisit& w) {
    if (w.type == EntryType::kTable) return WalkAction::kDescend;
    if (w.type != EntryType::kInvalid) h.add_word(w.ipa).add_word(w.size).add_word(w.value);
    return WalkAction::kContinue;
  });
  return h.value();
}

// Runs schedules of one scenario on one engine: each a fresh VM, its setup, then the threads.
class ScheduleRunner {
 public:
  ScheduleRunner(const KernelEngine& engine, const Scenario& s, const ScheduleOptions& o)
      : engine_(engine), s_(s), o_(o), span_(span_of(s)) {}

  // Runs one schedule; checks it when `checked` (and options.check).
  StatusOr<Run> run(ScheduleStrategy* strategy, bool checked = true) {
    Calls calls;
    PTX_ASSIGN_OR_RETURN(std::unique_ptr<KernelVm> vm, make_vm(&calls));
    Scheduler scheduler(strategy, o_.step_bound);
    std::vector<Status> errors(s_.threads.size());
    std::vector<std::function<void(uint32_t)>> bodies;
    for (size_t t = 0; t < s_.threads.size(); ++t) {
      bodies.push_back([&](uint32_t tid) {
        KernelRecorder::bind_thread(tid);
        for (VmOp& v : calls.threads[tid]) {
          errors[tid] = vm->call(tid, &v);
          if (!errors[tid].ok()) return;
          vm->recorder().poll_rcu(false);
        }
      });
    }
    vm->recorder().set_gate(&scheduler);
    Run out;
    out.outcome = scheduler.run(bodies);
    vm->recorder().set_gate(nullptr);
    for (Status& e : errors) PTX_RETURN_IF_ERROR(std::move(e));
    KernelRecorder::bind_thread(0);
    vm->recorder().poll_rcu(true);
    if (o_.check && checked) PTX_RETURN_IF_ERROR(check(*vm, calls, &out));
    return out;
  }

 private:
  StatusOr<std::unique_ptr<KernelVm>> make_vm(Calls* calls) {
    VmOptions vo;
    vo.vcpus = static_cast<uint32_t>(s_.threads.size());
    vo.features = o_.features;
    vo.arena_pages = 4096;
    vo.source = s_.name;
    PTX_ASSIGN_OR_RETURN(std::unique_ptr<KernelVm> vm, KernelVm::create(engine_, vo));
    uint64_t number = 0;
    KernelRecorder::bind_thread(0);
    for (const ptx_k_call& c : s_.setup) {
      VmOp v;
      v.number = ++number;
      v.call = c;
      PTX_RETURN_IF_ERROR(vm->call(0, &v));
      vm->recorder().poll_rcu(true);
      calls->setup.push_back(v);
    }
    for (const std::vector<ptx_k_call>& thread : s_.threads) {
      calls->threads.emplace_back();
      for (const ptx_k_call& c : thread) {
        VmOp v;
        v.number = ++number;
        v.call = c;
        calls->threads.back().push_back(v);
      }
    }
    return vm;
  }

  void add(Run* out, report::SignatureKey key, Finding f) { out->findings.emplace_back(std::move(key), std::move(f)); }

  Status check(KernelVm& vm, const Calls& calls, Run* out) {
    EventLog log;
    vm.recorder().take(&log);
    if (o_.on_events) PTX_RETURN_IF_ERROR(o_.on_events(schedule_id(out->outcome.switches), log));
    std::optional<tlb::TlbPass> tlb;
    armcheck::CheckOptions co;
    co.explore.compare = o_.compare;
    if (o_.tlb) co.observer = &tlb.emplace(tlb::TlbOptions{});
    armcheck::EventChecker checker(s_.name, co);
    for (const armtrace::Event& e : log.events) PTX_RETURN_IF_ERROR(checker.add(e));
    PTX_ASSIGN_OR_RETURN(armcheck::CheckResult r,
                         checker.finish(std::nullopt, log.events.empty() ? 0 : log.events.back().id));
    verdicts(r, tlb ? &*tlb : nullptr, out);
    for (Finding& f : vm.recorder().take_findings()) add(out, report::finding_signature(f), f);
    const Tables t(checker.memory(), vm.root(), Geometry::arm());
    const bool age_range = engine_.table->ages_ranges != 0;
    if (const std::optional<Mismatch> m = lost_update(t, calls, age_range, span_.first, span_.second)) {
      add_finding(out, "lost-update", fmt::format("the final table maps IPA {:#x} as {}; no serial order of the "
                                                  "threads' calls maps it so (in thread order: {})",
                                                  m->ipa, m->got.text(), m->want.text()));
    }
    schedule_findings(out);
    out->state_hash = state_hash(t, span_.first, span_.second);
    return ok_status();
  }

  void add_finding(Run* out, const std::string& kind, std::string detail) {
    Finding f{kind, 0, std::move(detail), "scheduler"};
    report::SignatureKey key = report::finding_signature(f);  // before f is moved
    add(out, std::move(key), std::move(f));
  }

  void schedule_findings(Run* out) {
    if (out->outcome.deadlock) {
      add_finding(out, "deadlock", fmt::format("at step {} no thread may run (each waits at the MMU lock) and "
                                               "some have not ended", out->outcome.deadlock_step));
    }
    if (out->outcome.livelock) {
      add_finding(out, "livelock", fmt::format("the schedule ran past {} steps (the bound; --step-bound)",
                                               o_.step_bound));
    }
  }

  void verdicts(const armcheck::CheckResult& r, const tlb::TlbPass* tlb, Run* out) {
    for (const CheckedSection& cs : r.kept) {
      for (const Violation& v : cs.exploration.violations) {
        add(out, report::violation_signature(cs, v),
            Finding{std::string(violation_class_name(v.cls)), cs.line,
                    fmt::format("IPA {:#x}: a walk may see {:#x}, neither before ({:#x}) nor after ({:#x})", v.ipa,
                                v.observed, v.before, v.after)});
      }
    }
    for (const Finding& f : r.findings) add(out, report::finding_signature(f), f);
    if (tlb == nullptr) return;
    for (const tlb::TlbFinding& f : tlb->findings()) {
      if (f.severity() == tlb::Severity::kInfo) continue;
      add(out, report::tlb_signature(f), Finding{std::string(enum_name(tlb::kVerdictNames, f.verdict)), f.line,
                                                 f.detail, f.src});
    }
  }

  const KernelEngine& engine_;
  const Scenario& s_;
  const ScheduleOptions& o_;
  std::pair<uint64_t, uint64_t> span_;
};

// The summary's bookkeeping over the schedules run.
class Tally {
 public:
  explicit Tally(ScheduleSummary* s) : s_(s) {}
  void add(const Run& r, uint64_t index) {
    ++s_->schedules;
    s_->max_steps = std::max(s_->max_steps, r.outcome.steps);
    traces_.insert(r.outcome.trace_hash);
    std::set<std::string> ids;
    const std::string schedule = schedule_id(r.outcome.switches);
    for (const auto& [key, f] : r.findings) {
      const std::string id = key.id();
      auto [it, fresh] = index_.emplace(id, s_->signatures.size());
      if (fresh) {
        const std::string verdict = key.verdict_text().empty() ? key.verdict : key.verdict_text();
        s_->signatures.push_back(
            ScheduleSignature{id, key.text(), verdict, key.severity, 0, 0, schedule, index, f.detail, f.src});
        (key.severity == tlb::Severity::kError ? s_->errors : s_->warnings) += 1;
      }
      ScheduleSignature& sig = s_->signatures[it->second];
      ++sig.occurrences;
      if (ids.insert(id).second) ++sig.schedules;
    }
    Fnv1a h;  // not std::hash: outcome hashes of shards run on other machines are joined
    h.add_word(r.state_hash);
    for (const std::string& id : ids) h.add_text(id);
    outcomes_.insert(h.value());
  }

  // The distinct traces and outcomes, once every schedule is added.
  void finish() {
    s_->trace_hashes.assign(traces_.begin(), traces_.end());
    s_->distinct_traces = traces_.size();
    s_->outcome_hashes.assign(outcomes_.begin(), outcomes_.end());
    s_->outcomes = outcomes_.size();
  }

 private:
  ScheduleSummary* s_;
  std::set<uint64_t> traces_, outcomes_;
  std::map<std::string, size_t> index_;
};

Status check_scenario(const KernelEngine& engine, const Scenario& s) {
  if (s.threads.empty() || s.threads.size() > 4) return bad_input("scenario {}: 1..4 threads", s.name);
  const auto check = [&](const ptx_k_call& c) -> Status {
    if ((engine.table->calls >> c.kind & 1) == 0) {
      return bad_input("scenario {}: {} (Linux {}) has no call for '{}' (kvm_pgtable_stage2_split came in Linux 6.5)",
                       s.name, engine.name, engine.version, call_text(c));
    }
    return ok_status();
  };
  for (const ptx_k_call& c : s.setup) PTX_RETURN_IF_ERROR(check(c));
  for (const auto& t : s.threads) {
    for (const ptx_k_call& c : t) PTX_RETURN_IF_ERROR(check(c));
  }
  return ok_status();
}

schedule::SearchOptions search_options(const ScheduleOptions& o) {
  schedule::SearchOptions s;
  s.strategy = o.strategy;
  s.schedules = o.schedules;
  s.depth = o.depth;
  s.preemptions = o.preemptions;
  s.sleep_sets = o.sleep_sets;
  s.seed = o.seed;
  s.shard = o.shard;
  s.shards = o.shards;
  s.replay = o.replay;
  return s;
}

}  // namespace

StatusOr<ScheduleSummary> explore_kernel_schedules(const KernelEngine& engine, const Scenario& scenario,
                                                   const ScheduleOptions& options) {
  PTX_RETURN_IF_ERROR(check_scenario(engine, scenario));
  ScheduleRunner runner(engine, scenario, options);
  ScheduleSummary sum;
  Tally tally(&sum);
  Run last;  // the schedule just run
  const schedule::RunSchedule run = [&](ScheduleStrategy* strategy, bool checked) -> StatusOr<ScheduleOutcome> {
    PTX_ASSIGN_OR_RETURN(last, runner.run(strategy, checked));
    return last.outcome;
  };
  uint64_t runs = 0;
  PTX_ASSIGN_OR_RETURN(const schedule::SearchCounts counts,
                       schedule::search_schedules(
                           search_options(options), run, [&](uint64_t index) { tally.add(last, index); },
                           [&] {
                             if (options.on_progress) options.on_progress(++runs);
                           },
                           static_cast<uint32_t>(scenario.threads.size())));
  tally.finish();
  sum.pruned = counts.pruned;
  sum.repeats = counts.repeats;
  sum.complete = counts.complete;
  sum.interrupted = interrupt_signal();
  return sum;
}

}  // namespace ptx::kernel
