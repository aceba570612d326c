// SPDX-License-Identifier: BSD-2-Clause
#include "kernel/recorder.h"

#include <chrono>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace ptx::kernel {

using armtrace::Event;
using armtrace::EventKind;

namespace {

thread_local uint32_t t_tid = 0;

constexpr armtrace::TlbiOp kTlbiOf[] = {
    armtrace::TlbiOp::kVmalls12e1is, armtrace::TlbiOp::kVmalls12e1, armtrace::TlbiOp::kVmalle1is,
    armtrace::TlbiOp::kVmalle1,      armtrace::TlbiOp::kAlle1is,    armtrace::TlbiOp::kIpas2e1is,
    armtrace::TlbiOp::kIpas2e1,      armtrace::TlbiOp::kRipas2e1is, armtrace::TlbiOp::kRipas2e1,
    armtrace::TlbiOp::kVae2is,       armtrace::TlbiOp::kVale2is};
constexpr armtrace::DsbKind kDsbOf[] = {armtrace::DsbKind::kIsh, armtrace::DsbKind::kIshst, armtrace::DsbKind::kNsh,
                                        armtrace::DsbKind::kNshst};

}  // namespace

KernelRecorder::KernelRecorder(TableArena* arena, uint64_t lock, bool record_reads)
    : arena_(arena), lock_(lock), record_reads_(record_reads) {
  hooks_ = ptx_k_hooks{this,          h_read,           h_write,        h_cmpxchg,        h_barrier,
                       h_tlbi,        h_load_vttbr,     h_lock,         h_unlock,         h_rcu_read_lock,
                       h_rcu_read_unlock, h_call_rcu,   h_alloc_page,   h_page_ref,       h_virt_to_phys,
                       h_phys_to_virt, h_warn,          h_yield,          h_hw_read};
}

void KernelRecorder::bind_thread(uint32_t tid) { t_tid = tid; }

void KernelRecorder::set_gate(ScheduleGate* gate) {
  gate_ = gate;
  arena_->set_quarantine(gate != nullptr);
}

uint64_t KernelRecorder::phys_of(const void* word) const {
  return arena_->contains(word) ? arena_->phys(word) : 0;
}

// A scheduled run's entry access to a table page that was freed: the walk that reached it holds a
// pointer the RCU grace period (or the lock) should have kept valid.
void KernelRecorder::check_live(const void* word, ptx_k_src at) {
  if (gate_ == nullptr || !arena_->contains(word) || arena_->live(word)) return;
  findings_.push_back(Finding{"walk-after-free", next_id_,
                              fmt::format("tid {} accesses entry {:#x} at {}, in a table page freed before",
                                          t_tid, arena_->phys(word), src_of(at)),
                              src_of(at)});
}

// "arch/arm64/kvm/hyp/pgtable.c", 761 -> "pgtable.c:761": short enough to stay inline in a string.
std::string KernelRecorder::src_of(ptx_k_src at) {
  const char* file = at.file != nullptr ? at.file : "?";
  const char* slash = std::strrchr(file, '/');
  return fmt::format("{}:{}", slash != nullptr ? slash + 1 : file, at.line);
}

Event KernelRecorder::event(EventKind kind, ptx_k_src at) const {
  Event e;
  e.kind = kind;
  e.tid = t_tid;
  e.src = src_of(at);
  return e;
}

void KernelRecorder::append(Event&& e) {
  e.id = e.line = next_id_++;
  log_.events.push_back(std::move(e));
}

void KernelRecorder::add(Event e) {
  std::lock_guard<std::mutex> l(mu_);
  append(std::move(e));
}

void KernelRecorder::mark(bool end, uint64_t op) {
  std::lock_guard<std::mutex> l(mu_);
  log_.marks.push_back(EventLog::Mark{log_.events.size(), end, op});
}

