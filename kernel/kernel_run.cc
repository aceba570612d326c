// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/kernel_run.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "base/interrupt.h"
#include "kernel/kernel_call.h"
#include "kernel/kernel_vm.h"
#include "pagetable/walk.h"
#include "tlb/tlb_pass.h"

namespace ptx::kernel {
namespace {

const char* call_name(uint32_t kind) {
  static const char* const kNames[] = {"fault", "unmap", "wrprotect", "access", "age", "split"};
  return kind < PTX_K_CALL_KINDS ? kNames[kind] : "?";
}

// The check of one VM's events: the EventChecker (with the TLB pass) and the refinement check.
class VmCheck {
 public:
  VmCheck(const KernelRunOptions& o, const KernelVm& vm)
      : o_(o), vm_(vm), checker_(fmt::format("vm {}", vm.options().vmid), options(o)) {}

  Status fold(const EventLog& batch, const std::map<uint64_t, VmOp>& ops) {
    size_t m = 0;
    for (size_t i = 0; i <= batch.events.size(); ++i) {
      for (; m < batch.marks.size() && batch.marks[m].at == i; ++m) {
        if (batch.marks[m].end && o_.refinement) refine(ops.at(batch.marks[m].op), last_id_);
      }
      if (i == batch.events.size()) break;
      PTX_RETURN_IF_ERROR(checker_.add(batch.events[i]));
      last_id_ = batch.events[i].id;
    }
    return ok_status();
  }

  StatusOr<armcheck::CheckResult> finish() { return checker_.finish(std::nullopt, last_id_); }
  std::vector<Finding>& findings() { return findings_; }
  const tlb::TlbPass* tlb() const { return tlb_ ? &*tlb_ : nullptr; }
  uint64_t wrong_results() const { return wrong_results_; }

 private:
  armcheck::CheckOptions options(const KernelRunOptions& o) {
    armcheck::CheckOptions c = o.check;
    if (o.tlb) c.observer = &tlb_.emplace(o.tlb_options);
    return c;
  }

  // After call `v`: the reference applies it, and the table must agree over its footprint.
  void refine(const VmOp& v, uint64_t line) {
    if (v.status != 0) return;  // the path itself failed (reported as an error)
    // A call that failed before changing anything (e.g. -EINVAL for attributes the API refuses)
    // leaves the reference as it is; -EAGAIN is part of the contract (reference_map.h).
    if (v.result.ret != 0 && v.result.ret != -EAGAIN) return;
    apply_call(ref_, v.call, v.result.perm_fault != 0, vm_.engine().table->ages_ranges != 0);
    const Tables t(checker_.memory(), vm_.root(), Geometry::arm());
    const std::optional<Mismatch> m = first_mismatch(t, ref_, v.begin, v.end);
    if (!m) return;
    ++wrong_results_;
    findings_.push_back(Finding{
        "wrong-result", line,
        fmt::format("vm {}: {} of [{:#x}, {:#x}) (workload line {}, vCPU {}{}) leaves IPA {:#x} mapped as {}; the "
                    "reference map says {}",
                    vm_.options().vmid, call_name(v.call.kind), v.call.ipa, v.call.ipa + v.call.size, v.op.line, v.vcpu,
                    v.result.perm_fault ? ", permission fault" : "", m->ipa, m->got.text(), m->want.text()),
        fmt::format("{}:{}", vm_.options().source, v.op.line)});
    ref_.apply_unmap(v.begin, v.end);  // one report: what the table holds now is what follows from
    resync(t, v.begin, v.end);         // ... (the next calls are judged from the table's state)
  }

  // Sets the reference over [begin, end) to what the table maps there.
  void resync(const Tables& t, uint64_t begin, uint64_t end) {
    walk_range(t.geometry, t.root, begin, end, t, [&](const WalkVisit& w) {
      if (w.type == EntryType::kTable) return WalkAction::kDescend;
      if (w.type == EntryType::kInvalid) return WalkAction::kContinue;
      const Translation x = translation_of(w.value, w.level, w.ipa);
      uint32_t prot = (x.r ? kProtR : 0) | (x.w ? kProtW : 0) | (x.x ? kProtX : 0) | (x.device ? kProtDevice : 0);
      ref_.apply_map(w.ipa, w.size, x.oa, prot);
      if (!x.young) ref_.apply_young(w.ipa, w.ipa + w.size, false);
      return WalkAction::kContinue;
    });
  }

  const KernelRunOptions& o_;
  const KernelVm& vm_;
  std::optional<tlb::TlbPass> tlb_;
  armcheck::EventChecker checker_;
  ReferenceMap ref_;
  std::vector<Finding> findings_;
  uint64_t last_id_ = 0;
  uint64_t wrong_results_ = 0;
};

// One VM's outcome, merged into the run's in vmid order.
struct VmResult {
  Status status;
  armcheck::CheckResult check;
  std::vector<Finding> findings;  // the recorder's and the refinement's
  std::vector<tlb::TlbFinding> tlb_findings;
  tlb::TlbSummary tlb_summary;
  uint64_t ops = 0, events = 0, calls = 0, wrong_results = 0;
  size_t pages_peak = 0;
};

// The VM's workload ops, one by one, from its sections.
class OpFeed {
 public:
  OpFeed(workload::WorkloadStream& s, uint32_t vm) : s_(s), vm_(vm) {}
  bool next(workload::WorkloadOp* op) {
    while (i_ == ops_.size()) {
      if (!s_.next_section(vm_, &ops_)) return false;
      i_ = 0;
    }
    *op = ops_[i_++];
    return true;
  }

