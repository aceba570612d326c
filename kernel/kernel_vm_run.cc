// SPDX-License-Identifier: BSD-2-Clause
// KernelVm: the vCPU threads, the dispatch of ops in order with footprints, and the draining of
// the event log into the fold.
#include <algorithm>
#include <cerrno>
#include <thread>

#include "base/interrupt.h"
#include "kernel/kernel_vm.h"

namespace ptx::kernel {

namespace {

constexpr size_t kBatchEvents = 8192;  // a vCPU drains the log past this many events

bool meets(uint64_t a, uint64_t b, uint64_t c, uint64_t d) { return a < d && c < b; }

}  // namespace

struct KernelVm::Dispatch {
  std::mutex mu;
  std::condition_variable cv;
  const std::function<bool(workload::WorkloadOp*, Status*)>* next = nullptr;
  const Fold* fold = nullptr;
  const std::function<void(uint64_t)>* progress = nullptr;
  std::vector<VmOp> head;                                 // the next workload op's calls
  bool have_head = false;
  std::vector<std::pair<uint64_t, uint64_t>> in_flight;  // footprints of running calls
  bool done = false;
  Status error;
  uint64_t numbered = 0;

  bool blocked() const {
    for (const VmOp& v : head) {
      for (const auto& [b, e] : in_flight) {
        if (meets(v.begin, v.end, b, e)) return true;
      }
    }
    return false;
  }
  void fail(Status s) {
    if (error.ok()) error = std::move(s);
    done = true;
    cv.notify_all();
  }
};

Status KernelVm::run(const std::function<bool(workload::WorkloadOp*, Status*)>& next, const Fold& fold,
                     const std::function<void(uint64_t)>& progress) {
  Dispatch d;
  d.next = &next;
  d.fold = &fold;
  d.progress = &progress;
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < options_.vcpus; ++t) threads.emplace_back([this, t, &d] { vcpu_loop(t, d); });
  for (std::thread& t : threads) t.join();
  if (d.error.code() == StatusCode::kInterrupted) {
    // Every op a vCPU started has ended: the log holds whole ops, folded before the error.
    PTX_RETURN_IF_ERROR(drain(fold, true));
  }
  if (!d.error.ok()) return d.error;
  KernelRecorder::bind_thread(0);
  recorder_->poll_rcu(false);
  return drain(fold, true);
}

// Takes the next workload op's calls once none of them meets a running call (waiting while one
// does), into *calls. False when there is none left or the run failed (d.error).
bool KernelVm::next_calls(Dispatch& d, std::vector<VmOp>* calls) {
  std::unique_lock<std::mutex> l(d.mu);
  for (;;) {
    if (d.done) return false;
    if (interrupted()) {
      d.fail(Status(StatusCode::kInterrupted, "interrupted"));
      return false;
    }
    if (!d.have_head) {
      workload::WorkloadOp op;
      Status err;
      if (!(*d.next)(&op, &err)) {
        if (!err.ok()) d.fail(std::move(err));
        d.done = true;
        d.cv.notify_all();
        return false;
      }
      if (Status s = check_op(op); !s.ok()) {
        d.fail(std::move(s).at(options_.source, op.line));
        return false;
      }
      d.head = translate(op);
      for (VmOp& v : d.head) v.number = ++d.numbered;
      d.have_head = true;
    }
    if (!d.blocked()) break;
    d.cv.wait(l);
  }
  *calls = std::move(d.head);
  d.have_head = false;
  for (const VmOp& v : *calls) d.in_flight.emplace_back(v.begin, v.end);
  d.cv.notify_all();
  return true;
}

void KernelVm::vcpu_loop(uint32_t vcpu, Dispatch& d) {
  KernelRecorder::bind_thread(vcpu);
  std::vector<VmOp> calls;
  while (next_calls(d, &calls)) {
    Status st = execute(vcpu, calls);
    {
      std::lock_guard<std::mutex> l(d.mu);
      for (const VmOp& v : calls) {
        auto it = std::find(d.in_flight.begin(), d.in_flight.end(), std::make_pair(v.begin, v.end));
        if (it != d.in_flight.end()) d.in_flight.erase(it);
      }
      if (!st.ok()) return d.fail(std::move(st));
      d.cv.notify_all();
    }
    recorder_->poll_rcu(false);
    if (*d.progress) (*d.progress)(1);
    const size_t pending = recorder_->pending_events();
    if (pending < kBatchEvents) continue;
    if (Status s = drain(*d.fold, pending >= 8 * kBatchEvents); !s.ok()) {
      std::lock_guard<std::mutex> l(d.mu);
      return d.fail(std::move(s));
    }
  }
}

// Runs `calls` in order on this vCPU, recording their boundaries.
Status KernelVm::execute(uint32_t vcpu, std::vector<VmOp>& calls) {
  for (VmOp& v : calls) PTX_RETURN_IF_ERROR(call(vcpu, &v));
  return ok_status();
}

Status KernelVm::call(uint32_t vcpu, VmOp* v) {
  v->vcpu = vcpu;
  {
    std::lock_guard<std::mutex> l(ops_mu_);
    ops_[v->number] = *v;
  }
  recorder_->mark(false, v->number);
  v->status = engine_.table->call(vm_, vcpu, &v->call, &v->result);
  {
    std::lock_guard<std::mutex> l(ops_mu_);
    ops_[v->number] = *v;  // the results, before the end mark that lets the fold read them
  }
  recorder_->mark(true, v->number);
  if (v->status == -ENOMEM || v->result.ret == -ENOMEM) {
    return std::move(bad_input("{}: VM {} ran out of table pages ({} pages of 4 KiB, all in use)", engine_.name,
                               options_.vmid, options_.arena_pages)).at(options_.source, v->op.line);
  }
  return ok_status();
}

// Hands the events recorded so far, and the ops whose end marks they hold, to `fold`. `wait`:
// waits for another thread's drain to finish first; else returns at once when one is running.
Status KernelVm::drain(const Fold& fold, bool wait) {
  std::unique_lock<std::mutex> l(fold_mu_, std::defer_lock);
  if (wait) {
    l.lock();
  } else if (!l.try_lock()) {
    return ok_status();
  }
  recorder_->take(&batch_);
  std::map<uint64_t, VmOp> ended;
  {
    std::lock_guard<std::mutex> g(ops_mu_);
    for (const EventLog::Mark& m : batch_.marks) {
      const auto it = ops_.find(m.op);
      if (it == ops_.end()) continue;
      ended[m.op] = it->second;
      if (m.end) ops_.erase(it);
    }
  }
  return fold(batch_, ended);
}

Status KernelVm::destroy(const Fold& fold) {
  KernelRecorder::bind_thread(0);
  recorder_->poll_rcu(true);
  PTX_RETURN_IF_ERROR(drain(fold, true));
  engine_.table->vm_destroy(vm_);
  vm_ = nullptr;
  EventLog discard;
  recorder_->take(&discard);  // the teardown's frees: the VM is gone, nothing walks its tables
  return ok_status();
}

}  // namespace ptx::kernel