void KernelRecorder::take(EventLog* out) {
  out->clear();
  std::lock_guard<std::mutex> l(mu_);
  std::swap(*out, log_);
}

size_t KernelRecorder::pending_events() const {
  std::lock_guard<std::mutex> l(mu_);
  return log_.events.size();
}

uint64_t KernelRecorder::events_recorded() const {
  std::lock_guard<std::mutex> l(mu_);
  return next_id_ - 1;
}

std::vector<Finding> KernelRecorder::take_findings() {
  std::lock_guard<std::mutex> l(mu_);
  return std::move(findings_);
}

// --- entry accesses ---------------------------------------------------------------------------

uint64_t KernelRecorder::h_read(void* self, const uint64_t* word, ptx_k_src at) {
  KernelRecorder* r = of(self);
  r->pass(HookPoint::kRead, r->phys_of(word));
  if (!r->record_reads_ && r->gate_ == nullptr) return __atomic_load_n(word, __ATOMIC_ACQUIRE);
  std::lock_guard<std::mutex> l(r->mu_);
  r->check_live(word, at);
  if (!r->record_reads_) return __atomic_load_n(word, __ATOMIC_ACQUIRE);
  const uint64_t v = __atomic_load_n(word, __ATOMIC_ACQUIRE);
  if (r->arena_->contains(word)) {
    Event e = r->event(EventKind::kMemRead, at);
    e.address = r->arena_->phys(word);
    e.value = v;
    r->append(std::move(e));
  }
  return v;
}

void KernelRecorder::h_write(void* self, uint64_t* word, uint64_t value, int order, ptx_k_src at) {
  KernelRecorder* r = of(self);
  r->pass(HookPoint::kWrite, r->phys_of(word));
  std::lock_guard<std::mutex> l(r->mu_);
  r->check_live(word, at);
  __atomic_store_n(word, value, __ATOMIC_RELEASE);
  if (!r->arena_->contains(word)) return;
  Event e = r->event(EventKind::kMemWrite, at);
  e.mem_order = order == PTX_K_RELEASE ? armtrace::MemOrder::kRelease : armtrace::MemOrder::kPlain;
  e.address = r->arena_->phys(word);
  e.value = value;
  r->append(std::move(e));
}