 private:
  workload::WorkloadStream& s_;
  uint32_t vm_;
  std::vector<workload::WorkloadOp> ops_;
  size_t i_ = 0;
};

Status run_vm_checked(const KernelEngine& engine, workload::WorkloadStream& stream, uint32_t vmid,
                      const KernelRunOptions& o, VmResult* out) {
  VmOptions vo;
  vo.vmid = vmid;
  vo.vcpus = o.vcpus;
  vo.features = o.features;
  vo.source = stream.source();
  PTX_ASSIGN_OR_RETURN(std::unique_ptr<KernelVm> vm, KernelVm::create(engine, vo));
  VmCheck check(o, *vm);
  OpFeed feed(stream, vmid);
  const KernelVm::Fold fold = [&](const EventLog& batch, const std::map<uint64_t, VmOp>& ops) -> Status {
    out->events += batch.events.size();
    for (const EventLog::Mark& m : batch.marks) out->calls += m.end ? 1 : 0;
    if (o.on_events) PTX_RETURN_IF_ERROR(o.on_events(vmid, batch));
    return o.explore ? check.fold(batch, ops) : ok_status();
  };
  const auto next = [&](workload::WorkloadOp* op, Status*) {
    if (!feed.next(op)) return false;
    ++out->ops;  // dispatched: run() runs every op it takes before it returns
    return true;
  };
  // Interrupted, the VM's events so far (whole ops: run() drains after its threads stop) are
  // checked as a shorter run without the VM's teardown, and kInterrupted is returned after them.
  const Status ran = vm->run(next, fold, o.on_progress);
  const bool stopped = ran.code() == StatusCode::kInterrupted;
  if (!ran.ok() && !stopped) return ran;
  if (!stopped) PTX_RETURN_IF_ERROR(vm->destroy(fold));
  out->pages_peak = vm->arena().peak();
  out->findings = vm->recorder().take_findings();
  for (Finding& f : out->findings) f.detail = fmt::format("vm {}: {}", vmid, f.detail);
  out->findings.insert(out->findings.end(), check.findings().begin(), check.findings().end());
  out->wrong_results = check.wrong_results();
  if (!o.explore) return ran;
  PTX_ASSIGN_OR_RETURN(out->check, check.finish());
  if (const tlb::TlbPass* p = check.tlb()) {
    out->tlb_findings = p->findings();
    out->tlb_summary = p->summary();
  }
  return ran;
}

void merge(VmResult&& v, KernelRunResult* r) {
  r->totals.merge(v.check.totals);
  r->totals.ops += v.ops;
  for (CheckedSection& c : v.check.kept) r->kept.push_back(std::move(c));
  std::vector<Finding> all = std::move(v.check.findings);
  all.insert(all.end(), v.findings.begin(), v.findings.end());
  std::stable_sort(all.begin(), all.end(), [](const Finding& a, const Finding& b) { return a.line < b.line; });
  r->findings.insert(r->findings.end(), all.begin(), all.end());
  r->tlb_findings.insert(r->tlb_findings.end(), v.tlb_findings.begin(), v.tlb_findings.end());
  r->tlb_summary.tlbis += v.tlb_summary.tlbis;
  r->tlb_summary.max_stale = std::max(r->tlb_summary.max_stale, v.tlb_summary.max_stale);
  r->events += v.events;
  r->calls += v.calls;
  r->wrong_results += v.wrong_results;
  r->table_pages_peak += v.pages_peak;
}

}  // namespace

StatusOr<KernelRunResult> run_kernel(const KernelEngine& engine, workload::WorkloadStream& stream,
                                     const KernelRunOptions& options) {
  const std::vector<uint32_t> vms = stream.vms();
  std::vector<VmResult> results(vms.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < vms.size(); i = next++) {
      results[i].status = run_vm_checked(engine, stream, vms[i], options, &results[i]);
    }
  };
  std::vector<std::thread> threads;
  const size_t n = std::max<size_t>(1, std::min<size_t>(options.threads, vms.size()));
  for (size_t t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  KernelRunResult r;
  for (VmResult& v : results) {
    if (v.status.code() == StatusCode::kInterrupted) {
      r.interrupted = interrupt_signal();
    } else if (!v.status.ok()) {
      return v.status;
    }
    merge(std::move(v), &r);
  }
  tlb::TlbSummary s = tlb::summarize(r.tlb_findings);
  s.tlbis = r.tlb_summary.tlbis;
  s.max_stale = r.tlb_summary.max_stale;
  r.tlb_summary = s;
  r.totals.findings = r.findings.size();
  return r;
}

}  // namespace ptx::kernel