uint64_t KernelRecorder::h_cmpxchg(void* self, uint64_t* word, uint64_t expected, uint64_t desired, ptx_k_src at) {
  KernelRecorder* r = of(self);
  r->pass(HookPoint::kCas, r->phys_of(word));
  std::lock_guard<std::mutex> l(r->mu_);
  r->check_live(word, at);
  // Every hooked write to an entry holds mu_, so a load that finds another value is the whole
  // failed cmpxchg: it only reads, as Arm's CAS does when it fails. A failed CAS instruction
  // would count as a write to ThreadSanitizer and race with the plain read the entry's owner
  // makes of its own locked entry (stage2_make_pte's WARN_ON(!stage2_pte_is_locked(*ptep))).
  uint64_t found = __atomic_load_n(word, __ATOMIC_ACQUIRE);
  if (found != expected) return found;
  if (!__atomic_compare_exchange_n(word, &found, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) return found;
  if (r->arena_->contains(word)) {
    Event e = r->event(EventKind::kMemWrite, at);
    e.mem_order = armtrace::MemOrder::kCas;
    e.address = r->arena_->phys(word);
    e.value = desired;
    r->append(std::move(e));
  }
  return found;
}

// --- barriers, TLBIs, registers -----------------------------------------------------------------

void KernelRecorder::h_barrier(void* self, int kind, ptx_k_src at) {
  KernelRecorder* r = of(self);
  r->pass(HookPoint::kBarrier);
  Event e = r->event(EventKind::kBarrier, at);
  if (kind == PTX_K_ISB) {
    e.barrier = armtrace::BarrierType::kIsb;
  } else {
    e.dsb_kind = kDsbOf[kind >= 0 && kind <= PTX_K_DSB_NSHST ? kind : 0];
  }
  std::lock_guard<std::mutex> l(r->mu_);
  r->append(std::move(e));
}

void KernelRecorder::h_tlbi(void* self, int op, uint64_t value, ptx_k_src at) {
  KernelRecorder* r = of(self);
  r->pass(HookPoint::kTlbi);
  Event e = r->event(EventKind::kTlbi, at);
  e.tlbi_op = kTlbiOf[op >= 0 && op <= PTX_K_TLBI_VALE2IS ? op : 0];
  e.value = armtrace::tlbi_op_info(e.tlbi_op).takes_value ? value : 0;
  std::lock_guard<std::mutex> l(r->mu_);
  r->append(std::move(e));
}

void KernelRecorder::h_load_vttbr(void* self, uint64_t vttbr, ptx_k_src at) {
  KernelRecorder* r = of(self);
  std::lock_guard<std::mutex> l(r->mu_);
  if (r->vttbr_[t_tid] == vttbr) return;  // already loaded on this CPU: no register write
  r->vttbr_[t_tid] = vttbr;
  Event e = r->event(EventKind::kSysregWrite, at);
  e.sysreg = armtrace::Sysreg::kVttbrEl2;
  e.value = vttbr;
  r->append(std::move(e));
}

// --- the MMU lock and RCU ----------------------------------------------------------------------

void KernelRecorder::h_lock(void* self, int mode, ptx_k_src at) {
  KernelRecorder* r = of(self);
  const bool read = mode == PTX_K_LOCK_READ;
  r->pass(HookPoint::kLock, r->lock_, read);
  if (r->gate_ != nullptr) {
    // the gate let us in: it holds the lock for us (its model; see set_gate)
  } else if (read) {
    r->mmu_lock_.lock_shared();
  } else {
    r->mmu_lock_.lock();
  }
  Event e = r->event(read ? EventKind::kReadLock : EventKind::kLock, at);
  e.address = r->lock_;
  std::lock_guard<std::mutex> l(r->mu_);
  r->append(std::move(e));
}

void KernelRecorder::h_unlock(void* self, int mode, ptx_k_src at) {
  KernelRecorder* r = of(self);
  const bool read = mode == PTX_K_LOCK_READ;
  r->pass(HookPoint::kUnlock, r->lock_, read);
  Event e = r->event(read ? EventKind::kReadUnlock : EventKind::kUnlock, at);
  e.address = r->lock_;
  {
    std::lock_guard<std::mutex> l(r->mu_);
    r->append(std::move(e));
  }
  if (r->gate_ != nullptr) return;
  if (read) {
    r->mmu_lock_.unlock_shared();
  } else {
    r->mmu_lock_.unlock();
  }
}

void KernelRecorder::h_rcu_read_lock(void* self, ptx_k_src) {
  KernelRecorder* r = of(self);
  r->pass(HookPoint::kRcuLock);
  std::lock_guard<std::mutex> l(r->mu_);
  r->rcu_inside_[t_tid] = true;
}

void KernelRecorder::h_rcu_read_unlock(void* self, ptx_k_src) {
  KernelRecorder* r = of(self);
  r->pass(HookPoint::kRcuUnlock);
  std::lock_guard<std::mutex> l(r->mu_);
  r->rcu_inside_[t_tid] = false;
  ++r->rcu_gen_[t_tid];
}

void KernelRecorder::h_call_rcu(void* self, void (*fn)(void*), void* arg, ptx_k_src) {
  KernelRecorder* r = of(self);
  std::lock_guard<std::mutex> l(r->mu_);
  r->rcu_.push_back(RcuCallback{fn, arg, r->rcu_gen_, r->rcu_inside_});
}

void KernelRecorder::poll_rcu(bool all) {
  std::vector<RcuCallback> ready;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto done = [&](const RcuCallback& c) {
      for (size_t t = 0; t < c.gen.size(); ++t) {
        if (c.inside[t] && rcu_gen_[t] == c.gen[t]) return false;  // that section is still open
      }
      return true;
    };
    std::vector<RcuCallback> keep;
    for (RcuCallback& c : rcu_) (all || done(c) ? ready : keep).push_back(c);
    rcu_ = std::move(keep);
  }
  for (const RcuCallback& c : ready) c.fn(c.arg);
}

// --- table pages --------------------------------------------------------------------------------

void* KernelRecorder::h_alloc_page(void* self, ptx_k_src at) {
  KernelRecorder* r = of(self);
  r->pass(HookPoint::kAlloc);
  std::lock_guard<std::mutex> l(r->mu_);
  void* page = r->arena_->alloc();
  if (page == nullptr) return nullptr;
  Event e = r->event(EventKind::kMemInit, at);
  e.address = r->arena_->phys(page);
  e.size = TableArena::kPage;
  r->append(std::move(e));
  return page;
}

int KernelRecorder::h_page_ref(void* self, void* virt, int delta, ptx_k_src at) {
  KernelRecorder* r = of(self);
  r->pass(HookPoint::kPageRef, r->phys_of(virt) & ~(TableArena::kPage - 1));
  std::lock_guard<std::mutex> l(r->mu_);
  bool freed = false;
  const bool was_free = r->gate_ != nullptr && r->arena_->contains(virt) && !r->arena_->live(virt);
  const int count = r->arena_->ref(virt, delta, &freed);
  if (count < 0) {
    r->findings_.push_back(Finding{was_free && delta < 0 ? "double-free" : "kernel-warn", r->next_id_,
                                   fmt::format("page_ref({:+d}) of a page that is not a live table page, at {} "
                                               "(tid {}): a reference count dropped below zero or a double free",
                                               delta, src_of(at), t_tid),
                                   src_of(at)});
    return 0;
  }
  if (freed) {
    Event e = r->event(EventKind::kMemFree, at);
    e.address = r->arena_->phys(virt) & ~(TableArena::kPage - 1);
    e.size = TableArena::kPage;
    r->append(std::move(e));
  }
  return count;
}

uint64_t KernelRecorder::h_virt_to_phys(void* self, const void* virt) {
  KernelRecorder* r = of(self);
  return r->arena_->contains(virt) ? r->arena_->phys(virt) : 0;
}

void* KernelRecorder::h_phys_to_virt(void* self, uint64_t phys) { return of(self)->arena_->virt(phys); }

void KernelRecorder::h_warn(void* self, const char* condition, ptx_k_src at) {
  KernelRecorder* r = of(self);
  std::lock_guard<std::mutex> l(r->mu_);
  r->findings_.push_back(Finding{"kernel-warn", r->next_id_,
                                 fmt::format("WARN_ON({}) at {}:{} (tid {})", condition, at.file ? at.file : "?",
                                             at.line, t_tid),
                                 src_of(at)});
}

// Free-running (no gate), the vCPU waits for another one to leave the entry it needs (6.12's locked
// marker during a break-before-make, or a cmpxchg it won). On a machine with fewer cores than
// threads that vCPU may be descheduled for a whole time slice; a spin of refaults would use up
// the driver's retry budget before it runs again and report a livelock that is not there. A short
// sleep gives it the core, as a guest's refault takes time on real hardware.
void KernelRecorder::h_yield(void* self, ptx_k_src) {
  KernelRecorder* r = of(self);
  if (r->gate_ != nullptr) {
    r->pass(HookPoint::kYield);
    return;
  }
  std::this_thread::sleep_for(std::chrono::microseconds(20));
}

uint64_t KernelRecorder::h_hw_read(void* self, const uint64_t* word, ptx_k_src) {
  KernelRecorder* r = of(self);
  r->pass(HookPoint::kRead, r->phys_of(word));
  return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

}  // namespace ptx::kernel
